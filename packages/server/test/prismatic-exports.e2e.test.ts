// Issue 13: definitions written exactly as Prismatic's exporter writes them import, publish, deploy and run on a
// running server. Every file of the exported-style corpus (packages/definition/test/fixtures/prismatic-exports and
// this folder's fixtures) goes through the API as a user would send it; one real-world-sized integration then runs
// over HTTP: a synchronous flow whose webhook trigger is exported with empty response inputs answers its last
// step's result, an http step with an empty connection sends no credentials, one with a connection sends them, and
// a loop with a branch on `isNotEmpty` (exported with its empty second operand) picks the right orders.
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

const corpusDirs = [
  fileURLToPath(new URL('../../definition/test/fixtures/prismatic-exports', import.meta.url)),
  fileURLToPath(new URL('./fixtures/prismatic-exports', import.meta.url)),
];
const corpus = corpusDirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => ({ name, path: join(dir, name) })),
);

interface SeenRequest {
  method: string;
  url: string;
  authorization: string | null;
  orderIndex: string | null;
  body: unknown;
}

let weft: TestServer;
let acme: Server;
let acmeUrl: string;
const seen: SeenRequest[] = [];

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? null : JSON.parse(text);
}

beforeAll(async () => {
  // Acme's API as the flows see it: open orders per customer, and a CRM endpoint that needs basic auth.
  acme = createServer((request, response) => {
    void readBody(request).then((body) => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization ?? null,
        orderIndex: (request.headers['x-order-index'] as string | undefined) ?? null,
        body,
      });
      const url = new URL(request.url ?? '/', 'http://acme.test');
      response.setHeader('content-type', 'application/json');
      if (url.pathname === '/orders' && url.searchParams.get('customer') === 'globex') {
        response.end(
          JSON.stringify({
            orders: [
              { id: 'a', total: 250 },
              { id: 'b', total: 20 },
              { id: '', total: 900 },
              { id: 'c', total: 100 },
            ],
          }),
        );
      } else if (url.pathname === '/crm/vip' && request.method === 'POST') {
        const expected = `Basic ${Buffer.from('crm-bot:s3cret-pass').toString('base64')}`;
        response.statusCode = request.headers.authorization === expected ? 201 : 401;
        response.end(JSON.stringify({ flagged: (body as { id?: string } | null)?.id ?? null }));
      } else {
        response.statusCode = 404;
        response.end(JSON.stringify({ error: `no ${url.pathname}` }));
      }
    });
  });
  acme.listen(0, '127.0.0.1');
  await once(acme, 'listening');
  acmeUrl = `http://127.0.0.1:${(acme.address() as AddressInfo).port}`;
  weft = await startTestServer();
}, 60_000);

afterAll(async () => {
  await weft?.stop();
  acme?.close();
});

async function importDefinition(
  text: string,
  integrationId?: string,
): Promise<{ id: string; warnings: unknown[] }> {
  const imported = await weft.api('POST', '/api/integrations/import', {
    body: { definition: text, ...(integrationId ? { integrationId } : {}) },
  });
  expect(imported.status, imported.text).toBeLessThan(300);
  return imported.body;
}

describe('the exported-style corpus', () => {
  it('has files from both corpus folders', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(9);
  });

  it.each(corpus)('$name imports and publishes through the API', async ({ path }) => {
    const { id } = await importDefinition(readFileSync(path, 'utf8'));
    const published = await weft.api('POST', `/api/integrations/${id}/publish`, {
      body: { comment: 'as exported' },
    });
    expect(published.status, published.text).toBe(201);
    // What is exported again imports again, as the next draft: nothing the exporter wrote is lost on the way.
    const exported = await weft.api('GET', `/api/integrations/${id}/export?version=1`);
    expect(exported.status, exported.text).toBe(200);
    await importDefinition(exported.text, id);
  });
});

