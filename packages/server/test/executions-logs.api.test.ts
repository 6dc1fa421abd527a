// Issue 5: searching execution logs (text, level, time, instance/customer/integration/flow/execution, pages) and
// following them with a tail cursor, only ever within the caller's organization.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import {
  createCustomer,
  createInstance,
  eventually,
  finished,
  ordersYaml,
  publishIntegration,
  testRun,
} from './executions-fixtures.js';
import { type ApiAnswer, startTestServer, type TestServer } from './support/test-server.js';

interface Line {
  executionId: string;
  instanceId: string;
  flow: string;
  timestamp: string;
  level: string;
  message: string;
  stepKey?: string;
}

let server: TestServer;
let integration: string;
let acmeA: string;
let globexA: string;
let r1: string;
let r2: string;
let r3: string;

async function search(query = '', token?: string): Promise<Line[]> {
  const answer = await server.api('GET', `/api/logs${query}`, { token });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.nextCursor).toBeNull();
  expect(answer.body.tailCursor).toEqual(expect.any(String));
  return answer.body.items;
}

const messages = (lines: Line[]) => lines.map((line) => line.message);

/** Polls `after` until lines come (or `timeoutMs` passes); returns them and the cursor to go on with. */
async function tail(cursor: string, query = '', timeoutMs = 10_000) {
  const lines: Line[] = [];
  let next = cursor;
  await eventually(async () => {
    const answer = await server.api('GET', `/api/logs?after=${encodeURIComponent(next)}${query}`);
    expect(answer.status, answer.text).toBe(200);
    lines.push(...answer.body.items);
    next = answer.body.tailCursor;
    return lines.length > 0 ? true : undefined;
  }, timeoutMs);
  return { lines, cursor: next };
}

async function startCursor(): Promise<string> {
  const answer = await server.api('GET', '/api/logs?limit=0');
  expect(answer.body).toEqual({ items: [], nextCursor: null, tailCursor: expect.any(String) });
  return answer.body.tailCursor;
}

beforeAll(async () => {
  server = await startTestServer();
  integration = await publishIntegration(server, ordersYaml('Log Desk', { sleepMs: 6000 }));
  const acme = await createCustomer(server, 'Acme', 'acme-1');
  const globex = await createCustomer(server, 'Globex');
  acmeA = await createInstance(server, acme, integration, 'Acme Desk');
  globexA = await createInstance(server, globex, integration, 'Globex Desk');
  r1 = await testRun(server, acmeA, 'Process Orders', { orderId: 'A-1' });
  r2 = await testRun(server, acmeA, 'Fail Fast', { orderId: 'A_2%' });
  r3 = await testRun(server, globexA, 'Process Orders', { orderId: 'G-3' });
  for (const id of [r1, r2, r3]) await finished(server, id);
});

afterAll(async () => {
  await server?.stop();
});

