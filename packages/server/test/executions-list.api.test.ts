// Issue 5: listing executions (filters, newest first, keyset pages), an execution's retry/replay links and large
// step results, permissions and organization isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import {
  createCustomer,
  createInstance,
  finished,
  insertExecution,
  ordersYaml,
  publishIntegration,
  testRun,
} from './executions-fixtures.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { type ApiAnswer, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let integrationA: string;
let integrationB: string;
let acme: string;
let globex: string;
let acmeA: string;
let globexA: string;
let acmeB: string;
/** The five test runs, in the order they were queued. */
const runs: string[] = [];
// biome-ignore lint/suspicious/noExplicitAny: JSON answers
const executions = new Map<string, any>();

async function list(query = '', token?: string): Promise<string[]> {
  const answer = await server.api('GET', `/api/executions${query}`, { token });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.nextCursor).toBeNull();
  return answer.body.items.map((item: { id: string }) => item.id);
}

/** The given runs (by index) newest first, as the API orders them. */
function newestFirst(...indexes: number[]): string[] {
  return indexes
    .map((i) => executions.get(runs[i] as string))
    .sort((a, b) => b.queuedAt.localeCompare(a.queuedAt) || b.id.localeCompare(a.id))
    .map((execution) => execution.id);
}

beforeAll(async () => {
  server = await startTestServer();
  integrationA = await publishIntegration(server, ordersYaml('Order Desk'));
  integrationB = await publishIntegration(server, ordersYaml('Other Desk'));
  acme = await createCustomer(server, 'Acme', 'acme-1');
  globex = await createCustomer(server, 'Globex');
  acmeA = await createInstance(server, acme, integrationA, 'Acme Desk');
  globexA = await createInstance(server, globex, integrationA, 'Globex Desk');
  acmeB = await createInstance(server, acme, integrationB, 'Acme Other');
  const plan: Array<[string, string, number]> = [
    [acmeA, 'Process Orders', 1],
    [acmeA, 'Fail Fast', 2],
    [globexA, 'Process Orders', 3],
    [acmeB, 'Process Orders', 4],
    [acmeA, 'Process Orders', 5],
  ];
  for (const [instance, flow, orderId] of plan) {
    runs.push(await testRun(server, instance, flow, { orderId }));
    await new Promise((resolve) => setTimeout(resolve, 5)); // distinct queuedAt, so the order is plain
  }
  for (const id of runs) executions.set(id, await finished(server, id));
});

afterAll(async () => {
  await server?.stop();
});

