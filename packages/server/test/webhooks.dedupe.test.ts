// Issue 13 (webhooks): message deduplication (queueConfig.dedupeIdField: the same id for the same instance flow
// within 10 minutes starts nothing new, even when the requests arrive at once at two processes) and retry
// cancellation (retryConfig.uniqueRequestIdField: a newer request with the same id cancels the retries still
// pending for older ones), over real HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeStep,
  customerWith,
  deployedInstance,
  exportFlow,
  exportIntegration,
  httpGetStep,
  importAndPublish,
  postJson,
  webhookTriggerStep,
} from './support/export-yaml.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { eventually, waitForExecution } from './support/worker-fixtures.js';

let server: TestServer;
/** A second process taking webhooks on the same database. */
let ingress: TestServer;
let urls: Record<string, string>;
let gatePort: number;
const gateReleases = new Map<string, () => void>();
const gateArrivals = new Set<string>();
let gateServer: http.Server;

const post = postJson;

async function executionsWith(
  flow: string,
  where: string,
  values: readonly unknown[] = [],
): Promise<string[]> {
  const rows = await sqlQuery<{ id: string }>(
    server,
    `select id from executions where flow_name = $1 and ${where} order by queued_at`,
    [flow, ...values],
  );
  return rows.map((row) => row.id);
}

