// Issue 14 (test runs and polling state): a test run of a flow whose polling trigger keeps a cursor in its flow
// state (Spectral's context.polling, in context.instanceState) neither reads nor advances the live instance's
// cursor. Test runs keep flow state of their own, from one test run to the next (as Prismatic's test instance
// does), so consecutive test runs poll like the live schedule does; a replay of a test run is a test run too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import { type OrderFeed, startOrderFeed } from './support/order-feed.js';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  type ExecutionAnswer,
  eventually,
  instanceOf,
  testRun,
  waitForExecution,
} from './support/worker-fixtures.js';

const yaml = (feedUrl: string) => `definitionVersion: 7
name: Order Poller
description: Polls the Acme order feed
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Poll Orders
    stableKey: poll-orders
    description: Fetches new orders
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Poll Trigger
        isTrigger: true
        action: {key: pollOrders, component: {key: spectral-acme, version: LATEST, isPublic: false}}
        schedule: {type: value, value: "0 0 1 1 *", meta: {scheduleType: custom, timeZone: UTC}}
        inputs:
          feedUrl: {type: value, value: "${feedUrl}"}
`;

let server: TestServer;
let feed: OrderFeed;
let instanceId: string;

beforeAll(async () => {
  feed = await startOrderFeed();
  server = await startTestServer({ WEFT_LOG_LEVEL: 'silent' });
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('acme-component.ts'), comment: 'polling trigger' },
  });
  expect(published.status, published.text).toBe(201);
  instanceId = await instanceOf(server, yaml(feed.url), 'Poller Co');
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await feed?.close();
});

/** Makes the live schedule due now and waits for the execution the scheduler starts for it. */
async function livePoll(): Promise<ExecutionAnswer> {
  const before = await sqlQuery<{ last_execution_id: string | null }>(
    server,
    `update instance_schedules set next_fire_at = now()
      where instance_id = $1 and flow_stable_key = 'poll-orders'
      returning last_execution_id`,
    [instanceId],
  );
  expect(before).toHaveLength(1);
  const executionId = await eventually('the scheduler to fire the polling flow', async () => {
    const rows = await sqlQuery<{ last_execution_id: string | null }>(
      server,
      `select last_execution_id from instance_schedules where instance_id = $1 and flow_stable_key = 'poll-orders'`,
      [instanceId],
    );
    const id = rows[0]?.last_execution_id;
    return id && id !== before[0]!.last_execution_id ? id : undefined;
  });
  const execution = await waitForExecution(server, executionId, { timeoutMs: 30_000 });
  expect(execution.triggerKind).toBe('schedule');
  expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
  return execution;
}

async function testPoll(): Promise<ExecutionAnswer> {
  const execution = await waitForExecution(server, await testRun(server, instanceId, 'Poll Orders'), {
    timeoutMs: 30_000,
  });
  expect(execution.triggerKind).toBe('test');
  expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
  return execution;
}

const polled = (execution: ExecutionAnswer) =>
  execution.stepRecords.find((record: { name: string }) => record.name === 'Poll Trigger')?.result?.body
    ?.data;

describe('a test run of a flow with a polling trigger', () => {
  let firstTest: ExecutionAnswer;

  it('leaves the live cursor alone: live polls advance it, test runs keep their own', async () => {
    feed.orders.push({ id: 1, item: 'anvil' }, { id: 2, item: 'rocket' });
    const live = await livePoll();
    expect(polled(live)).toEqual([
      { id: 1, item: 'anvil' },
      { id: 2, item: 'rocket' },
    ]);
    expect(feed.sinceSeen).toEqual(['0']);

    feed.orders.push({ id: 3, item: 'magnet' });
    // The test run starts from its own (empty) state: it does not read the live cursor (2)...
    firstTest = await testPoll();
    expect(polled(firstTest)).toEqual([
      { id: 1, item: 'anvil' },
      { id: 2, item: 'rocket' },
      { id: 3, item: 'magnet' },
    ]);
    expect(feed.sinceSeen).toEqual(['0', '0']);

    // A second test run polls on from the test runs' own cursor (3): nothing new, a successful empty poll.
    const secondTest = await testPoll();
    expect(feed.sinceSeen).toEqual(['0', '0', '3']);
    expect(secondTest.stepRecords.map((record: { name: string }) => record.name)).toEqual(['Poll Trigger']);

    // The live schedule picks up where it left off (2), not where the test runs got to (3): order 3 is new to it.
    const nextLive = await livePoll();
    expect(feed.sinceSeen).toEqual(['0', '0', '3', '2']);
    expect(polled(nextLive)).toEqual([{ id: 3, item: 'magnet' }]);
  });

  it('is still a test run when replayed: the replay uses the test state, not the live one', async () => {
    // The test runs' cursor moves to 4; the live one stays at 3.
    feed.orders.push({ id: 4, item: 'spring' });
    const test = await testPoll();
    expect(feed.sinceSeen.at(-1)).toBe('3');
    expect(polled(test)).toEqual([{ id: 4, item: 'spring' }]);

    feed.orders.push({ id: 5, item: 'coil' });
    const replayed = await server.api('POST', `/api/executions/${test.id}/replay`);
    expect(replayed.status, replayed.text).toBeLessThan(300);
    const replay = await waitForExecution(server, replayed.body.executionId, { timeoutMs: 30_000 });
    expect(replay.status, JSON.stringify(replay.error)).toBe('succeeded');
    expect(replay.triggerKind).toBe('replay');
    expect(feed.sinceSeen.at(-1)).toBe('4');
    expect(polled(replay)).toEqual([{ id: 5, item: 'coil' }]);

    // However long the chain: a replay of a replay of a replay of a test run still polls from the test cursor (5).
    let last = replay;
    for (let hop = 0; hop < 2; hop += 1) {
      const again = await server.api('POST', `/api/executions/${last.id}/replay`);
      expect(again.status, again.text).toBeLessThan(300);
      last = await waitForExecution(server, again.body.executionId, { timeoutMs: 30_000 });
      expect(last.status, JSON.stringify(last.error)).toBe('succeeded');
      expect(feed.sinceSeen.at(-1)).toBe('5');
    }

    // The live schedule still starts from its own cursor (3).
    const live = await livePoll();
    expect(feed.sinceSeen.at(-1)).toBe('3');
    expect(polled(live)).toEqual([
      { id: 4, item: 'spring' },
      { id: 5, item: 'coil' },
    ]);
  });
});