describe('searching logs', () => {
  it('answers every line of the organization newest first, with its execution, instance and flow', async () => {
    const lines = await search();
    // Four lines the flows log, and the error line of the step that failed Fail Fast.
    expect(lines).toHaveLength(6);
    const sorted = [...lines].sort(
      (a, b) =>
        b.timestamp.localeCompare(a.timestamp) ||
        b.executionId.localeCompare(a.executionId) ||
        lines.indexOf(a) - lines.indexOf(b),
    );
    expect(lines).toEqual(sorted);
    expect(lines).toContainEqual({
      executionId: r1,
      instanceId: acmeA,
      flow: 'Process Orders',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      level: 'warn',
      message: 'Order A-1 is LATE',
      stepKey: 'logLate',
    });
    // Within one execution, the later line comes first.
    expect(messages(lines.filter((line) => line.executionId === r1))).toEqual([
      'Order A-1 is LATE',
      'Received order A-1',
    ]);
  });

  it('finds text in any case, literally', async () => {
    expect(messages(await search('?search=late')).sort()).toEqual(['Order A-1 is LATE', 'Order G-3 is LATE']);
    expect(messages(await search('?search=RECEIVED%20ORDER%20g'))).toEqual(['Received order G-3']);
    expect(messages(await search(`?search=${encodeURIComponent('A_2%')}`))).toEqual(['about to fail A_2%']);
    expect(await search(`?search=${encodeURIComponent('A%1')}`)).toEqual([]);
  });

  it('filters by level or minimum level', async () => {
    expect(messages(await search('?level=debug'))).toEqual(['about to fail A_2%']);
    expect((await search('?level=warn')).map((line) => line.level)).toEqual(['warn', 'warn']);
    expect(await search('?level=info&level=warn')).toHaveLength(4);
    expect(
      (await search('?minLevel=info')).every((line) => ['info', 'warn', 'error'].includes(line.level)),
    ).toBe(true);
    expect(await search('?minLevel=info')).toHaveLength(5);
    expect(await search('?minLevel=warn')).toHaveLength(3);
    expect(await search('?minLevel=error')).toEqual([
      expect.objectContaining({ executionId: r2, level: 'error', message: expect.stringMatching(/failed/) }),
    ]);
    expect(await search('?minLevel=trace')).toHaveLength(6);
    expect(await search('?minLevel=warn&level=debug')).toEqual([]);
    const bad = await server.api('GET', '/api/logs?level=loud');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toMatch(/^level/);
  });

  it('filters by instance, customer, integration, flow, execution and time', async () => {
    expect(messages(await search(`?instance=${globexA}`))).toEqual([
      'Order G-3 is LATE',
      'Received order G-3',
    ]);
    expect(new Set((await search('?customer=acme-1')).map((line) => line.executionId))).toEqual(
      new Set([r1, r2]),
    );
    expect(await search(`?integration=${integration}`)).toHaveLength(6);
    expect(messages(await search('?flow=Fail%20Fast'))).toEqual([
      expect.stringMatching(/^step '.+' failed: /),
      'about to fail A_2%',
    ]);
    expect(messages(await search(`?execution=${r1}`))).toEqual(['Order A-1 is LATE', 'Received order A-1']);
    expect(await search('?execution=nope')).toEqual([]);
    expect(await search('?customer=nobody')).toEqual([]);

    const g3 = await search(`?instance=${globexA}`);
    const oldest = g3[g3.length - 1] as Line;
    const since = await search(`?from=${encodeURIComponent(oldest.timestamp)}`);
    expect(since.every((line) => line.timestamp >= oldest.timestamp)).toBe(true);
    expect(messages(since)).toContain('Received order G-3');
    const before = await search(`?to=${encodeURIComponent(oldest.timestamp)}`);
    expect(before.every((line) => line.timestamp < oldest.timestamp)).toBe(true);
    expect(since.length + before.length).toBe(6);
  });

  it('pages newest first with a cursor', async () => {
    const all = await search();
    const paged: Line[] = [];
    let cursor: string | null = null;
    do {
      const answer: ApiAnswer = await server.api(
        'GET',
        `/api/logs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status, answer.text).toBe(200);
      paged.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    const forged = await server.api('GET', '/api/logs?cursor=bm9wZQ');
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('API_INVALID_CURSOR');
  });
});

describe('following logs', () => {
  it('answers the lines stored after a tail cursor, oldest first, and nothing twice', async () => {
    let cursor = await startCursor();
    // The tail reads a couple of seconds behind the present: let the executions above settle first.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (;;) {
      const drained = await server.api('GET', `/api/logs?after=${encodeURIComponent(cursor)}`);
      cursor = drained.body.tailCursor;
      if (drained.body.items.length === 0) break;
    }

    const r4 = await testRun(server, acmeA, 'Process Orders', { orderId: 'A-4' });
    await finished(server, r4);
    const followed = await tail(cursor);
    expect(followed.lines).toEqual([
      expect.objectContaining({ executionId: r4, level: 'info', message: 'Received order A-4' }),
      expect.objectContaining({ executionId: r4, level: 'warn', message: 'Order A-4 is LATE' }),
    ]);
    const again = await server.api('GET', `/api/logs?after=${encodeURIComponent(followed.cursor)}`);
    expect(again.body.items).toEqual([]);

    // A running execution's lines are followed while it runs; filters apply to the tail too.
    const slow = await testRun(server, acmeA, 'Slow Flow');
    const live = await tail(followed.cursor, '&search=DOZING');
    expect(live.lines).toEqual([
      expect.objectContaining({
        executionId: slow,
        flow: 'Slow Flow',
        message: 'dozing off',
        stepKey: 'logDozing',
      }),
    ]);
    expect((await server.api('GET', `/api/executions/${slow}`)).body.status).toBe('running');
  });

  it('refuses a cursor it did not make, a search cursor as after, and cursor with after', async () => {
    const forged = await server.api('GET', '/api/logs?after=bm9wZQ');
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatchObject({ code: 'API_INVALID_CURSOR', details: { field: 'after' } });
    const page = await server.api('GET', '/api/logs?limit=1');
    const wrongKind = await server.api('GET', `/api/logs?after=${encodeURIComponent(page.body.nextCursor)}`);
    expect(wrongKind.body.error.code).toBe('API_INVALID_CURSOR');
    const both = await server.api(
      'GET',
      `/api/logs?after=${encodeURIComponent(page.body.tailCursor)}&cursor=${encodeURIComponent(page.body.nextCursor)}`,
    );
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('API_VALIDATION_FAILED');
  });

  it('another organization follows and finds none of these lines', async () => {
    const other = await createOrganization(server.weft.database.db, { name: 'Logs Other Org' });
    const token = other.ownerToken;
    expect(await search('', token)).toEqual([]);
    expect(await search(`?execution=${r1}`, token)).toEqual([]);
    expect(await search(`?instance=${acmeA}`, token)).toEqual([]);
    const start = await server.api('GET', '/api/logs?limit=0', { token });
    const r5 = await testRun(server, acmeA, 'Process Orders', { orderId: 'A-5' });
    await finished(server, r5);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const theirs = await server.api('GET', `/api/logs?after=${encodeURIComponent(start.body.tailCursor)}`, {
      token,
    });
    expect(theirs.body.items).toEqual([]);
  });
});
