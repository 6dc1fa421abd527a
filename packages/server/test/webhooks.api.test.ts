// Issue 5 (instances and triggers): deploy registers webhook endpoints, API keys and lifecycle flows; the ingress
// stores each request as an execution before answering, answers synchronous flows with their response, and
// turns away bad requests without creating anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;

const component = (key: string, action: string) =>
  `{key: ${action}, component: {key: ${key}, version: LATEST, isPublic: true}}`;
const webhookTrigger = (inputs = '') => `      - name: Integration Trigger
        isTrigger: true
        action: ${component('webhook-triggers', 'webhook')}
${inputs}`;
const code = (name: string, body: string) => `      - name: ${name}
        action: ${component('code', 'runCode')}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => { ${body} };
`;

function flow(name: string, options: { sync?: boolean; security?: string; steps: string }) {
  return `  - name: ${name}
    stableKey: ${name.toLowerCase().replaceAll(' ', '-')}
    description: ''
    isSynchronous: ${options.sync ?? false}
    endpointSecurityType: ${options.security ?? 'unsecured'}
    steps:
${options.steps}`;
}

function definition(extraConfigVar = '', endpointType = 'flow_specific', flowNameField = '') {
  return `definitionVersion: 7
name: Webhook Suite
description: Every kind of webhook flow
endpointType: ${endpointType}
${flowNameField}requiredConfigVars:
  - key: Greeting
    stableKey: greeting
    dataType: string
    defaultValue: hello
    orgOnly: false
${extraConfigVar}flows:
${flow('Receive', {
  steps: `${webhookTrigger()}${code('Keep', 'const t = stepResults.integrationTrigger.results; return { data: { body: t.body, query: t.queryParameters, path: t.pathFragment ?? null, raw: t.rawBody ?? null, method: t.headers["x-method"] ?? null } };')}`,
})}
${flow('Echo', {
  sync: true,
  security: 'customer_required',
  steps: `${webhookTrigger()}${code('Answer', 'return { data: { echo: stepResults.integrationTrigger.results.body.data, greeting: context.configVars.Greeting } };')}`,
})}
${flow('Custom Response', {
  sync: true,
  steps: webhookTrigger(`        inputs:
          statusCode: {type: value, value: "202"}
          contentType: {type: value, value: text/plain}
          body: {type: value, value: accepted for later}
`),
})}
${flow('Slow', {
  sync: true,
  steps: `${webhookTrigger()}      - name: Wait
        action: ${component('sleep', 'sleep')}
        inputs:
          ms: {type: value, value: "1500"}
`,
})}
${flow('Fails', { sync: true, steps: `${webhookTrigger()}${code('Throw', 'throw new Error("the order book is closed");')}` })}
${flow('On Deploy', {
  steps: `      - name: Deploy Trigger
        isTrigger: true
        action: ${component('management-triggers', 'instanceDeploy')}
${code('Note Deploy', 'return { data: "deployed", crossFlowState: { deployedOnce: true } };')}`,
})}
${flow('On Remove', {
  steps: `      - name: Remove Trigger
        isTrigger: true
        action: ${component('management-triggers', 'instanceRemove')}
${code('Note Remove', 'return { data: "removed " + context.instance.name };')}`,
})}
`;
}

async function importAndPublish(yaml: string, integrationId?: string): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', {
    body: { definition: yaml, ...(integrationId ? { integrationId } : {}) },
  });
  expect(imported.status, imported.text).toBeLessThan(300);
  const id = integrationId ?? imported.body.id;
  const published = await server.api('POST', `/api/integrations/${id}/publish`, { body: { comment: 'v' } });
  expect(published.status, published.text).toBe(201);
  return id;
}

async function newInstance(integrationId: string, name: string): Promise<string> {
  const customer = await server.api('POST', '/api/customers', { body: { name: `Customer of ${name}` } });
  expect(customer.status, customer.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId: customer.body.id, integrationId, name },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id;
}

