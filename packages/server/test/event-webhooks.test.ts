// Issue 19 (event webhooks): the organization's own app subscribes to Weft's events (seed 003, "Prismatic event
// webhooks") and receives them at a local receiver, signed (`x-webhook-signature: sha256=<hex>`, checked here as the
// seed's Express example does, over the raw body), retried, logged per delivery, and never for a change that did
// not happen (the outbox is written by triggers in the change's own transaction).
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAttempts } from '../src/notifications/delivery-runner.js';
import { definitionYaml, sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { instanceOf } from './support/worker-fixtures.js';

interface Received {
  path: string;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: payloads of many shapes, asserted field by field
  body: any;
  signature: string | undefined;
  deliveryId: string | undefined;
}

/** A receiver per path: what it got, and how it answers (by how many requests that path has had). */
class Receiver {
  readonly got: Received[] = [];
  private readonly answers = new Map<string, (count: number) => number>();
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const path = request.url ?? '/';
        this.got.push({
          path,
          raw,
          body: JSON.parse(raw.toString('utf8')),
          signature: request.headers['x-webhook-signature'] as string | undefined,
          deliveryId: request.headers['x-weft-delivery'] as string | undefined,
        });
        const count = this.got.filter((item) => item.path === path).length;
        const status = this.answers.get(path)?.(count) ?? 200;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(status < 300 ? { received: true } : { error: 'receiver says no' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(path: string, status: (count: number) => number): void {
    this.answers.set(path, status);
  }

  at(path: string): Received[] {
    return this.got.filter((item) => item.path === path);
  }

  /** What `path` received of `type` (each delivery once, however often it was retried). */
  events(path: string, type?: string): Received[] {
    const seen = new Set<string>();
    return this.at(path).filter((item) => {
      if (type && item.body.event_type !== type) return false;
      const key = item.deliveryId ?? `${seen.size}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The seed's check: HMAC-SHA256 of the raw body under the secret, compared with the header. */
function signedWith(secret: string, item: Received): boolean {
  return item.signature === `sha256=${createHmac('sha256', secret).update(item.raw).digest('hex')}`;
}

const allSecret = 'my-secret-key-abc-123';
let server: TestServer;
const receiver = new Receiver();
const hooks: Record<string, { id: string; secret?: string }> = {};

async function createHook(key: string, body: Record<string, unknown>): Promise<void> {
  const created = await server.api('POST', '/api/event-webhooks', {
    body: { name: `${key} hook`, url: `${receiver.url}/${key}`, ...body },
  });
  expect(created.status, created.text).toBe(201);
  hooks[key] = {
    id: created.body.id,
    secret: (body.secret as string | undefined) ?? (created.body.secret as string | undefined),
  };
}

async function deliveries(key: string, query = '') {
  const answer = await server.api('GET', `/api/event-webhooks/${hooks[key]!.id}/deliveries${query}`);
  expect(answer.status, answer.text).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: delivery log items
  return answer.body.items as any[];
}

beforeAll(async () => {
  await receiver.start();
  server = await startTestServer({ WEFT_MONITORING_POLL_MS: '100' });
  // all: every instance, customer and user event, signed with the seed's example secret.
  await createHook('all', {
    eventTypes: ['instance.*', 'customer.*', 'user.created'],
    secret: allSecret,
    description: 'Production monitoring',
  });
  // customers: customer events only, with a secret Weft made.
  await createHook('customers', { eventTypes: ['customer.*'], generateSecret: true });
  // disabled: everything, but not enabled.
  await createHook('disabled', { eventTypes: ['instance.*', 'customer.*'], enabled: false });
  // flaky: answers 500 twice, then 200 (one event type, so one delivery).
  receiver.answer('/flaky', (count) => (count <= 2 ? 500 : 200));
  await createHook('flaky', { eventTypes: ['instance.disabled'], secret: allSecret });
  // down: always 500 until the test changes its mind.
  receiver.answer('/down', () => 500);
  await createHook('down', { eventTypes: ['instance.enabled'] });
});

afterAll(async () => {
  await server?.stop();
  await receiver.stop();
});

describe('event webhooks', () => {
  it('lists the event catalog, without workflow events', async () => {
    const answer = await server.api('GET', '/api/event-types');
    expect(answer.status).toBe(200);
    const types = answer.body.items.map((item: { type: string }) => item.type);
    expect(types).toHaveLength(34);
    expect(types).toEqual(
      expect.arrayContaining([
        'instance.deployed',
        'customer.deleted',
        'oauth2.token_refresh_failed',
        'webhook.test',
      ]),
    );
    expect(types.filter((type: string) => type.startsWith('workflow.'))).toEqual([]);
    expect(
      answer.body.items.find((item: { type: string }) => item.type === 'instance.deployed'),
    ).toMatchObject({
      group: 'Instance',
      label: 'Instance Deployed',
    });
  });

  it('sends a signed webhook.test event and answers its delivery', async () => {
    const answer = await server.api('POST', `/api/event-webhooks/${hooks.all!.id}/test`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      eventType: 'webhook.test',
      status: 'delivered',
      lastStatusCode: 200,
    });
    const [received] = receiver.events('/all', 'webhook.test');
    expect(received, 'the receiver got the test event').toBeDefined();
    expect(signedWith(allSecret, received!)).toBe(true);
    expect(signedWith('another secret', received!)).toBe(false);
    expect(received!.body).toEqual({
      message: 'This is a test webhook event from Weft.',
      webhook_endpoint: { id: hooks.all!.id, name: 'all hook' },
      user: null, // the owner token belongs to no user
      event_type: 'webhook.test',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      organization_id: expect.any(String),
      webhook_id: hooks.all!.id,
    });
    // The body logged is the body sent.
    const [logged] = await deliveries('all', '?status=delivered');
    expect(logged).toMatchObject({ id: answer.body.id, status: 'delivered', attempts: 1 });
    expect(logged.body).toBe(received!.raw.toString('utf8'));
  });

  it('names the signed-in user in a test sent by a token of theirs', async () => {
    const user = await server.api('POST', '/api/users', {
      body: { email: 'ada@example.com', name: 'Ada', role: 'admin', password: 'a long enough passphrase' },
    });
    expect(user.status, user.text).toBe(201);
    const token = await server.api('POST', '/api/tokens', {
      body: { name: "Ada's token", role: 'admin', userId: user.body.user.id },
    });
    expect(token.status, token.text).toBe(201);
    const answer = await server.api('POST', `/api/event-webhooks/${hooks.customers!.id}/test`, {
      token: token.body.secret,
    });
    expect(answer.body.status, answer.text).toBe('delivered');
    const [received] = receiver.events('/customers', 'webhook.test');
    expect(received!.body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(signedWith(hooks.customers!.secret!, received!)).toBe(true);
    // The new user was an event too (user.created), with the user it is about.
    await expect.poll(() => receiver.events('/all', 'user.created').length).toBe(1);
    const [created] = receiver.events('/all', 'user.created');
    expect(created!.body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'admin' });
    expect(signedWith(allSecret, created!)).toBe(true);
  });

  it('deploying an instance delivers a signed instance.deployed with its instance, integration and customer', async () => {
    const instanceId = await instanceOf(server, definitionYaml({ name: 'Orders Sync' }), 'Deploy Co');
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    await expect.poll(() => receiver.events('/all', 'instance.deployed').length).toBe(1);
    const [event] = receiver.events('/all', 'instance.deployed');
    expect(signedWith(allSecret, event!)).toBe(true);
    const customer = (await server.api('GET', '/api/customers?search=Deploy')).body.items[0];
    expect(event!.body).toMatchObject({
      instance: { id: instanceId, name: 'Deploy Co instance', enabled: true, customer_id: customer.id },
      integration: { name: 'Orders Sync', version_number: 1 },
      customer: { id: customer.id, name: 'Deploy Co', external_id: null },
      user: null,
      event_type: 'instance.deployed',
      organization_id: expect.any(String),
      webhook_id: hooks.all!.id,
    });
    expect(Date.parse(event!.body.timestamp)).not.toBeNaN();
    // Created before it was deployed: both arrive.
    expect(receiver.events('/all', 'instance.created').map((item) => item.body.instance.id)).toEqual([
      instanceId,
    ]);
    // No config value, key or token in the payload.
    expect(event!.raw.toString()).not.toMatch(/config_values|api_keys|webhook_token|example\.com/);
    hooks.instance = { id: instanceId };
  });

  it('delivers a customer created, updated and deleted, in the order they happened', async () => {
    const created = await server.api('POST', '/api/customers', {
      body: { name: 'Order Co', externalId: 'oc-1' },
    });
    const id = created.body.id as string;
    expect(
      (await server.api('PATCH', `/api/customers/${id}`, { body: { name: 'Order Company' } })).status,
    ).toBe(200);
    expect((await server.api('DELETE', `/api/customers/${id}`)).status).toBe(200);
    const about = (path: string) => receiver.events(path).filter((item) => item.body.customer?.id === id);
    await expect.poll(() => about('/all').length).toBe(3);
    await expect.poll(() => about('/customers').length).toBe(3);
    for (const path of ['/all', '/customers']) {
      // Deliveries may arrive in any order (sent side by side, retried): `timestamp` says when each happened.
      const events = about(path).sort((a, b) => Date.parse(a.body.timestamp) - Date.parse(b.body.timestamp));
      expect(events.map((item) => item.body.event_type)).toEqual([
        'customer.created',
        'customer.updated',
        'customer.deleted',
      ]);
      expect(events.map((item) => item.body.customer.name)).toEqual([
        'Order Co',
        'Order Company',
        'Order Company',
      ]);
      expect(events[0]!.body.customer).toMatchObject({ external_id: 'oc-1' });
    }
    for (const item of about('/all')) expect(signedWith(allSecret, item)).toBe(true);
    for (const item of about('/customers')) expect(signedWith(hooks.customers!.secret!, item)).toBe(true);
  });

  it('delivers nothing for a change that failed', async () => {
    expect((await server.api('POST', '/api/customers', { body: { name: 'Taken Co' } })).status).toBe(201);
    const refused = await server.api('POST', '/api/customers', { body: { name: 'Taken Co' } });
    expect(refused.status).toBe(409);
    expect((await server.api('POST', '/api/customers', { body: { name: 'After Co' } })).status).toBe(201);
    const named = (name: string) =>
      receiver.events('/all', 'customer.created').filter((item) => item.body.customer.name === name);
    await expect.poll(() => named('After Co').length).toBe(1);
    // The event after it has arrived; the refused create left none behind.
    expect(named('Taken Co')).toHaveLength(1);
    const rows = await sqlQuery(
      server,
      `select count(*)::int as n from monitoring_events where type = 'customer.created' and data ->> 'name' = 'Taken Co'`,
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('sends a webhook only the types it subscribed to, and a disabled one nothing', async () => {
    expect(receiver.events('/customers').map((item) => item.body.event_type.split('.')[0])).not.toContain(
      'instance',
    );
    expect(receiver.events('/customers', 'customer.created').length).toBeGreaterThanOrEqual(4);
    expect(receiver.at('/disabled')).toEqual([]);
    expect(await deliveries('disabled')).toEqual([]);
  });

  it('retries a failing receiver at once: 500 twice, then 200, delivered once', async () => {
    const paused = await server.api('POST', `/api/instances/${hooks.instance!.id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    await expect.poll(async () => (await deliveries('flaky'))[0]?.status).toBe('delivered');
    const requests = receiver.at('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((item) => item.deliveryId)).size).toBe(1);
    for (const item of requests) expect(signedWith(allSecret, item)).toBe(true);
    expect(requests[2]!.body).toMatchObject({
      event_type: 'instance.disabled',
      instance: { enabled: false },
    });
    const [logged] = await deliveries('flaky');
    // One round of attempts (a request and its quick retries), ending in the 200.
    expect(logged).toMatchObject({
      eventType: 'instance.disabled',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
    });
    expect(logged.lastError).toBeNull();
    expect(logged.deliveredAt).not.toBeNull();
  });

  it('shows a receiver that keeps failing in the delivery log, and retries a failed delivery on request', async () => {
    expect((await server.api('POST', `/api/instances/${hooks.instance!.id}/unpause`)).status).toBe(200);
    // One round: a request and three quick retries, all 500; then it waits for the next round.
    await expect.poll(async () => (await deliveries('down'))[0]?.lastStatusCode).toBe(500);
    let [logged] = await deliveries('down');
    expect(logged).toMatchObject({ eventType: 'instance.enabled', status: 'pending', attempts: 1 });
    expect(logged.lastError).toContain('answered 500');
    expect(Date.parse(logged.nextAttemptAt)).toBeGreaterThan(Date.now());
    expect(receiver.at('/down')).toHaveLength(4);
    const early = await server.api(
      'POST',
      `/api/event-webhooks/${hooks.down!.id}/deliveries/${logged.id}/retry`,
    );
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('EVENT_WEBHOOK_DELIVERY_NOT_FAILED');

    // Hours later: the last round is due (the clock moved by hand), and it fails too.
    await sqlQuery(
      server,
      'update notification_deliveries set attempts = $2, next_attempt_at = now() where id = $1',
      [logged.id, maxAttempts - 1],
    );
    await expect.poll(async () => (await deliveries('down'))[0]?.status).toBe('failed');
    [logged] = await deliveries('down', '?status=failed');
    expect(logged).toMatchObject({
      status: 'failed',
      attempts: maxAttempts,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(await deliveries('down', '?status=pending')).toEqual([]);

    // The receiver is fixed; the failed delivery is retried and arrives.
    receiver.answer('/down', () => 200);
    const retried = await server.api(
      'POST',
      `/api/event-webhooks/${hooks.down!.id}/deliveries/${logged.id}/retry`,
    );
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ id: logged.id, status: 'pending' });
    await expect.poll(async () => (await deliveries('down'))[0]?.status).toBe('delivered');
    expect((await deliveries('down'))[0]).toMatchObject({
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(receiver.at('/down').at(-1)!.body).toMatchObject({ event_type: 'instance.enabled' });
  });

  it('never answers a secret, except the one it generated, once', async () => {
    const created = await server.api('POST', '/api/event-webhooks', {
      body: {
        name: 'Secrets',
        url: `${receiver.url}/secrets`,
        eventTypes: ['component.*'],
        generateSecret: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    const generated = created.body.secret as string;
    expect(generated).toMatch(/^whsec_/);
    expect(created.body).toMatchObject({
      hasSecret: true,
      eventTypes: ['component.published', 'component.deleted'],
    });
    const id = created.body.id as string;
    const answers = [
      await server.api('GET', `/api/event-webhooks/${id}`),
      await server.api('GET', '/api/event-webhooks'),
      await server.api('PATCH', `/api/event-webhooks/${id}`, { body: { secret: 'a rotated secret value' } }),
      await server.api('GET', `/api/event-webhooks/${hooks.all!.id}`),
    ];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      for (const secret of [generated, allSecret, 'a rotated secret value', hooks.customers!.secret!]) {
        expect(answer.text).not.toContain(secret);
      }
    }
    expect(answers[2]!.body.hasSecret).toBe(true);
    // Sealed at rest.
    const rows = await sqlQuery<{ signing_secret: string }>(
      server,
      'select signing_secret from event_webhooks',
    );
    for (const row of rows) expect(row.signing_secret ?? '').not.toMatch(/rotated|whsec_|my-secret-key/);
    // Removed: no longer signed.
    const unsigned = await server.api('PATCH', `/api/event-webhooks/${id}`, {
      body: { secret: null, enabled: false },
    });
    expect(unsigned.body).toMatchObject({ hasSecret: false, enabled: false });
    const removed = await server.api('DELETE', `/api/event-webhooks/${id}`);
    expect(removed.status).toBe(200);
    expect((await server.api('GET', `/api/event-webhooks/${id}`)).body.error.code).toBe(
      'EVENT_WEBHOOK_NOT_FOUND',
    );
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const refusal = async (body: Record<string, unknown>) => {
      const answer = await server.api('POST', '/api/event-webhooks', {
        body: { name: 'Bad', url: 'https://example.com/hook', eventTypes: ['instance.created'], ...body },
      });
      expect(answer.status, answer.text).toBe(400);
      return answer.body.error;
    };
    const unknownType = await refusal({ eventTypes: ['instance.created', 'instance.exploded'] });
    expect(unknownType).toMatchObject({ code: 'API_VALIDATION_FAILED', details: { field: 'eventTypes' } });
    expect(unknownType.message).toContain("'instance.exploded'");
    expect((await refusal({ eventTypes: ['workflow.created'] })).message).toContain('no workflows');
    expect((await refusal({ eventTypes: [] })).details.field).toBe('eventTypes');
    expect((await refusal({ url: 'ftp://example.com/hook' })).details.field).toBe('url');
    expect((await refusal({ url: 'not a url' })).details.field).toBe('url');
    expect((await refusal({ url: 'https://user:pw@example.com/hook' })).details.field).toBe('url');
    expect((await refusal({ secret: 'short' })).details.field).toBe('secret');
    expect((await refusal({ secret: 'long enough secret', generateSecret: true })).details.field).toBe(
      'generateSecret',
    );
    const taken = await server.api('POST', '/api/event-webhooks', {
      body: { name: 'ALL HOOK', url: 'https://example.com/hook', eventTypes: ['instance.created'] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('EVENT_WEBHOOK_NAME_TAKEN');
    const patch = await server.api('PATCH', `/api/event-webhooks/${hooks.all!.id}`, {
      body: { eventTypes: ['nope'] },
    });
    expect(patch.body.error.details.field).toBe('eventTypes');
  });

  it('lets every role read event webhooks and only managers change them', async () => {
    const viewer = await tokenWithRole(server, 'viewer');
    expect((await server.api('GET', '/api/event-webhooks', { token: viewer })).status).toBe(200);
    const refused = await server.api('POST', `/api/event-webhooks/${hooks.all!.id}/test`, { token: viewer });
    expect(refused.status).toBe(403);
  });
});