describe('a real-world exported integration, deployed and called', () => {
  let syncUrl: string;
  let asyncUrl: string;

  beforeAll(async () => {
    // Imported under another name: the corpus test above already holds 'Acme VIP Orders (exported)'.
    const text = readFileSync(
      fileURLToPath(new URL('./fixtures/prismatic-exports/acme-vip-orders.yml', import.meta.url)),
      'utf8',
    ).replace('name: Acme VIP Orders (exported)', 'name: Acme VIP Orders (deployed)');
    const { id } = await importDefinition(text);
    expect(
      (await weft.api('POST', `/api/integrations/${id}/publish`, { body: { comment: 'v1' } })).status,
    ).toBe(201);
    const customer = await weft.api('POST', '/api/customers', {
      body: { name: 'Globex', externalId: 'globex' },
    });
    const instance = await weft.api('POST', '/api/instances', {
      body: { customerId: customer.body.id, integrationId: id, name: 'Globex orders' },
    });
    expect(instance.status, instance.text).toBe(201);
    const configured = await weft.api('PUT', `/api/instances/${instance.body.id}/config`, {
      body: {
        values: {
          'Acme API Base URL': acmeUrl,
          'Acme CRM Connection': { username: 'crm-bot', password: 's3cret-pass' },
        },
      },
    });
    expect(configured.status, configured.text).toBe(200);
    const deployed = await weft.api('POST', `/api/instances/${instance.body.id}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    const flows = await weft.api('GET', `/api/instances/${instance.body.id}/flows`);
    syncUrl = flows.body.flows.find((flow: { flow: string }) => flow.flow === 'Sync Orders').webhookUrl;
    expect(syncUrl).toMatch(/\/trigger\/[0-9a-f]{64}$/);
    asyncUrl = flows.body.flows.find((flow: { flow: string }) => flow.flow === 'Record Order').webhookUrl;
    // The nightly flow is scheduled; the one whose schedule the export left empty (`scheduleType: once`) is not.
    const scheduleOf = (name: string) =>
      flows.body.flows.find((flow: { flow: string }) => flow.flow === name).schedule;
    expect(scheduleOf('Nightly Cleanup')).toMatchObject({ cron: '00 02 * * *', timeZone: 'UTC' });
    expect(scheduleOf('Manual Backfill')).toBeUndefined();
  }, 60_000);

  it('answers the synchronous flow with its last step result, having run the loop, branch and both http steps', async () => {
    seen.length = 0;
    const answer = await fetch(syncUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'globex' }),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    // The last step's result: three orders checked... four, of which a and c are VIP (c sits on the threshold).
    expect(await answer.json()).toEqual({ checked: 4, vip: ['a', 'c'] });

    const listing = seen.find((request) => request.url.startsWith('/orders'));
    expect(listing).toMatchObject({ method: 'GET', url: '/orders?customer=globex' });
    // `connection: {type: configVar, value: ""}` means no connection: no credentials sent.
    expect(listing?.authorization).toBeNull();
    const flagged = seen.filter((request) => request.url === '/crm/vip');
    expect(flagged.map((request) => request.body)).toEqual([
      { id: 'a', total: 250 },
      { id: 'c', total: 100 },
    ]);
    expect(flagged.map((request) => request.orderIndex)).toEqual(['0', '3']);
    for (const request of flagged)
      expect(request.authorization).toBe(`Basic ${Buffer.from('crm-bot:s3cret-pass').toString('base64')}`);

    const executionId = answer.headers.get('x-weft-execution-id');
    const execution = await weft.api('GET', `/api/executions/${executionId}`);
    expect(execution.body.status).toBe('succeeded');
    // The execution's record keeps the step results by their Prismatic keys, and never the password.
    expect(Object.keys(execution.body.steps)).toEqual(
      expect.arrayContaining([
        'syncOrdersTrigger',
        'getAcmeSOpenOrdersApi',
        'loopOverOrders',
        'summarizeTheSync',
      ]),
    );
    expect(JSON.stringify(execution.body)).not.toContain('s3cret-pass');
  });

  it('lets the caller choose with prismatic-synchronous: true waits for an async flow, false does not for a sync one', async () => {
    const waited = await fetch(asyncUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'prismatic-synchronous': 'true' },
      body: JSON.stringify({ id: 'order-77' }),
    });
    expect(waited.status).toBe(200);
    expect(await waited.json()).toEqual({ recorded: 'order-77' });

    const queued = await fetch(asyncUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'order-78' }),
    });
    expect(Object.keys((await queued.json()) as object)).toEqual(['executionId']);

    const notWaited = await fetch(syncUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Prismatic-Synchronous': 'false' },
      body: JSON.stringify({ customer: 'globex' }),
    });
    expect(notWaited.status).toBe(200);
    const { executionId } = (await notWaited.json()) as { executionId: string };
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    // It still runs, in the background, to the same result.
    const deadline = Date.now() + 15_000;
    let execution = await weft.api('GET', `/api/executions/${executionId}`);
    while (['queued', 'running'].includes(execution.body.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      execution = await weft.api('GET', `/api/executions/${executionId}`);
    }
    expect(execution.body.status).toBe('succeeded');
    expect(execution.body.steps.summarizeTheSync).toEqual({ checked: 4, vip: ['a', 'c'] });
  });

  it('accepts a request carrying NUL characters (which PostgreSQL cannot store) instead of failing it with a 500', async () => {
    const answer = await fetch(`${asyncUrl}?note=a%00b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'prismatic-synchronous': 'true' },
      body: '{"id": "order-\\u0000-79", "k\\u0000ey": 1}',
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    // The NUL is dropped from the parsed values; the raw body text keeps its escaped form.
    expect(await answer.json()).toEqual({ recorded: 'order--79' });
    const execution = await weft.api('GET', `/api/executions/${answer.headers.get('x-weft-execution-id')}`);
    expect(execution.body.steps.recordOrderTrigger.rawBody.data).toBe(
      '{"id": "order-\\u0000-79", "k\\u0000ey": 1}',
    );
    expect(execution.body.steps.recordOrderTrigger.queryParameters).toEqual({ note: 'ab' });
  });
});
