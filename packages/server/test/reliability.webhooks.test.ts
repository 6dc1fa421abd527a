// Issue 5 (reliability): 1,000 webhooks sent while the worker process is killed with SIGKILL and another started.
// Every accepted request becomes exactly one execution, every execution succeeds, and no request's effect happens
// under two executions: an effect repeated at all is the same execution's interrupted attempt calling again with
// the same idempotency key (its execution id), which a receiver de-duplicates.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  eventually,
  type HitCounter,
  instanceOf,
  killWorkerProcesses,
  startHitCounter,
  WorkerProcess,
  webhookTrigger,
} from './support/worker-fixtures.js';

const total = 1000;
const senders = 20;
let server: TestServer;
let counter: HitCounter;

function yaml(port: number): string {
  return `definitionVersion: 7
name: Reliable Orders
description: Each order waits a little, then calls out once with its idempotency key
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Take Order
    stableKey: take-order
    description: ''
    isSynchronous: false
    endpointSecurityType: unsecured
    steps:
${webhookTrigger}      - name: Wait
        action: {key: sleep, component: {key: sleep, version: LATEST, isPublic: true}}
        inputs:
          ms: {type: value, value: "15"}
      - name: Hit
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: template, value: "http://127.0.0.1:${port}/hit/{{$integrationTrigger.results.body.data.seq}}:{{$integrationTrigger.results.executionId}}"}
`;
}

async function count(where: string): Promise<number> {
  const [row] = await sqlQuery<{ n: number }>(server, `select count(*)::int as n from executions ${where}`);
  return row!.n;
}

beforeAll(async () => {
  // This process takes webhooks and serves the API; executions run only in the worker processes below.
  server = await startTestServer({ WEFT_ROLES: 'api,ingress' });
  counter = await startHitCounter();
}, 60_000);

afterAll(async () => {
  await killWorkerProcesses();
  await counter?.close();
  await server?.stop();
});

it('turns 1,000 webhooks into exactly 1,000 succeeded executions across a SIGKILLed worker', async () => {
  const instanceId = await instanceOf(server, yaml(counter.port));
  expect((await server.api('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  const url = flows.body.flows[0].webhookUrl as string;

  const workerEnv = { WEFT_EXECUTION_LEASE_MS: '2000', WEFT_WORKER_CONCURRENCY: '8' };
  const first = new WorkerProcess(server.databaseUrl, workerEnv);
  await first.ready();

  let next = 1;
  const answers: number[] = [];
  const send = async () => {
    while (next <= total) {
      const seq = next++;
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seq }),
      });
      answers.push(answer.status);
      await answer.arrayBuffer();
    }
  };
  const sending = Promise.all(Array.from({ length: senders }, send));

  // Kill the worker mid-stream, while it has executions running, then start another.
  await eventually(
    'the first worker to finish 100 executions',
    async () => ((await count(`where status = 'succeeded'`)) >= 100 ? true : undefined),
    30_000,
  );
  await eventually('the first worker to have executions running', async () =>
    (await count(`where status = 'running'`)) > 0 ? true : undefined,
  );
  first.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  const second = new WorkerProcess(server.databaseUrl, workerEnv);
  await second.ready();
  await sending;

  expect(answers).toHaveLength(total);
  expect(answers.every((status) => status === 200)).toBe(true);
  await eventually(
    'every execution to succeed',
    async () => ((await count(`where status = 'succeeded'`)) === total ? true : undefined),
    90_000,
  );

  // Exactly one execution per request, all succeeded; some ran again after the kill, as new attempts.
  expect(await count('')).toBe(total);
  const [shape] = await sqlQuery<{ seqs: number; retried: number; jobs: number }>(
    server,
    `select count(distinct trigger->'body'->'data'->>'seq')::int as seqs,
            count(*) filter (where attempt > 1)::int as retried,
            (select count(*)::int from graphile_worker.jobs where task_identifier = 'run-execution') as jobs
       from executions`,
  );
  expect(shape?.seqs).toBe(total);
  expect(shape?.retried).toBeGreaterThan(0);

  // Effects: every request's call was made, under one execution only (the one stored for that request).
  const bySeq = new Map<string, Set<string>>();
  let calls = 0;
  for (const [key, hits] of counter.hits) {
    const [seq, executionId] = key.split(':') as [string, string];
    bySeq.set(seq, (bySeq.get(seq) ?? new Set()).add(executionId));
    calls += hits;
  }
  expect(bySeq.size).toBe(total);
  expect([...bySeq.values()].every((ids) => ids.size === 1)).toBe(true);
  const stored = await sqlQuery<{ id: string; seq: string }>(
    server,
    `select id, trigger->'body'->'data'->>'seq' as seq from executions`,
  );
  expect(stored.every((row) => bySeq.get(row.seq)?.has(row.id))).toBe(true);
  // A repeated call is an interrupted attempt calling again with the same key.
  expect(calls - total).toBeLessThanOrEqual(shape?.retried ?? 0);
  console.log(
    `reliability: ${total} webhooks → ${total} executions succeeded; ${shape?.retried} re-run after SIGKILL; ` +
      `${calls - total} repeated calls (same idempotency key); jobs left ${shape?.jobs}`,
  );
}, 180_000);
