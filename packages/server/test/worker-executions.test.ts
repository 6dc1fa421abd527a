// Issue 5 (executions): what the worker does while an execution runs and when it ends. Step records and logs are
// stored as the run goes (a loop child once per iteration), large results once as blobs, a flow's automatic retry is
// queued with the failure, cancellation through the status stops a running execution, and cross-flow calls answer
// with the invoked flow's result.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  eventually,
  instanceOf,
  sleep,
  testRun,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const leaseMs = 1500;
let server: TestServer;
let instanceId: string;

function codeStep(name: string, code: string): string {
  return `      - name: ${name}
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
${code
  .trim()
  .split('\n')
  .map((line) => `              ${line}`)
  .join('\n')}
`;
}

function flow(name: string, steps: string, extra = '', trigger = webhookTrigger): string {
  return `  - name: ${name}
    description: ${name}
    isSynchronous: false
    endpointSecurityType: customer_optional
${extra}    steps:
${trigger}${steps}`;
}

const crossFlowTrigger = (name: string) => `      - name: ${name}
        isTrigger: true
        action: {key: crossFlow, component: {key: cross-flow, version: LATEST, isPublic: true}}
`;

function invokeStep(name: string, flowName: string, data: string): string {
  return `      - name: ${name}
        action: {key: invokeFlow, component: {key: cross-flow, version: LATEST, isPublic: true}}
        inputs:
          flowName: {type: value, value: ${flowName}}
          data: {type: reference, value: ${data}}
`;
}

const big = "'x'.repeat(300 * 1024)";

function yaml(): string {
  return `definitionVersion: 7
name: Worker Behaviours
description: Flows that run slowly, fail, retry, return big results and invoke each other
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
${flow(
  'Slow Loop',
  `      - name: Each Item
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items: {type: reference, value: integrationTrigger.results.body.data.items}
        steps:
          - name: Note
            action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
            inputs:
              level: {type: value, value: info}
              message: {type: template, value: "item {{$eachItem.index}}"}
          - name: Wait
            action: {key: sleep, component: {key: sleep, version: LATEST, isPublic: true}}
            inputs:
              ms: {type: reference, value: integrationTrigger.results.body.data.ms}
`,
)}${flow(
  'Big Result',
  codeStep('Make Big', `module.exports = async () => ({ data: { text: ${big}, n: 1 } });`) +
    codeStep('Same Again', `module.exports = async () => ({ data: { text: ${big}, n: 1 } });`),
)}${flow(
  'Always Fails',
  codeStep('Explode', `module.exports = async () => { throw new Error('always broken'); };`),
  `    retryConfig: {maxAttempts: 2, delayMinutes: 0, usesExponentialBackoff: true}
`,
)}${flow(
  'Fails Once',
  `      - name: Count Tries
        action: {key: incrementInstanceValue, component: {key: persist-data, version: LATEST, isPublic: true}}
        inputs:
          keyInput: {type: value, value: tries}
${codeStep(
  'Check',
  `module.exports = async (context, stepResults) => {
  if (stepResults.countTries.results < 2) throw new Error('first try fails');
  return { data: 'worked on try ' + stepResults.countTries.results };
};`,
)}`,
  `    retryConfig: {maxAttempts: 3, delayMinutes: 0, usesExponentialBackoff: false}
`,
)}${flow('Caller', invokeStep('Ask Callee', 'Callee', 'integrationTrigger.results.body.data'))}${flow(
  'Callee',
  codeStep(
    'Double',
    `module.exports = async (context, stepResults) => ({ data: { doubled: stepResults.calleeTrigger.results.body.data.n * 2 } });`,
  ),
  '',
  crossFlowTrigger('Callee Trigger'),
)}${flow('Fifo Caller', invokeStep('Ask Fifo', 'Fifo Callee', 'integrationTrigger.results.body.data'))}${flow(
  'Fifo Callee',
  codeStep(
    'Echo',
    `module.exports = async (context, stepResults) => ({ data: { echoed: stepResults.fifoTrigger.results.body.data.word } });`,
  ),
  `    queueConfig: {usesFifoQueue: true}
`,
  crossFlowTrigger('Fifo Trigger'),
)}${flow(
  'Failing Caller',
  invokeStep('Ask Broken', 'Broken Callee', 'integrationTrigger.results.body.data'),
)}${flow(
  'Broken Callee',
  codeStep('Break', `module.exports = async () => { throw new Error('callee is broken'); };`),
  '',
  crossFlowTrigger('Broken Trigger'),
)}${flow(
  'Recurse',
  invokeStep('Again', 'Recurse', 'recurseTrigger.results.body.data'),
  '',
  crossFlowTrigger('Recurse Trigger'),
)}`;
}

interface ChainRow {
  id: string;
  status: string;
  retry_of_id: string | null;
  retry_number: number;
  trigger_kind: string;
  trigger: { body: { data: unknown } };
  integration_version_id: string;
}

