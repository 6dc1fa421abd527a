// Issue 19 (alert monitors): a failing instance fires its monitor; the alert reaches a webhook (signed) and an inbox
// (a real SMTP server), and clears when the next run succeeds. Plus the triggers' settings, defaults per
// integration or customer, instance state triggers, overdue, test sends, retries and bad input.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, publishIntegration } from './executions-fixtures.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const trigger = `      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

const yaml = `definitionVersion: 7
name: Alerted Orders
description: Fails on demand
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Sync Orders
    stableKey: sync-orders
    description: Fails when asked to
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}      - name: Maybe Fail
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger }, stepResults) => {
                const data = stepResults.integrationTrigger.results.body.data || {};
                if (data.warn) logger.warn('inventory is "low": ' + data.warn);
                if (data.fail) throw new Error('the ERP said no: ' + data.fail);
                return { data: 'ok' };
              };
  - name: Other Flow
    stableKey: other-flow
    description: Always succeeds
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}`;

let server: TestServer;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
/** Answers for the receiver's next requests (status codes); 200 once they run out. */
const receiverAnswers: number[] = [];
let smtp: SMTPServer;
const inbox: ParsedMail[] = [];
let instanceId: string;
let customerId: string;
let integrationId: string;
let flowUrls: Record<string, string>;

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      response.statusCode = receiverAnswers.shift() ?? 200;
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  server = await startTestServer({
    WEFT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    WEFT_EMAIL_FROM: 'Weft alerts <alerts@weft.test>',
    WEFT_MONITORING_POLL_MS: '100',
    WEFT_PUBLIC_URL: 'https://weft.example.com',
  });
  integrationId = await publishIntegration(server, yaml);
  customerId = await createCustomer(server, 'Acme Rockets', 'acme-1');
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, name: 'Acme Orders' },
  });
  expect(instance.status, instance.text).toBe(201);
  instanceId = instance.body.id;
  expect((await server.api('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  flowUrls = Object.fromEntries(
    flows.body.flows.map((flow: { flow: string; webhookUrl: string }) => [flow.flow, flow.webhookUrl]),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await new Promise((resolve) => smtp?.close(() => resolve(undefined)));
});

async function invoke(flow: string, data: unknown): Promise<string> {
  // Webhook URLs carry WEFT_PUBLIC_URL; the test reaches the same path where the server listens.
  const answer = await fetch(flowUrls[flow]!.replace('https://weft.example.com', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(answer.status).toBe(200);
  const { executionId } = (await answer.json()) as { executionId: string };
  await expect
    .poll(async () => (await server.api('GET', `/api/executions/${executionId}`)).body.status)
    .toMatch(/succeeded|failed/);
  return executionId;
}

function bodiesAt(path: string): Array<Record<string, unknown>> {
  return received.filter((request) => request.path === path).map((request) => JSON.parse(request.body));
}

describe('alert monitors', () => {
  let secret: string;
  let webhookId: string;
  let groupId: string;
  let monitorId: string;

  it('sets up a signed webhook, a group with a user and the webhook, and a monitor on the instance', async () => {
    const webhook = await server.api('POST', '/api/alert-webhooks', {
      body: {
        name: 'DevOps hook',
        url: `${receiverUrl}/devops`,
        headers: { Authorization: 'Bearer hook-token-123' },
        generateSigningSecret: true,
      },
    });
    expect(webhook.status, webhook.text).toBe(201);
    expect(webhook.body).toMatchObject({
      headerNames: ['Authorization'],
      hasSigningSecret: true,
      preset: 'custom',
    });
    secret = webhook.body.signingSecret;
    expect(secret).toMatch(/^whsec_/);
    webhookId = webhook.body.id;
    // The secret and header values are answered once, never again.
    const again = await server.api('GET', `/api/alert-webhooks/${webhookId}`);
    expect(again.text).not.toContain(secret);
    expect(again.text).not.toContain('hook-token-123');

    const user = await server.api('POST', '/api/users', {
      body: {
        email: 'Dana.Ops@Example.com',
        name: 'Dana Ops',
        role: 'support',
        password: 'a-long-password-123',
      },
    });
    expect(user.status, user.text).toBe(201);
    const group = await server.api('POST', '/api/alert-groups', {
      body: { name: 'DevOps', users: ['dana.ops@example.com'], webhooks: ['DevOps hook'] },
    });
    expect(group.status, group.text).toBe(201);
    expect(group.body.users).toEqual([
      expect.objectContaining({ email: 'Dana.Ops@Example.com', kind: 'organization' }),
    ]);
    expect(group.body.webhooks).toEqual([{ id: webhookId, name: 'DevOps hook' }]);
    groupId = group.body.id;

    const monitor = await server.api('POST', '/api/alert-monitors', {
      body: {
        name: 'Alert DevOps on failure',
        instance: instanceId,
        flow: 'Sync Orders',
        triggers: ['Execution Failed'],
        groups: [groupId],
      },
    });
    expect(monitor.status, monitor.text).toBe(201);
    expect(monitor.body).toMatchObject({
      instanceName: 'Acme Orders',
      flowName: 'Sync Orders',
      triggers: ['execution-failed'],
      groups: [{ id: groupId, name: 'DevOps' }],
      triggered: false,
    });
    monitorId = monitor.body.id;
  });

  it('a failing run fires the monitor: a signed webhook request and an email; the next success clears it', async () => {
    const failedId = await invoke('Sync Orders', { fail: 'order 42 "rejected"' });
    await expect.poll(() => bodiesAt('/devops').length).toBe(1);
    const request = received.find((r) => r.path === '/devops')!;
    // The seed's recipe: HMAC-SHA256 of the raw body under the secret.
    expect(request.headers['x-webhook-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`,
    );
    expect(request.headers.authorization).toBe('Bearer hook-token-123');
    const alert = JSON.parse(request.body);
    expect(alert).toMatchObject({
      state: 'triggered',
      monitor: 'Alert DevOps on failure',
      trigger: 'Execution Failed',
      instance: 'Acme Orders',
      instanceId,
      customer: 'Acme Rockets',
      customerExternalId: 'acme-1',
      flow: 'Sync Orders',
      step: 'Maybe Fail',
      executionId: failedId,
      url: `https://weft.example.com/monitors/${monitorId}`,
    });
    expect(alert.message).toContain('the ERP said no: order 42 "rejected"');

    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]!.to).toMatchObject({ text: 'dana.ops@example.com' });
    expect(inbox[0]!.from?.text).toContain('alerts@weft.test');
    expect(inbox[0]!.subject).toBe('[Weft] Alert DevOps on failure: Execution Failed on Acme Orders');
    expect(inbox[0]!.text).toContain('the ERP said no');
    expect(inbox[0]!.text).toContain(`https://weft.example.com/monitors/${monitorId}`);

    const triggered = await server.api('GET', `/api/alert-monitors/${monitorId}`);
    expect(triggered.body).toMatchObject({ triggered: true, openEvents: 1 });
    const events = await server.api('GET', `/api/alert-events?monitor=${monitorId}`);
    expect(events.body.items).toEqual([
      expect.objectContaining({
        trigger: 'execution-failed',
        executionId: failedId,
        stepName: 'Maybe Fail',
        clearedAt: null,
      }),
    ]);
    const event = await server.api('GET', `/api/alert-events/${events.body.items[0].id}`);
    expect(
      event.body.deliveries.map((d: { channel: string; status: string }) => [d.channel, d.status]).sort(),
    ).toEqual([
      ['alert-email', 'delivered'],
      ['alert-webhook', 'delivered'],
    ]);

    // Another flow's success does not clear this flow's alert.
    await invoke('Other Flow', {});
    // The same flow succeeding does, and says so to the same people.
    await invoke('Sync Orders', {});
    await expect.poll(() => bodiesAt('/devops').length).toBe(2);
    expect(bodiesAt('/devops')[1]).toMatchObject({
      state: 'cleared',
      trigger: 'Execution Failed',
      customer: 'Acme Rockets',
      customerExternalId: 'acme-1',
    });
    await expect.poll(() => inbox.length).toBe(2);
    expect(inbox[1]!.subject).toMatch(/^\[Weft\] Cleared: /);
    const cleared = await server.api('GET', `/api/alert-events?monitor=${monitorId}`);
    expect(cleared.body.items[0]).toMatchObject({ clearedReason: 'the next execution succeeded' });
    expect((await server.api('GET', `/api/alert-monitors/${monitorId}`)).body).toMatchObject({
      triggered: false,
    });
  });

  it('a log level trigger fires with its setting and step; Execution Completed is informational; clearing by hand', async () => {
    const monitor = await server.api('POST', '/api/alert-monitors', {
      body: {
        name: 'Warnings',
        instance: instanceId,
        triggers: ['log-level-exceeded', 'execution-completed'],
        logLevel: 'warn',
        groups: ['DevOps'],
      },
    });
    expect(monitor.status, monitor.text).toBe(201);
    const before = bodiesAt('/devops').length;
    await invoke('Sync Orders', { warn: 'sku-9' });
    await expect.poll(() => bodiesAt('/devops').length).toBe(before + 2);
    const alerts = bodiesAt('/devops').slice(before);
    expect(alerts.map((a) => a.trigger).sort()).toEqual([
      'Execution Completed',
      'Log Level Matched or Exceeded',
    ]);
    const logAlert = alerts.find((a) => a.trigger === 'Log Level Matched or Exceeded')!;
    expect(logAlert).toMatchObject({ step: 'Maybe Fail' });
    expect(logAlert.message).toContain('inventory is "low": sku-9');
    // Execution Completed is informational: recorded already cleared, so the monitor stays with one open event.
    const events = await server.api('GET', `/api/alert-events?monitor=${monitor.body.id}&open=true`);
    expect(events.body.items.map((e: { trigger: string }) => e.trigger)).toEqual(['log-level-exceeded']);
    // Cleared by hand: who cleared it is recorded.
    const clear = await server.api('POST', `/api/alert-monitors/${monitor.body.id}/clear`);
    expect(clear.body).toEqual({ cleared: 1 });
    const after = await server.api('GET', `/api/alert-events?monitor=${monitor.body.id}&open=false`);
    const reasons = Object.fromEntries(
      after.body.items.map((e: { trigger: string; clearedReason: string }) => [e.trigger, e.clearedReason]),
    );
    expect(reasons).toEqual({
      'log-level-exceeded': expect.stringMatching(/^cleared by /),
      'execution-completed': 'informational: nothing to clear',
    });
    await server.api('DELETE', `/api/alert-monitors/${monitor.body.id}`);
  });

  it('a default monitor on the customer watches its instances: disabling fires, enabling clears', async () => {
    const monitor = await server.api('POST', '/api/alert-monitors', {
      body: { name: 'Acme state', customer: customerId, triggers: ['instance-disabled'], groups: [groupId] },
    });
    expect(monitor.status, monitor.text).toBe(201);
    const before = bodiesAt('/devops').length;
    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    await expect.poll(() => bodiesAt('/devops').length).toBe(before + 1);
    expect(bodiesAt('/devops')[before]).toMatchObject({
      trigger: 'Instance Disabled',
      state: 'triggered',
      instance: 'Acme Orders',
    });
    expect((await server.api('POST', `/api/instances/${instanceId}/unpause`)).status).toBe(200);
    await expect.poll(() => bodiesAt('/devops').length).toBe(before + 2);
    expect(bodiesAt('/devops')[before + 1]).toMatchObject({ trigger: 'Instance Disabled', state: 'cleared' });
    // The monitors watching the instance: its own, and this default of its customer.
    const covering = await server.api('GET', `/api/alert-monitors?covering=${instanceId}`);
    expect(covering.body.items.map((m: { name: string }) => m.name).sort()).toEqual([
      'Acme state',
      'Alert DevOps on failure',
    ]);
    await server.api('DELETE', `/api/alert-monitors/${monitor.body.id}`);
  });

  it('Execution Overdue fires when no run began within the interval, and clears on the next run', async () => {
    const monitor = await server.api('POST', '/api/alert-monitors', {
      body: {
        name: 'Nightly sync',
        instance: instanceId,
        flow: 'Other Flow',
        triggers: ['execution-overdue'],
        overdueIntervalSeconds: 3600,
        groups: [groupId],
      },
    });
    expect(monitor.status, monitor.text).toBe(201);
    // An hour passes without a run of Other Flow: moved in the data rather than waited for.
    await sqlQuery(
      server,
      `update alert_monitors set created_at = now() - interval '2 hours' where id = $1`,
      [monitor.body.id],
    );
    await sqlQuery(server, `update instances set deployed_at = now() - interval '2 hours' where id = $1`, [
      instanceId,
    ]);
    await sqlQuery(
      server,
      `update executions set queued_at = now() - interval '2 hours' where instance_id = $1 and flow_name = 'Other Flow'`,
      [instanceId],
    );
    const before = bodiesAt('/devops').length;
    await expect.poll(() => bodiesAt('/devops').length, { timeout: 30_000 }).toBe(before + 1);
    expect(bodiesAt('/devops')[before]).toMatchObject({ trigger: 'Execution Overdue', flow: 'Other Flow' });
    expect(bodiesAt('/devops')[before]!.message).toContain(
      'No execution of flow "Other Flow" began in the last 1 hour.',
    );
    await invoke('Other Flow', {});
    await expect.poll(() => bodiesAt('/devops').length).toBe(before + 2);
    expect(bodiesAt('/devops')[before + 1]).toMatchObject({ trigger: 'Execution Overdue', state: 'cleared' });
    await server.api('DELETE', `/api/alert-monitors/${monitor.body.id}`);
  });

  it('a receiver that fails is retried; the delivery log shows each outcome; a failed delivery can be retried', async () => {
    receiverAnswers.push(500, 503);
    const before = received.length;
    const test = await server.api('POST', `/api/alert-webhooks/${webhookId}/test`);
    expect(test.status, test.text).toBe(200);
    expect(test.body.deliveries).toEqual([
      expect.objectContaining({ channel: 'alert-webhook', status: 'delivered', attempts: 1 }),
    ]);
    // Two refusals then a success, within the one round of quick retries.
    expect(received.length - before).toBe(3);
    expect(JSON.parse(received[received.length - 1]!.body).message).toContain(
      'This is a test alert from Weft',
    );

    // A receiver that keeps failing: the round fails, the delivery waits for its next round, and says why.
    receiverAnswers.push(500, 500, 500, 500);
    const failing = await server.api('POST', `/api/alert-webhooks/${webhookId}/test`);
    const delivery = failing.body.deliveries[0];
    expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: 500, attempts: 1 });
    expect(delivery.lastError).toContain('answered 500');
    // The host only: an incoming-webhook URL carries its token in the path.
    expect(delivery.lastError).not.toContain('/devops');
    expect(delivery.nextAttemptAt).not.toBeNull();
    const log = await server.api('GET', `/api/alert-webhooks/${webhookId}/deliveries`);
    expect(log.body.items[0]).toMatchObject({ id: delivery.id, status: 'pending' });
    // Marked failed for good (as after its last round), a retry sends it again now.
    await sqlQuery(server, `update notification_deliveries set status = 'failed' where id = $1`, [
      delivery.id,
    ]);
    const retried = await server.api('POST', `/api/alert-deliveries/${delivery.id}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
    expect((await server.api('POST', `/api/alert-deliveries/${delivery.id}/retry`)).status).toBe(404);
  });

  it('a group test sends a sample to every member; presets render for Slack and PagerDuty', async () => {
    const slack = await server.api('POST', '/api/alert-webhooks', {
      body: { name: 'Slack', url: `${receiverUrl}/slack`, preset: 'slack' },
    });
    const pagerduty = await server.api('POST', '/api/alert-webhooks', {
      body: { name: 'PagerDuty', url: `${receiverUrl}/pagerduty`, preset: 'pagerduty' },
    });
    expect([slack.status, pagerduty.status]).toEqual([201, 201]);
    const group = await server.api('PATCH', `/api/alert-groups/${groupId}`, {
      body: { webhooks: [webhookId, 'slack', 'PagerDuty'] },
    });
    expect(group.body.webhooks).toHaveLength(3);
    const mails = inbox.length;
    const test = await server.api('POST', `/api/alert-groups/${groupId}/test`);
    expect(test.body.deliveries.map((d: { status: string }) => d.status)).toEqual(Array(4).fill('delivered'));
    await expect.poll(() => inbox.length).toBe(mails + 1);
    expect(bodiesAt('/slack').at(-1)!.text).toMatch(
      /^\[triggered\] Sample alert monitor: Execution Failed on Sample instance/,
    );
    expect(bodiesAt('/pagerduty').at(-1)).toMatchObject({
      event_action: 'trigger',
      payload: { source: 'Weft Alert', severity: 'error' },
    });
    // The webhook without a secret sends no signature.
    expect(
      received.filter((r) => r.path === '/slack').at(-1)!.headers['x-webhook-signature'],
    ).toBeUndefined();
  });

  it("emails a group's customer users only about their own customer's instances", async () => {
    const otherCustomer = await createCustomer(server, 'Other Co', 'other-1');
    for (const [customer, email] of [
      [customerId, 'ops@acme.test'],
      [otherCustomer, 'spy@other.test'],
    ]) {
      const user = await server.api('POST', `/api/customers/${customer}/users`, {
        body: { name: email, email, role: 'admin' },
      });
      expect(user.status, user.text).toBe(201);
    }
    const group = await server.api('POST', '/api/alert-groups', {
      body: { name: 'Customers', users: ['ops@acme.test', 'spy@other.test'] },
    });
    expect(group.body.users).toHaveLength(2);
    const monitor = await server.api('POST', '/api/alert-monitors', {
      body: { name: 'Tell the customer', triggers: ['execution-failed'], groups: ['Customers'] },
    });
    expect(monitor.status, monitor.text).toBe(201);
    const before = inbox.length;
    await invoke('Sync Orders', { fail: 'for the customer' });
    await expect
      .poll(() => inbox.filter((mail) => mail.subject?.includes('Tell the customer')).length)
      .toBe(1);
    const recipients = inbox.slice(before).map((mail) => (mail.to && 'text' in mail.to ? mail.to.text : ''));
    expect(recipients).toContain('ops@acme.test');
    expect(recipients).not.toContain('spy@other.test');
    // A test send reaches every member, whoever their customer.
    const test = await server.api('POST', `/api/alert-groups/${group.body.id}/test`);
    expect(test.body.deliveries.map((d: { recipient: string }) => d.recipient).sort()).toEqual([
      'ops@acme.test',
      'spy@other.test',
    ]);
    await server.api('DELETE', `/api/alert-monitors/${monitor.body.id}`);
    await invoke('Sync Orders', {});
  });

  it('a webhook given a new URL drops its stored headers unless they are sent again', async () => {
    const hook = await server.api('POST', '/api/alert-webhooks', {
      body: {
        name: 'Moving hook',
        url: `${receiverUrl}/old`,
        headers: { Authorization: 'Bearer keep-me-secret' },
      },
    });
    const moved = await server.api('PATCH', `/api/alert-webhooks/${hook.body.id}`, {
      body: { url: `${receiverUrl}/elsewhere` },
    });
    expect(moved.body.headerNames).toEqual([]);
    await server.api('POST', `/api/alert-webhooks/${hook.body.id}/test`);
    const sent = received.filter((r) => r.path === '/elsewhere').at(-1)!;
    expect(sent.headers.authorization).toBeUndefined();
    const renamed = await server.api('PATCH', `/api/alert-webhooks/${hook.body.id}`, {
      body: { url: `${receiverUrl}/third`, headers: { Authorization: 'Bearer new' } },
    });
    expect(renamed.body.headerNames).toEqual(['Authorization']);
  });

  it('refuses bad input with the field named, and answers 404 for what is not there', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      [
        'POST',
        '/api/alert-monitors',
        { name: 'x', instance: instanceId, triggers: ['explosions'] },
        400,
        'triggers',
      ],
      [
        'POST',
        '/api/alert-monitors',
        { name: 'x', instance: instanceId, triggers: ['execution-duration-exceeded'] },
        400,
        'durationThresholdMs',
      ],
      [
        'POST',
        '/api/alert-monitors',
        { name: 'x', instance: instanceId, flow: 'Nope', triggers: ['execution-failed'] },
        400,
        'flow',
      ],
      [
        'POST',
        '/api/alert-monitors',
        { name: 'x', instance: instanceId, triggers: ['execution-failed'], groups: ['No such group'] },
        400,
        'groups',
      ],
      ['POST', '/api/alert-groups', { name: 'G2', users: ['nobody@example.com'] }, 400, 'users'],
      ['POST', '/api/alert-groups', { name: 'DevOps' }, 409, 'name'],
      ['POST', '/api/alert-webhooks', { name: 'Bad', url: 'ftp://example.com' }, 400, 'url'],
      [
        'POST',
        '/api/alert-webhooks',
        { name: 'Bad', url: 'https://example.com', payloadTemplate: '{"text": $NAME' },
        400,
        'payloadTemplate',
      ],
    ];
    for (const [method, path, body, status, field] of cases) {
      const answer = await server.api(method, path, { body });
      expect(answer.status, `${path} ${JSON.stringify(body)}: ${answer.text}`).toBe(status);
      expect(JSON.stringify(answer.body.error.details ?? {})).toContain(field);
    }
    const unknownInstance = await server.api('POST', '/api/alert-monitors', {
      body: { name: 'x', instance: '00000000-0000-4000-8000-000000000000', triggers: ['execution-failed'] },
    });
    expect(unknownInstance.status).toBe(404);
    expect((await server.api('GET', '/api/alert-monitors/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    const triggers = await server.api('GET', '/api/alert-triggers');
    expect(triggers.body).toHaveLength(11);
  });
});