beforeAll(async () => {
  // A step held until the test opens its gate (/gate/<id>).
  gateServer = http.createServer((request, response) => {
    const id = /^\/gate\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '';
    gateArrivals.add(id);
    gateReleases.set(id, () => {
      gateReleases.delete(id);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => gateServer.listen(0, '127.0.0.1', resolve));
  gatePort = (gateServer.address() as AddressInfo).port;

  server = await startTestServer({ WEFT_SYNC_TIMEOUT_MS: '10000' });
  ingress = await startTestServer({
    DATABASE_URL: server.databaseUrl,
    WEFT_ROLES: 'ingress',
    WEFT_ADMIN_TOKEN: 'a'.repeat(64), // not used: this process answers webhooks only
  });
  const failingPrice = (gated: boolean) => [
    webhookTriggerStep(),
    ...(gated
      ? [
          httpGetStep(
            'Wait For Gate',
            `http://127.0.0.1:${gatePort}/gate/{{$integrationTrigger.results.body.data.gate}}`,
          ),
        ]
      : []),
    codeStep(
      'Update Price',
      "const body = stepResults.integrationTrigger.results.body.data; if (body.fail) throw new Error('price service down'); return { data: body.price };",
    ),
  ];
  const id = await importAndPublish(
    server,
    exportIntegration({
      name: 'Acme Events',
      flows: [
        exportFlow({
          name: 'Receive Event',
          queueConfig: { usesFifoQueue: true, dedupeIdField: 'headers.x-acme-webhook-id' },
          steps: [
            webhookTriggerStep(),
            codeStep('Note', 'return { data: stepResults.integrationTrigger.results.body.data };'),
          ],
        }),
        exportFlow({
          name: 'Receive Gated Event',
          queueConfig: { usesFifoQueue: false, dedupeIdField: 'headers.x-acme-webhook-id' },
          steps: [
            webhookTriggerStep(),
            httpGetStep(
              'Wait For Gate',
              `http://127.0.0.1:${gatePort}/gate/{{$integrationTrigger.results.body.data.gate}}`,
            ),
          ],
        }),
        exportFlow({
          name: 'Lookup',
          isSynchronous: true,
          queueConfig: { usesFifoQueue: false, dedupeIdField: 'body.data.requestId' },
          steps: [
            webhookTriggerStep(),
            codeStep('Answer', 'return { data: { n: stepResults.integrationTrigger.results.body.data.n } };'),
          ],
        }),
        exportFlow({
          name: 'Sync Price',
          retryConfig: {
            maxAttempts: 3,
            delayMinutes: 5,
            uniqueRequestIdField: 'results.body.data.productId',
          },
          steps: failingPrice(false),
        }),
        exportFlow({
          name: 'Sync Price Gated',
          retryConfig: { maxAttempts: 3, delayMinutes: 5, uniqueRequestIdField: 'body.data.productId' },
          steps: failingPrice(true),
        }),
      ],
    }),
  );
  const customer = await customerWith(server, 'Events Co', 'events-1');
  const instanceId = await deployedInstance(server, id, customer, 'Events');
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  urls = Object.fromEntries(
    flows.body.flows.map((flow: { flow: string; webhookUrl: string }) => [flow.flow, flow.webhookUrl]),
  );
}, 90_000);

afterAll(async () => {
  for (const release of gateReleases.values()) release();
  await ingress?.stop();
  await server?.stop();
  gateServer?.closeAllConnections();
  await new Promise<void>((resolve) => (gateServer ? gateServer.close(() => resolve()) : resolve()));
});

describe('deduplication (queueConfig.dedupeIdField)', () => {
  const withId = (id: string) => ["trigger->'headers'->>'x-acme-webhook-id' = $2", [id]] as const;

  it('answers a repeated id with the execution it started, and starts nothing new', async () => {
    const first = await post(urls['Receive Event']!, { n: 1 }, { 'x-acme-webhook-id': 'evt-1' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ executionId: first.executionId });
    const again = await post(urls['Receive Event']!, { n: 2 }, { 'x-acme-webhook-id': 'evt-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(again.executionId).toBe(first.body.executionId);
    expect(again.duplicate).toBe('true');
    expect(await executionsWith('Receive Event', ...withId('evt-1'))).toEqual([first.body.executionId]);
    const run = await waitForExecution(server, first.body.executionId);
    expect(run.steps.note).toEqual({ n: 1 });
  });

  it('starts one execution per distinct id, and deduplicates nothing without an id', async () => {
    const a = await post(urls['Receive Event']!, {}, { 'x-acme-webhook-id': 'evt-a' });
    const b = await post(urls['Receive Event']!, {}, { 'x-acme-webhook-id': 'evt-b' });
    expect(a.body.duplicate).toBeUndefined();
    expect(b.body.duplicate).toBeUndefined();
    expect(a.body.executionId).not.toBe(b.body.executionId);
    const before = (await executionsWith('Receive Event', "trigger->'headers'->>'x-acme-webhook-id' is null"))
      .length;
    const plain = await Promise.all([post(urls['Receive Event']!, {}), post(urls['Receive Event']!, {})]);
    expect(plain.map((answer) => answer.body.duplicate)).toEqual([undefined, undefined]);
    expect(
      (await executionsWith('Receive Event', "trigger->'headers'->>'x-acme-webhook-id' is null")).length,
    ).toBe(before + 2);
  });

  it('starts exactly one execution for identical requests sent at once to two processes', async () => {
    const sends = Array.from({ length: 24 }, (_, index) =>
      post(
        index % 2 === 0 ? urls['Receive Event']! : urls['Receive Event']!.replace(server.url, ingress.url),
        { index },
        { 'x-acme-webhook-id': 'evt-burst' },
      ),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((answer) => answer.status)).toEqual(Array(24).fill(200));
    const stored = await executionsWith('Receive Event', ...withId('evt-burst'));
    expect(stored).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.body.executionId))).toEqual(new Set(stored));
    expect(answers.filter((answer) => answer.body.duplicate !== true)).toHaveLength(1);
  });

  it('takes an id again once its entry is older than 10 minutes', async () => {
    const [firstId] = await executionsWith('Receive Event', ...withId('evt-1'));
    // Ten minutes and a bit later, as far as the database can tell.
    await sqlQuery(
      server,
      "update webhook_dedupe set received_at = received_at - interval '10 minutes 1 second' where dedupe_id = 'evt-1'",
    );
    const later = await post(urls['Receive Event']!, { n: 3 }, { 'x-acme-webhook-id': 'evt-1' });
    expect(later.status).toBe(200);
    expect(later.body.duplicate).toBeUndefined();
    expect(later.body.executionId).not.toBe(firstId);
    const again = await post(urls['Receive Event']!, { n: 4 }, { 'x-acme-webhook-id': 'evt-1' });
    expect(again.body).toEqual({ executionId: later.body.executionId, duplicate: true });
    expect(await executionsWith('Receive Event', ...withId('evt-1'))).toEqual([
      firstId,
      later.body.executionId,
    ]);
  });

  it("answers a synchronous flow's duplicate with the first request's outcome", async () => {
    const first = await post(urls.Lookup!, { requestId: 'r-1', n: 1 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ n: 1 });
    const again = await post(urls.Lookup!, { requestId: 'r-1', n: 2 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ n: 1 });
    expect(again.executionId).toBe(first.executionId);
    expect(again.duplicate).toBe('true');
    expect(await executionsWith('Lookup', "trigger->'body'->'data'->>'requestId' = 'r-1'")).toEqual([
      first.executionId,
    ]);
  });
});

describe('a synchronous caller of an asynchronous duplicate', () => {
  it('is told the running first execution at once, not kept waiting for an outcome nobody announces', async () => {
    const first = await post(urls['Receive Gated Event']!, { gate: 'dup-1' }, { 'x-acme-webhook-id': 'g-1' });
    expect(first.status).toBe(200);
    await eventually('the first execution at its gate', async () =>
      gateArrivals.has('dup-1') ? true : undefined,
    );
    const again = await post(
      urls['Receive Gated Event']!,
      { gate: 'dup-1' },
      { 'x-acme-webhook-id': 'g-1', 'prismatic-synchronous': 'true' },
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    gateReleases.get('dup-1')?.();
    expect((await waitForExecution(server, first.body.executionId)).status).toBe('succeeded');
  });
});

describe('retry cancellation (retryConfig.uniqueRequestIdField)', () => {
  async function failedWithRetry(executionId: string): Promise<string> {
    const failed = await waitForExecution(server, executionId, {
      done: (execution) => execution.status === 'failed' && execution.retries.length === 1,
    });
    return failed.retries[0] as string;
  }

  it('cancels the pending retries of older requests with the same id, linking them to the newer execution', async () => {
    const older = await post(urls['Sync Price']!, { productId: 'abc123', fail: true });
    const olderRetry = await failedWithRetry(older.body.executionId);
    const other = await post(urls['Sync Price']!, { productId: 'xyz789', fail: true });
    const otherRetry = await failedWithRetry(other.body.executionId);
    expect((await waitForExecution(server, olderRetry, { done: () => true })).status).toBe('queued');

    const newer = await post(urls['Sync Price']!, { productId: 'abc123', price: '250' });
    expect(newer.status).toBe(200);
    // Cancelled in the transaction that stored the newer request: at once, and its queued job is gone.
    const cancelled = await waitForExecution(server, olderRetry, { done: () => true });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      triggerKind: 'retry',
      retryOfId: older.body.executionId,
      cancelledById: newer.body.executionId,
      error: { code: 'RETRY_CANCELLED' },
    });
    expect(cancelled.error.message).toContain('abc123');
    expect(cancelled.finishedAt).not.toBeNull();
    const [jobs] = await sqlQuery<{ n: number }>(
      server,
      'select count(*)::int as n from graphile_worker.jobs where key = $1',
      [olderRetry],
    );
    expect(jobs!.n).toBe(0);
    // Another id's retry is untouched; the newer request runs.
    expect((await waitForExecution(server, otherRetry, { done: () => true })).status).toBe('queued');
    expect(await waitForExecution(server, newer.body.executionId)).toMatchObject({
      status: 'succeeded',
      cancelledById: null,
    });
  });

  it('does not retry a request that failed after a newer one with the same id arrived', async () => {
    const older = await post(urls['Sync Price Gated']!, { productId: 'p-9', gate: 'g1', fail: true });
    await eventually('the older request at its gate', async () =>
      gateArrivals.has('g1') ? true : undefined,
    );
    const newer = await post(urls['Sync Price Gated']!, { productId: 'p-9', gate: 'g2', fail: true });
    await eventually('the newer request at its gate', async () =>
      gateArrivals.has('g2') ? true : undefined,
    );
    gateReleases.get('g1')?.();
    const olderRun = await waitForExecution(server, older.body.executionId);
    expect(olderRun).toMatchObject({ status: 'failed', retries: [], cancelledById: newer.body.executionId });
    gateReleases.get('g2')?.();
    const newerRetry = await failedWithRetry(newer.body.executionId);
    expect((await waitForExecution(server, newerRetry, { done: () => true })).status).toBe('queued');
  });
});