async function chainOf(first: string): Promise<ChainRow[]> {
  return sqlQuery<ChainRow>(
    server,
    `select id, status, retry_of_id, retry_number, trigger_kind, trigger, integration_version_id
       from executions where id = $1 or retry_of_id = $1 order by retry_number`,
    [first],
  );
}

beforeAll(async () => {
  server = await startTestServer({ WEFT_EXECUTION_LEASE_MS: String(leaseMs), WEFT_WORKER_CONCURRENCY: '4' });
  instanceId = await instanceOf(server, yaml());
});

afterAll(async () => {
  await server?.stop();
});

describe('storing as the run goes', () => {
  it('shows the steps and logs of a long execution while it runs, one record per loop iteration', async () => {
    const executionId = await testRun(server, instanceId, 'Slow Loop', {
      items: ['a', 'b', 'c', 'd'],
      ms: 450,
    });
    const midway = await waitForExecution(server, executionId, {
      done: (execution) =>
        execution.status !== 'queued' &&
        execution.stepRecords.some((record: { key: string }) => record.key === 'wait'),
      timeoutMs: 10_000,
    });
    expect(midway.status).toBe('running');
    expect(midway.logs.map((entry: { message: string }) => entry.message)).toContain('item 0');

    const done = await waitForExecution(server, executionId);
    expect(done.status).toBe('succeeded');
    const records = done.stepRecords as Array<{ key: string; iteration?: number; iterations?: number }>;
    expect(records.filter((record) => record.key === 'wait').map((record) => record.iteration)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(records.filter((record) => record.key === 'note').map((record) => record.iteration)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(records.find((record) => record.key === 'eachItem')).toMatchObject({ iterations: 4 });
    expect(records.find((record) => record.key === 'eachItem')?.iteration).toBeUndefined();
    expect(done.logs.map((entry: { message: string }) => entry.message)).toEqual([
      'item 0',
      'item 1',
      'item 2',
      'item 3',
    ]);
  });

  it('stores a result over 256 KiB once, by content hash, and answers it whole', async () => {
    const first = await waitForExecution(server, await testRun(server, instanceId, 'Big Result'));
    const second = await waitForExecution(server, await testRun(server, instanceId, 'Big Result'));
    for (const execution of [first, second]) {
      expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
      expect(execution.steps.makeBig.text).toHaveLength(300 * 1024);
      expect(execution.steps.sameAgain).toEqual(execution.steps.makeBig);
      const makeBig = execution.stepRecords.find((record: { key: string }) => record.key === 'makeBig');
      expect(makeBig.result.text).toHaveLength(300 * 1024);
    }
    const rows = await sqlQuery<{ result: unknown; result_sha256: string | null }>(
      server,
      `select result, result_sha256 from execution_steps
        where execution_id = any($1::uuid[]) and step_key in ('makeBig', 'sameAgain')`,
      [[first.id, second.id]],
    );
    expect(rows).toHaveLength(4);
    const hashes = new Set(rows.map((row) => row.result_sha256));
    expect(hashes.size).toBe(1);
    expect(rows.every((row) => row.result === null)).toBe(true);
    const blobs = await sqlQuery<{ size_bytes: number; text_length: number }>(
      server,
      `select size_bytes, length(content->>'text') as text_length from execution_blobs where sha256 = $1`,
      [[...hashes][0]],
    );
    expect(blobs).toEqual([{ size_bytes: expect.any(Number), text_length: 300 * 1024 }]);
    expect(blobs[0]!.size_bytes).toBeGreaterThan(256 * 1024);
  });
});

describe('retry policy', () => {
  it('queues each retry with the failure until maxAttempts retries have failed, linked to the first execution', async () => {
    const first = await testRun(server, instanceId, 'Always Fails', { order: 7 });
    const chain = await eventually('three failed executions in the chain', async () => {
      const rows = await chainOf(first);
      return rows.length === 3 && rows.every((row) => row.status === 'failed') ? rows : undefined;
    });
    expect(chain.map((row) => [row.retry_number, row.retry_of_id, row.trigger_kind])).toEqual([
      [0, null, 'test'],
      [1, first, 'retry'],
      [2, first, 'retry'],
    ]);
    for (const row of chain) {
      expect(row.trigger.body.data).toEqual({ order: 7 });
      expect(row.integration_version_id).toBe(chain[0]!.integration_version_id);
    }
    const last = await server.api('GET', `/api/executions/${chain[2]!.id}`);
    expect(last.body.error).toMatchObject({ message: expect.stringContaining('always broken') });
    // maxAttempts reached: no fourth one, now or a little later.
    await sleep(500);
    expect(await chainOf(first)).toHaveLength(3);
  });

  it('stops retrying once a retry succeeds; state written before the failure was kept', async () => {
    const first = await testRun(server, instanceId, 'Fails Once');
    const chain = await eventually('a failed execution and its succeeded retry', async () => {
      const rows = await chainOf(first);
      return rows.some((row) => row.status === 'succeeded') ? rows : undefined;
    });
    expect(chain.map((row) => [row.retry_number, row.status])).toEqual([
      [0, 'failed'],
      [1, 'succeeded'],
    ]);
    const retry = await server.api('GET', `/api/executions/${chain[1]!.id}`);
    expect(retry.body.steps.check).toBe('worked on try 2');
    await sleep(300);
    expect(await chainOf(first)).toHaveLength(2);
  });
});

describe('cancellation', () => {
  it('stops a running execution cancelled through its status, keeps it cancelled with the steps that ran', async () => {
    const items = Array.from({ length: 30 }, (_, index) => index);
    const executionId = await testRun(server, instanceId, 'Slow Loop', { items, ms: 200 });
    await waitForExecution(server, executionId, {
      done: (execution) => execution.stepRecords.some((record: { key: string }) => record.key === 'wait'),
      timeoutMs: 10_000,
    });
    // What POST /api/executions/:id/cancel does.
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    const cancelledAt = Date.now();
    try {
      await client.query(
        `update executions set status = 'cancelled', finished_at = now()
          where id = $1 and status in ('queued', 'running')`,
        [executionId],
      );
    } finally {
      await client.end();
    }
    // The worker stops it at its next heartbeat (every leaseMs / 3) and stores what ran, letting the lease go.
    await eventually('the worker to let go of the cancelled execution', async () => {
      const [row] = await sqlQuery<{ lease_expires_at: Date | null }>(
        server,
        'select lease_expires_at from executions where id = $1',
        [executionId],
      );
      return row?.lease_expires_at === null ? true : undefined;
    });
    expect(Date.now() - cancelledAt).toBeLessThan(2 * (leaseMs / 3) + 1500);
    const stopped = await server.api('GET', `/api/executions/${executionId}`);
    expect(stopped.body.status).toBe('cancelled');
    const waits = stopped.body.stepRecords.filter((record: { key: string }) => record.key === 'wait');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.length).toBeLessThan(items.length);
    await sleep(500);
    const later = await server.api('GET', `/api/executions/${executionId}`);
    expect(later.body.status).toBe('cancelled');
    expect(later.body.stepRecords).toHaveLength(stopped.body.stepRecords.length);
  });
});

describe('cross-flow invocations', () => {
  it("answers with the invoked flow's result; the invoked execution is linked to its caller", async () => {
    const callerId = await testRun(server, instanceId, 'Caller', { n: 21 });
    const caller = await waitForExecution(server, callerId);
    expect(caller.status, JSON.stringify(caller.error)).toBe('succeeded');
    expect(caller.steps.askCallee).toEqual({ doubled: 42 });
    const invoked = await sqlQuery<{ id: string; status: string; trigger_kind: string; attempt: number }>(
      server,
      'select id, status, trigger_kind, attempt from executions where invoked_by_id = $1',
      [callerId],
    );
    expect(invoked).toEqual([
      { id: expect.any(String), status: 'succeeded', trigger_kind: 'crossFlow', attempt: 1 },
    ]);
    const callee = await server.api('GET', `/api/executions/${invoked[0]!.id}`);
    expect(callee.body.steps.double).toEqual({ doubled: 42 });
  });

  it('waits for a FIFO flow through its queue', async () => {
    const caller = await waitForExecution(
      server,
      await testRun(server, instanceId, 'Fifo Caller', { word: 'hello' }),
    );
    expect(caller.status, JSON.stringify(caller.error)).toBe('succeeded');
    expect(caller.steps.askFifo).toEqual({ echoed: 'hello' });
  });

  it("fails the calling step with the invoked flow's error", async () => {
    const caller = await waitForExecution(server, await testRun(server, instanceId, 'Failing Caller', {}));
    expect(caller.status).toBe('failed');
    expect(caller.error.message).toContain("flow 'Broken Callee'");
    expect(caller.error.message).toContain('callee is broken');
  });

  it('stops a flow invoking itself at the depth limit with a clear error', async () => {
    const rootId = await testRun(server, instanceId, 'Recurse', { level: 0 });
    const root = await waitForExecution(server, rootId, { timeoutMs: 20_000 });
    expect(root.status).toBe('failed');
    expect(root.error.message).toMatch(/levels deep; the limit is 10/);
    const [count] = await sqlQuery<{ n: number }>(
      server,
      `with recursive chain as (
         select id from executions where id = $1
         union all select e.id from executions e join chain on e.invoked_by_id = chain.id)
       select count(*)::int as n from chain`,
      [rootId],
    );
    expect(count?.n).toBe(11);
  });
});
