// Issue 5 (executions): workers that stop. A worker shut down gracefully lets its running executions finish (for
// a bounded time; one it cuts off keeps its lease); a worker process killed mid-run loses nothing: once its leases
// expire, another worker's reaper makes its executions runnable again and they run as a new attempt. No execution
// runs again once it has finished. The worker processes are real `weft start --role worker` processes.
import { Egress, egressPolicy } from '@weft/egress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutionWaiter } from '../src/executions/execution-waiter.js';
import { createLogger } from '../src/index.js';
import { startExecutionWorker } from '../src/worker/execution-worker.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { loopbackEgressAllow, startTestServer, type TestServer } from './support/test-server.js';
import {
  eventually,
  type HitCounter,
  instanceOf,
  killWorkerProcesses,
  sleep,
  startHitCounter,
  testRun,
  WorkerProcess,
  webhookTrigger,
} from './support/worker-fixtures.js';

const leaseMs = 2000;
let server: TestServer;
let counter: HitCounter;
let instanceId: string;

/** Sleeps `ms` from the payload, then calls the hit counter once with its execution id. */
function yaml(port: number): string {
  return `definitionVersion: 7
name: Slow Side Effects
description: Waits, then calls out once
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Slow Hit
    description: Sleeps then calls the counter
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Wait
        action: {key: sleep, component: {key: sleep, version: LATEST, isPublic: true}}
        inputs:
          ms: {type: reference, value: integrationTrigger.results.body.data.ms}
      - name: Hit
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: template, value: "http://127.0.0.1:${port}/hit/{{$integrationTrigger.results.executionId}}"}
`;
}

interface Row {
  id: string;
  status: string;
  attempt: number;
  lease_owner: string | null;
}

async function rows(ids: string[]): Promise<Row[]> {
  return sqlQuery<Row>(
    server,
    'select id, status, attempt, lease_owner from executions where id = any($1::uuid[]) order by queued_at',
    [ids],
  );
}

async function jobsFor(ids: string[]): Promise<number> {
  const [row] = await sqlQuery<{ n: number }>(
    server,
    'select count(*)::int as n from graphile_worker._private_jobs where key = any($1::text[])',
    [ids],
  );
  return row?.n ?? 0;
}

beforeAll(async () => {
  // The API only: the executions run in the workers the tests start.
  server = await startTestServer({ WEFT_ROLES: 'api' });
  counter = await startHitCounter();
  instanceId = await instanceOf(server, yaml(counter.port));
});

afterAll(async () => {
  await killWorkerProcesses();
  await server?.stop();
  await counter?.close();
});

describe('workers that stop', () => {
  let cutOff: string;

  it('a graceful stop lets a running execution finish and leaves one that runs too long to the reaper', async () => {
    const log = createLogger('silent');
    const waiter = await startExecutionWaiter(server.weft.database.pool, server.weft.database.db, log);
    // A longer lease than the worker processes' below: the execution it cuts off is handed on by the second one.
    const worker = await startExecutionWorker(server.weft.database, log, {
      concurrency: 2,
      leaseMs: 3 * leaseMs,
      retentionDays: 0,
      waiter,
      keyring: server.weft.keyring,
      // The hit counter listens on loopback, which the egress guard refuses unless told: open it, as the test
      // server's own roles are (startTestServer).
      egress: new Egress(egressPolicy(loopbackEgressAllow)),
      drainMs: 1500,
    });
    try {
      const short = await testRun(server, instanceId, 'Slow Hit', { ms: 700 });
      cutOff = await testRun(server, instanceId, 'Slow Hit', { ms: 4000 });
      await eventually('both executions to run', async () => {
        const found = await rows([short, cutOff]);
        return found.every((row) => row.status === 'running') ? true : undefined;
      });
      const stopping = Date.now();
      await worker.stop();
      expect(Date.now() - stopping).toBeLessThan(1500 + 2000);

      const [shortRow, cutRow] = await rows([short, cutOff]);
      expect(shortRow).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(counter.hits.get(short)).toBe(1);
      // Cut off: still running under the stopped worker's lease, which nobody renews any more.
      expect(cutRow).toMatchObject({
        status: 'running',
        attempt: 1,
        lease_owner: worker.runDeps.leases.owner,
      });
      expect(counter.hits.get(cutOff)).toBeUndefined();
    } finally {
      await worker.stop();
      await waiter.close();
    }
  });

  it('a killed worker process loses nothing: its executions run again as attempt 2, each finished one once', async () => {
    const first = new WorkerProcess(server.databaseUrl, {
      WEFT_EXECUTION_LEASE_MS: String(leaseMs),
      WEFT_WORKER_CONCURRENCY: '4',
    });
    await first.ready();
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push(await testRun(server, instanceId, 'Slow Hit', { ms: 2500 }));
    // Four run in the first worker (its concurrency), two wait in the queue.
    const interrupted = await eventually(
      'the first worker to run four executions',
      async () => {
        const running = (await rows(ids)).filter((row) => row.status === 'running');
        return running.length === 4 ? running.map((row) => row.id) : undefined;
      },
      20_000,
    );
    first.kill('SIGKILL');
    await first.exited;
    expect(interrupted.every((id) => counter.hits.get(id) === undefined)).toBe(true);

    const second = new WorkerProcess(server.databaseUrl, {
      WEFT_EXECUTION_LEASE_MS: String(leaseMs),
      WEFT_WORKER_CONCURRENCY: '8',
    });
    await second.ready();
    const all = [...ids, cutOff];
    const finished = await eventually(
      `every execution to succeed\n${second.output}`,
      async () => {
        const found = await rows(all);
        return found.every((row) => row.status === 'succeeded') ? found : undefined;
      },
      30_000,
    );
    const attempts = new Map(finished.map((row) => [row.id, row.attempt]));
    for (const id of interrupted) expect(attempts.get(id), id).toBe(2);
    expect(attempts.get(cutOff)).toBeGreaterThanOrEqual(2);
    for (const id of ids.filter((candidate) => !interrupted.includes(candidate)))
      expect(attempts.get(id)).toBe(1);
    for (const id of all) expect(counter.hits.get(id), id).toBe(1);

    // Past another lease and reaper period, nothing runs again.
    await sleep(leaseMs + 1000);
    expect((await rows(all)).map((row) => [row.status, row.attempt])).toEqual(
      finished.map((row) => [row.status, row.attempt]),
    );
    for (const id of all) expect(counter.hits.get(id), id).toBe(1);
    expect(await jobsFor(all)).toBe(0);
    second.kill('SIGTERM');
    expect(await second.exited).toMatchObject({ code: 0 });
  });
});