async function finished(executionId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await server.api('GET', `/api/executions/${executionId}`);
    expect(answer.status, answer.text).toBe(200);
    if (!['queued', 'running'].includes(answer.body.status)) return answer.body;
    if (Date.now() > deadline) throw new Error(`execution ${executionId} still ${answer.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function executionCount(): Promise<number> {
  const [row] = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
  return row!.n;
}

let integrationId: string;
let instanceId: string;
let urls: Record<string, string>;
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_SYNC_TIMEOUT_MS: '700', WEFT_WEBHOOK_BODY_LIMIT: '65536' });
  integrationId = await importAndPublish(definition());
  instanceId = await newInstance(integrationId, 'Main');
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('deploy', () => {
  it('shows no webhook URLs before the first deploy, and refuses webhooks-only work until then', async () => {
    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    expect(flows.status, flows.text).toBe(200);
    expect(flows.body.flows.map((f: { webhookUrl: unknown }) => f.webhookUrl)).toEqual(Array(7).fill(null));
    const instance = await server.api('GET', `/api/instances/${instanceId}`);
    expect(instance.body).toMatchObject({ deployedVersionNumber: null, deployedAt: null, versionNumber: 1 });
  });

  it('registers a URL per flow, generates an API key for secured flows and runs the deploy flow', async () => {
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    expect(deployed.body.deployedVersionNumber).toBe(1);
    expect(deployed.body.instance.deployedVersionNumber).toBe(1);
    expect(deployed.body.deployExecutions).toHaveLength(1);
    expect(deployed.body.deployExecutions[0].flow).toBe('On Deploy');
    const deployRun = await finished(deployed.body.deployExecutions[0].id);
    expect(deployRun.status).toBe('succeeded');
    expect(deployRun.steps.noteDeploy).toBe('deployed');

    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    expect(flows.body.endpointType).toBe('flow_specific');
    expect(flows.body.instanceWebhookUrl).toBeNull();
    urls = Object.fromEntries(
      flows.body.flows.map((f: { flow: string; webhookUrl: string }) => [f.flow, f.webhookUrl]),
    );
    for (const url of Object.values(urls))
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger\/[0-9a-f]{64}$/);
    expect(new Set(Object.values(urls)).size).toBe(7);
    const echo = flows.body.flows.find((f: { flow: string }) => f.flow === 'Echo');
    expect(echo.apiKeys).toHaveLength(1);
    apiKey = echo.apiKeys[0];
    expect(flows.body.flows.find((f: { flow: string }) => f.flow === 'Receive').apiKeys).toEqual([]);

    // Redeploying keeps every URL and key.
    const again = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(again.status).toBe(200);
    const after = await server.api('GET', `/api/instances/${instanceId}/flows`);
    expect(after.body.flows.map((f: { webhookUrl: string }) => f.webhookUrl)).toEqual(Object.values(urls));
    expect(after.body.flows.find((f: { flow: string }) => f.flow === 'Echo').apiKeys).toEqual([apiKey]);

    // A viewer reads the instance, not its keys (a key calls the customer's webhook): masked to the last 4.
    const viewer = await tokenWithRole(server, 'viewer');
    const asViewer = await server.api('GET', `/api/instances/${instanceId}/flows`, { token: viewer });
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.flows.find((f: { flow: string }) => f.flow === 'Echo').apiKeys).toEqual([
      `••••••••${apiKey.slice(-4)}`,
    ]);
    expect(asViewer.text).not.toContain(apiKey);
  });
});

describe('webhooks', () => {
  it('answers an async flow with its execution id once stored, and passes the request through', async () => {
    const answer = await fetch(`${urls.Receive}/orders/7?expand=items&page=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-method': 'post' },
      body: JSON.stringify({ order: 7, lines: [1, 2] }),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { executionId: string };
    expect(answer.headers.get('x-weft-execution-id')).toBe(body.executionId);
    const [row] = await sqlQuery<{ trigger_kind: string }>(
      server,
      `select trigger_kind from executions where id = '${body.executionId}'`,
    );
    expect(row?.trigger_kind).toBe('webhook');
    const execution = await finished(body.executionId);
    expect(execution.status).toBe('succeeded');
    expect(execution.steps.keep).toEqual({
      body: { data: { order: 7, lines: [1, 2] }, contentType: 'application/json' },
      query: { expand: 'items', page: '2' },
      path: 'orders/7',
      raw: { data: '{"order":7,"lines":[1,2]}', contentType: 'application/json' },
      method: 'post',
    });
  });

  it('keeps a request whose query or path holds NUL characters, without them', async () => {
    const answer = await fetch(`${urls.Receive}/ord%00ers?ex%00pand=it%00ems`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    const execution = await finished(((await answer.json()) as { executionId: string }).executionId);
    expect(execution.steps.keep).toMatchObject({ query: { expand: 'items' }, path: 'orders' });
  });

  it('passes form, XML, text and binary bodies and GET, PUT and PATCH requests', async () => {
    const send = async (init: RequestInit, query = '') => {
      const answer = await fetch(`${urls.Receive}${query}`, init);
      expect(answer.status, await answer.clone().text()).toBe(200);
      const { executionId } = (await answer.json()) as { executionId: string };
      return (await finished(executionId)).steps.keep;
    };
    const form = await send({
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada+Lovelace&role=analyst',
    });
    expect(form.body.data).toEqual({ name: 'Ada Lovelace', role: 'analyst' });
    const xml = await send({
      method: 'PATCH',
      headers: { 'content-type': 'application/xml' },
      body: '<order id="7"><line>1</line></order>',
    });
    expect(xml.body.data).toBe('<order id="7"><line>1</line></order>');
    const text = await send({
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello there',
    });
    expect(text.body.data).toBe('hello there');
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    const binary = await send({
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    // A file: its bytes (stored as a binary mark, files.binary.test.ts follows them through a flow).
    expect(binary.body).toEqual({
      data: {
        $binary: { base64: bytes.toString('base64'), size: 6, contentType: 'application/octet-stream' },
      },
      contentType: 'application/octet-stream',
    });
    const get = await send({ method: 'GET' }, '?id=42');
    expect(get.query).toEqual({ id: '42' });
    expect(get.body.data).toBeNull();
  });

  it('answers a synchronous flow with its last step result', async () => {
    const answer = await fetch(urls.Echo!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': apiKey },
      body: JSON.stringify({ ping: 1 }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual({ echo: { ping: 1 }, greeting: 'hello' });
    const executionId = answer.headers.get('x-weft-execution-id');
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    // Recorded like any execution, and (run in this process) its parked fallback job is gone.
    const [row] = await sqlQuery<{ status: string; jobs: number }>(
      server,
      `select status, (select count(*)::int from graphile_worker.jobs where key = '${executionId}') as jobs
         from executions where id = '${executionId}'`,
    );
    expect(row).toEqual({ status: 'succeeded', jobs: 0 });
  });

  it("answers with the webhook trigger's status, content type and body", async () => {
    const answer = await fetch(urls['Custom Response']!, { method: 'POST' });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answer.text()).toBe('accepted for later');
  });

  it('answers a failed synchronous flow with 500 naming the execution and the error', async () => {
    const answer = await fetch(urls.Fails!, { method: 'POST' });
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as {
      error: { code: string; message: string; details: { executionId: string } };
    };
    expect(body.error.code).toBe('EXECUTION_FAILED');
    expect(body.error.message).toContain('the order book is closed');
    expect((await finished(body.error.details.executionId)).status).toBe('failed');
  });

  it('answers 504 naming the execution when a synchronous flow outlasts the time-out; the execution goes on', async () => {
    const answer = await fetch(urls.Slow!, { method: 'POST' });
    expect(answer.status).toBe(504);
    const body = (await answer.json()) as { error: { code: string; details: { executionId: string } } };
    expect(body.error.code).toBe('SYNC_EXECUTION_TIMEOUT');
    const execution = await finished(body.error.details.executionId);
    expect(execution.status).toBe('succeeded');
  });

  it('checks API keys: missing or wrong → 401 and nothing stored; rotation retires the old key', async () => {
    const before = await executionCount();
    const missing = await fetch(urls.Echo!, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'WEBHOOK_API_KEY_INVALID',
    );
    const wrong = await fetch(urls.Echo!, { method: 'POST', headers: { 'api-key': `${apiKey}x` } });
    expect(wrong.status).toBe(401);
    expect(await executionCount()).toBe(before);

    const rotated = await server.api('POST', `/api/instances/${instanceId}/api-keys/rotate`);
    expect(rotated.status, rotated.text).toBe(200);
    const [newKey] = rotated.body.apiKeys as string[];
    expect(newKey).not.toBe(apiKey);
    expect((await fetch(urls.Echo!, { method: 'POST', headers: { 'api-key': apiKey } })).status).toBe(401);
    const ok = await fetch(urls.Echo!, {
      method: 'POST',
      headers: { 'api-key': newKey!, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(ok.status).toBe(200);
    const set = await server.api('PUT', `/api/instances/${instanceId}/api-keys`, {
      body: { apiKeys: ['first-key-123', 'second-key-456'] },
    });
    expect(set.status, set.text).toBe(200);
    expect(
      (await fetch(urls.Echo!, { method: 'POST', headers: { 'api-key': 'second-key-456' } })).status,
    ).toBe(200);
    apiKey = 'first-key-123';
  });

  it('turns away bad requests without creating executions', async () => {
    const before = await executionCount();
    const unknown = await fetch(`${urls.Receive!.replace(/[0-9a-f]{64}$/, 'f'.repeat(64))}`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await fetch(`${server.url}/trigger/not-a-token`, { method: 'POST' })).status).toBe(404);
    const huge = await fetch(urls.Receive!, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(100_000, 1),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_PAYLOAD_TOO_LARGE');
    const malformed = await fetch(urls.Receive!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"order": 7,',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('API_INVALID_JSON');
    expect(await executionCount()).toBe(before);
    // The instance is undisturbed.
    expect((await fetch(urls.Receive!, { method: 'POST' })).status).toBe(200);
  });

  it('a paused instance answers 409 without an execution, and runs again once unpaused', async () => {
    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    const before = await executionCount();
    const paused = await fetch(urls.Receive!, { method: 'POST' });
    expect(paused.status).toBe(409);
    expect(((await paused.json()) as { error: { code: string } }).error.code).toBe('INSTANCE_PAUSED');
    expect(await executionCount()).toBe(before);
    expect((await server.api('POST', `/api/instances/${instanceId}/unpause`)).status).toBe(200);
    expect((await fetch(urls.Receive!, { method: 'POST' })).status).toBe(200);
  });
});

describe('instance-level endpoints', () => {
  it('routes by the flowNameField header, and refuses requests that name no flow', async () => {
    const id = await importAndPublish(
      definition(
        '',
        'instance_specific',
        'flowNameField: {type: value, value: headers.x-acme-flow}\n',
      ).replace('name: Webhook Suite', 'name: Routed Suite'),
    );
    const instance = await newInstance(id, 'Routed');
    expect((await server.api('POST', `/api/instances/${instance}/deploy`)).status).toBe(200);
    const flows = await server.api('GET', `/api/instances/${instance}/flows`);
    const url = flows.body.instanceWebhookUrl as string;
    expect(url).toMatch(/\/trigger\/[0-9a-f]{64}$/);
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'x-acme-flow': 'Custom Response' },
    });
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('accepted for later');
    const before = await executionCount();
    const unrouted = await fetch(url, { method: 'POST', headers: { 'x-acme-flow': 'Nope' } });
    expect(unrouted.status).toBe(400);
    const body = (await unrouted.json()) as {
      error: { code: string; message: string; details: { flows: string[] } };
    };
    expect(body.error.code).toBe('WEBHOOK_FLOW_NOT_ROUTED');
    expect(body.error.details.flows).toContain('Receive');
    expect(await executionCount()).toBe(before);
  });
});

describe('upgrade and delete', () => {
  it('a newly required variable blocks the redeploy; the old version keeps running until it is set', async () => {
    await importAndPublish(
      definition(`  - key: Region
    stableKey: region
    dataType: string
    orgOnly: false
`),
      integrationId,
    );
    const blocked = await server.api('POST', `/api/instances/${instanceId}/upgrade`, { body: {} });
    expect(blocked.status, blocked.text).toBe(422);
    expect(blocked.body.error.code).toBe('INSTANCE_CONFIG_INCOMPLETE');
    expect(blocked.body.error.details.missing).toEqual(['Region']);
    expect(blocked.body.error.message).toContain('Version 1 keeps running');
    const instance = await server.api('GET', `/api/instances/${instanceId}`);
    expect(instance.body).toMatchObject({ versionNumber: 2, deployedVersionNumber: 1 });

    expect(
      (await server.api('PUT', `/api/instances/${instanceId}/config`, { body: { values: { Region: 'eu' } } }))
        .status,
    ).toBe(200);
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    expect(deployed.body.deployedVersionNumber).toBe(2);
    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    // URLs survive the upgrade, and Greeting was carried over.
    expect(flows.body.flows.find((f: { flow: string }) => f.flow === 'Receive').webhookUrl).toBe(
      urls.Receive,
    );
    const echo = await fetch(urls.Echo!, { method: 'POST', headers: { 'api-key': apiKey } });
    expect(((await echo.json()) as { greeting: string }).greeting).toBe('hello');

    // Pin back to version 1.
    const pinned = await server.api('POST', `/api/instances/${instanceId}/upgrade`, {
      body: { versionNumber: 1 },
    });
    expect(pinned.status, pinned.text).toBe(200);
    expect(pinned.body.instance).toMatchObject({ versionNumber: 1, deployedVersionNumber: 1 });
  });

  it('deleting runs the remove flow first, answers its outcome, then removes everything', async () => {
    const removed = await server.api('DELETE', `/api/instances/${instanceId}`);
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.deleted).toBe(true);
    expect(removed.body.removeExecutions).toEqual([
      expect.objectContaining({ flow: 'On Remove', status: 'succeeded' }),
    ]);
    expect((await server.api('GET', `/api/instances/${instanceId}`)).status).toBe(404);
    const [left] = await sqlQuery<{ n: number }>(
      server,
      `select (select count(*) from executions where instance_id = '${instanceId}')::int
            + (select count(*) from instance_flows where instance_id = '${instanceId}')::int as n`,
    );
    expect(left?.n).toBe(0);
    expect((await fetch(urls.Receive!, { method: 'POST' })).status).toBe(404);
  });

  it('refuses to deploy while a variable has no value, naming it', async () => {
    const id = await importAndPublish(
      definition(`  - key: Account
    stableKey: account
    dataType: string
    orgOnly: false
`).replace('name: Webhook Suite', 'name: Needs Account'),
    );
    const instance = await newInstance(id, 'Incomplete');
    const answer = await server.api('POST', `/api/instances/${instance}/deploy`);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('INSTANCE_CONFIG_INCOMPLETE');
    expect(answer.body.error.message).toContain("'Account'");
    expect((await server.api('GET', `/api/instances/${instance}`)).body.deployedVersionNumber).toBeNull();
  });
});