describe('GET /api/executions', () => {
  it('lists newest first, each without steps or logs', async () => {
    expect(await list()).toEqual(newestFirst(0, 1, 2, 3, 4));
    const answer = await server.api('GET', '/api/executions');
    const first = answer.body.items.find((item: { id: string }) => item.id === runs[0]);
    expect(first).toEqual({
      id: runs[0],
      status: 'succeeded',
      flow: 'Process Orders',
      instanceId: acmeA,
      customerId: acme,
      integrationId: integrationA,
      triggerKind: 'test',
      attempt: 1,
      retryOfId: null,
      retryNumber: 0,
      replayOfId: null,
      invokedById: null,
      cancelledById: null,
      queuedAt: executions.get(runs[0] as string).queuedAt,
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      durationMs: expect.any(Number),
      // Joined in, so a list shows names without a request per row.
      integrationName: 'Order Desk',
      customerName: expect.any(String),
      instanceName: 'Acme Desk',
    });
    const failed = answer.body.items.find((item: { id: string }) => item.id === runs[1]);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ message: expect.stringContaining('boom'), stepKey: 'explode' });
  });

  it('filters by instance, customer (id or external id), integration, flow, status, trigger kind and time', async () => {
    expect(await list(`?instance=${acmeA}`)).toEqual(newestFirst(0, 1, 4));
    expect(await list('?customer=acme-1')).toEqual(newestFirst(0, 1, 3, 4));
    expect(await list(`?customer=${globex}`)).toEqual(newestFirst(2));
    expect(await list(`?integration=${integrationB}`)).toEqual(newestFirst(3));
    expect(await list('?flow=Fail%20Fast')).toEqual(newestFirst(1));
    expect(await list('?status=failed')).toEqual(newestFirst(1));
    expect(await list('?status=failed&status=succeeded')).toEqual(newestFirst(0, 1, 2, 3, 4));
    expect(await list(`?instance=${acmeA}&status=succeeded`)).toEqual(newestFirst(0, 4));
    expect(await list('?triggerKind=test')).toEqual(newestFirst(0, 1, 2, 3, 4));
    expect(await list('?triggerKind=replay&triggerKind=webhook')).toEqual([]);
    const third = executions.get(runs[2] as string).queuedAt;
    expect(await list(`?from=${encodeURIComponent(third)}`)).toEqual(newestFirst(2, 3, 4));
    expect(await list(`?to=${encodeURIComponent(third)}`)).toEqual(newestFirst(0, 1));
    // Nothing matches: unknown customer, instance id that is not a UUID.
    expect(await list('?customer=nobody')).toEqual([]);
    expect(await list('?instance=not-a-uuid')).toEqual([]);

    const badStatus = await server.api('GET', '/api/executions?status=exploded');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error).toMatchObject({ code: 'API_VALIDATION_FAILED' });
    const badTime = await server.api('GET', '/api/executions?from=yesterday');
    expect(badTime.body.error.details.field).toBe('from');
  });

  it('pages with an opaque cursor, across executions queued in the same millisecond', async () => {
    const all = newestFirst(0, 1, 2, 3, 4);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: ApiAnswer = await server.api(
        'GET',
        `/api/executions?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...answer.body.items.map((item: { id: string }) => item.id));
      cursor = answer.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    // Five executions with one queuedAt: the id breaks the tie, so a page boundary inside them loses nothing.
    const ties = await createInstance(server, globex, integrationA, 'Ties');
    const at = new Date('2020-01-01T00:00:00.000Z');
    const tied: string[] = [];
    for (let i = 0; i < 5; i++) tied.push(await insertExecution(server, ties, { queuedAt: at }));
    const paged: string[] = [];
    cursor = null;
    do {
      const answer: ApiAnswer = await server.api(
        'GET',
        `/api/executions?instance=${ties}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      paged.push(...answer.body.items.map((item: { id: string }) => item.id));
      cursor = answer.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual([...tied].sort().reverse());

    const forged = await server.api('GET', '/api/executions?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('API_INVALID_CURSOR');
  });
});

describe('GET /api/executions/:id', () => {
  it('links retries and replays, and answers large step results whole from the blob store', async () => {
    const original = runs[1] as string;
    const detail = await server.api('GET', `/api/executions/${original}`);
    expect(detail.body).toMatchObject({
      id: original,
      customerId: acme,
      integrationId: integrationA,
      triggerKind: 'test',
      retryOfId: null,
      retryNumber: 0,
      replayOfId: null,
      invokedById: null,
      cancelledById: null,
      retries: [],
      replays: [],
    });
    const second = await insertExecution(server, acmeA, {
      flowName: 'Fail Fast',
      flowStableKey: 'fail-fast',
      triggerKind: 'retry',
      retryOfId: original,
      retryNumber: 2,
      status: 'failed',
    });
    const first = await insertExecution(server, acmeA, {
      flowName: 'Fail Fast',
      flowStableKey: 'fail-fast',
      triggerKind: 'retry',
      retryOfId: original,
      retryNumber: 1,
      status: 'failed',
    });
    const replay = await insertExecution(server, acmeA, {
      flowName: 'Fail Fast',
      flowStableKey: 'fail-fast',
      triggerKind: 'replay',
      replayOfId: original,
    });
    const linked = await server.api('GET', `/api/executions/${original}`);
    expect(linked.body.retries).toEqual([first, second]);
    expect(linked.body.replays).toEqual([replay]);
    const retry = await server.api('GET', `/api/executions/${first}`);
    expect(retry.body).toMatchObject({ triggerKind: 'retry', retryOfId: original, retryNumber: 1 });
    expect((await list(`?triggerKind=retry&instance=${acmeA}`)).sort()).toEqual([first, second].sort());

    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: `row ${i} ${'x'.repeat(40)}` })) };
    const content = JSON.stringify(big);
    const sha = 'a'.repeat(64);
    await sqlQuery(
      server,
      'insert into execution_blobs (sha256, content, size_bytes) values ($1, $2::jsonb, $3)',
      [sha, content, content.length],
    );
    await sqlQuery(
      server,
      `insert into execution_steps (execution_id, seq, step_key, step_name, status, result, attempts, result_sha256)
       values ($1, 0, 'bigStep', 'Big Step', 'succeeded', null, '[]', $2)`,
      [replay, sha],
    );
    const withBlob = await server.api('GET', `/api/executions/${replay}`);
    expect(withBlob.status).toBe(200);
    expect(withBlob.body.steps.bigStep).toEqual(big);
    expect(withBlob.body.stepRecords[0]).toMatchObject({ key: 'bigStep', result: big });
  });
});

describe('permissions and organizations', () => {
  it('viewers list and read but cannot replay or cancel', async () => {
    const viewer = await tokenWithRole(server, 'viewer');
    expect(await list(`?instance=${acmeB}`, viewer)).toEqual(newestFirst(3));
    const replay = await server.api('POST', `/api/executions/${runs[0]}/replay`, { token: viewer });
    expect(replay.status).toBe(403);
    const cancel = await server.api('POST', `/api/executions/${runs[0]}/cancel`, { token: viewer });
    expect(cancel.status).toBe(403);
  });

  it('another organization sees none of these executions, and they see none of its', async () => {
    const other = await createOrganization(server.weft.database.db, { name: 'Executions List Other Org' });
    const token = other.ownerToken;
    for (const query of ['', `?instance=${acmeA}`, '?customer=acme-1', `?integration=${integrationA}`]) {
      expect(await list(query, token)).toEqual([]);
    }
    for (const [method, path] of [
      ['GET', `/api/executions/${runs[0]}`],
      ['POST', `/api/executions/${runs[0]}/replay`],
      ['POST', `/api/executions/${runs[0]}/cancel`],
    ] as const) {
      const answer = await server.api(method, path, { token });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('EXECUTION_NOT_FOUND');
    }
    const logs = await server.api('GET', '/api/logs', { token });
    expect(logs.body.items).toEqual([]);

    const theirIntegration = await publishIntegration(server, ordersYaml('Their Desk'), token);
    const theirCustomer = await createCustomer(server, 'Acme', 'acme-1', token);
    const theirInstance = await createInstance(server, theirCustomer, theirIntegration, 'Theirs', token);
    const theirs = await testRun(server, theirInstance, 'Process Orders', { orderId: 99 }, token);
    await finished(server, theirs, token);
    expect(await list('', token)).toEqual([theirs]);
    expect(await list('?customer=acme-1', token)).toEqual([theirs]);
    expect(await list('?customer=acme-1')).not.toContain(theirs);
    const ours = await server.api('GET', '/api/logs?search=Received%20order%2099');
    expect(ours.body.items).toEqual([]);
  });
});

describe('OpenAPI', () => {
  it('documents the executions and logs routes', async () => {
    const doc = (await server.api('GET', '/api/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths['/api/executions'])).toEqual(['get']);
    expect(doc.paths['/api/executions/{id}/replay'].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/executions/{id}/cancel'].post.responses['409']).toBeDefined();
    expect(doc.paths['/api/logs'].get).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ExecutionSummary', 'ExecutionPage', 'Execution', 'LogEntry', 'LogPage']),
    );
  });
});
