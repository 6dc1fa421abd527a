// Issue 14: state under concurrency. N webhooks, run by two worker processes (real `weft start --role worker`
// processes) at once, each increment one flow-state counter, one cross-flow counter and one integration counter,
// append to one cross-flow list, and write a key of their own through a code step that returns the whole cross-flow
// store (Spectral's contract). Read-modify-write operations are atomic in PostgreSQL and the whole-store return is
// written per key: the counters equal the sums, the list holds every item, no key is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeStep,
  customerWith,
  deployedInstance,
  exportFlow,
  exportIntegration,
  importAndPublish,
  postJson,
  webhookTriggerStep,
} from './support/export-yaml.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { killWorkerProcesses, WorkerProcess, waitForExecution } from './support/worker-fixtures.js';

const executions = 40;

/** A persist-data step (Prismatic's export shape): `inputs` as `name: {type, value}` YAML lines. */
function persistStep(name: string, actionKey: string, inputs: Record<string, string>): string {
  return `- action:
    component:
      isPublic: true
      key: persist-data
      version: LATEST
    key: ${actionKey}
  description: ''
  inputs:
${Object.entries(inputs)
  .map(([input, value]) => `    ${input}: ${value}`)
  .join('\n')}
  name: ${name}`;
}

const n = '{type: reference, value: integrationTrigger.results.body.data.n}';

const yaml = exportIntegration({
  name: 'Concurrent State',
  flows: [
    exportFlow({
      name: 'Count',
      steps: [
        webhookTriggerStep(),
        persistStep('Count Runs', 'incrementInstanceValue', { keyInput: '{type: value, value: runs}' }),
        persistStep('Add N', 'incrementCrossFlowValue', {
          keyInput: '{type: value, value: total}',
          amountInput: n,
        }),
        persistStep('Count Everywhere', 'incrementIntegrationValue', {
          keyInput: '{type: value, value: runs}',
        }),
        persistStep('Remember', 'appendCrossFlowValueToList', {
          keyInput: '{type: value, value: seen}',
          valueInput: n,
        }),
        // Spectral's contract: the whole store comes back, with one key of this execution's own set.
        codeStep(
          'Own Key',
          'const n = stepResults.integrationTrigger.results.body.data.n; ' +
            'return { data: n, crossFlowState: { ...context.crossFlowState, ["key-" + n]: n } };',
        ),
      ],
    }),
    exportFlow({
      name: 'Operations',
      steps: [
        webhookTriggerStep(),
        persistStep('Save List', 'saveCrossFlowValue', {
          keyInput: '{type: value, value: ops-list}',
          valueInput: '{type: reference, value: integrationTrigger.results.body.data.list}',
        }),
        persistStep('Add Known', 'addCrossFlowValueToSet', {
          keyInput: '{type: value, value: ops-list}',
          valueInput: '{type: reference, value: integrationTrigger.results.body.data.known}',
        }),
        persistStep('Add New', 'addCrossFlowValueToSet', {
          keyInput: '{type: value, value: ops-list}',
          valueInput: '{type: value, value: 3}',
        }),
        persistStep('Remove First', 'removeCrossFlowValueFromList', {
          keyInput: '{type: value, value: ops-list}',
          valueInput: '{type: value, value: 1}',
        }),
        persistStep('Remove All', 'removeCrossFlowValueFromSet', {
          keyInput: '{type: value, value: ops-list}',
          valueInput: '{type: value, value: 2}',
        }),
        persistStep('Save Text Number', 'saveCrossFlowValue', {
          keyInput: '{type: value, value: ops-n}',
          valueInput: '{type: value, value: " 5 "}',
        }),
        persistStep('Add Fraction', 'incrementCrossFlowValue', {
          keyInput: '{type: value, value: ops-n}',
          amountInput: '{type: value, value: "2.5"}',
        }),
        persistStep('Save Flag', 'saveCrossFlowValue', {
          keyInput: '{type: value, value: ops-flag}',
          valueInput: '{type: reference, value: integrationTrigger.results.body.data.flag}',
        }),
        persistStep('Lower Flag', 'decrementCrossFlowValue', { keyInput: '{type: value, value: ops-flag}' }),
        persistStep('Start List', 'appendCrossFlowValuesToList', {
          keyInput: '{type: value, value: ops-new}',
          dynamicValuesInput: '{type: reference, value: integrationTrigger.results.body.data.list}',
        }),
        persistStep('Save Text', 'saveCrossFlowValue', {
          keyInput: '{type: value, value: ops-text}',
          valueInput: '{type: value, value: abc}',
        }),
        persistStep('Count Text', 'incrementCrossFlowValue', { keyInput: '{type: value, value: ops-text}' }),
      ],
    }),
    exportFlow({
      name: 'Reset Then Count',
      steps: [
        webhookTriggerStep(),
        persistStep('Reset', 'saveCrossFlowValue', {
          keyInput: '{type: value, value: fresh}',
          valueInput: '{type: value, value: 10}',
        }),
        persistStep('Count', 'incrementCrossFlowValue', { keyInput: '{type: value, value: fresh}' }),
      ],
    }),
  ],
});

let server: TestServer;
let urls: Record<string, string>;
let instanceId: string;
let integrationId: string;
const workers: WorkerProcess[] = [];

async function stateOf(scope: string): Promise<Record<string, unknown>> {
  const [row] = await sqlQuery<{ state: Record<string, unknown> }>(
    server,
    'select state from instance_state where instance_id = $1 and scope = $2',
    [instanceId, scope],
  );
  return row?.state ?? {};
}

beforeAll(async () => {
  // API and ingress only: every execution runs in one of the two worker processes.
  server = await startTestServer({ WEFT_ROLES: 'api,ingress' });
  for (let i = 0; i < 2; i += 1)
    workers.push(new WorkerProcess(server.databaseUrl, { WEFT_WORKER_CONCURRENCY: '4' }));
  integrationId = await importAndPublish(server, yaml);
  const customerId = await customerWith(server, 'Acme', 'acme');
  instanceId = await deployedInstance(server, integrationId, customerId, 'Acme state');
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  expect(flows.status, flows.text).toBe(200);
  urls = Object.fromEntries(
    flows.body.flows.map((flow: { flow: string; webhookUrl: string }) => [flow.flow, flow.webhookUrl]),
  );
  await Promise.all(workers.map((worker) => worker.ready()));
}, 120_000);

afterAll(async () => {
  await killWorkerProcesses();
  await server?.stop();
});

describe('state written by concurrent executions in two worker processes', () => {
  it('loses no increment, no list item and no key', async () => {
    const answers = await Promise.all(
      Array.from({ length: executions }, (_, i) => postJson(urls.Count as string, { n: i + 1 })),
    );
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const ids = answers.map((answer) => answer.executionId as string);
    const finished = await Promise.all(ids.map((id) => waitForExecution(server, id, { timeoutMs: 90_000 })));
    for (const execution of finished)
      expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');

    // Both processes ran some: the lease owner is `host:pid:random`.
    const owners = await sqlQuery<{ owner: string }>(
      server,
      'select distinct lease_owner as owner from executions where id = any($1::uuid[])',
      [ids],
    );
    expect(new Set(owners.map((row) => row.owner.split(':')[1])).size).toBe(2);

    const sum = (executions * (executions + 1)) / 2;
    expect(await stateOf('flow:count')).toEqual({ runs: executions });
    const crossFlow = await stateOf('crossFlow');
    expect(crossFlow.total).toBe(sum);
    expect([...(crossFlow.seen as number[])].sort((a, b) => a - b)).toEqual(
      Array.from({ length: executions }, (_, i) => i + 1),
    );
    for (let i = 1; i <= executions; i += 1) expect(crossFlow[`key-${i}`], `key-${i}`).toBe(i);
    const [integration] = await sqlQuery<{ state: Record<string, unknown> }>(
      server,
      'select state from integration_state where integration_id = $1',
      [integrationId],
    );
    expect(integration?.state).toEqual({ runs: executions });

    // Every increment answered the value after it: each value once (1..N for the flow's own counter).
    const steps = await sqlQuery<{ result: number }>(
      server,
      `select result from execution_steps where execution_id = any($1::uuid[]) and step_key = 'countRuns'`,
      [ids],
    );
    expect(steps.map((row) => row.result).sort((a, b) => a - b)).toEqual(
      Array.from({ length: executions }, (_, i) => i + 1),
    );
  }, 120_000);

  it('applies a value a step saved before incrementing it in the next step', async () => {
    const answer = await postJson(urls['Reset Then Count'] as string, {});
    expect(answer.status).toBe(200);
    const execution = await waitForExecution(server, answer.executionId as string, { timeoutMs: 60_000 });
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect((await stateOf('crossFlow')).fresh).toBe(11);
  }, 90_000);

  it('applies every persist-data operation in PostgreSQL as the engine does in memory', async () => {
    const answer = await postJson(urls.Operations as string, {
      list: [1, { a: 1, b: 2 }, 2, 1],
      known: { b: 2, a: 1 },
      flag: true,
    });
    expect(answer.status).toBe(200);
    const execution = await waitForExecution(server, answer.executionId as string, { timeoutMs: 60_000 });
    // The last step increments a text: it fails, naming the store and key, and changes nothing.
    expect(execution.status).toBe('failed');
    expect(execution.error.message).toContain(`the cross-flow value 'ops-text' is "abc", not a number`);
    expect(execution.steps).toMatchObject({
      addKnown: [1, { a: 1, b: 2 }, 2, 1],
      addNew: [1, { a: 1, b: 2 }, 2, 1, 3],
      removeFirst: [{ a: 1, b: 2 }, 2, 1, 3],
      removeAll: [{ a: 1, b: 2 }, 1, 3],
      addFraction: 7.5,
      lowerFlag: 0,
      startList: [1, { a: 1, b: 2 }, 2, 1],
    });
    const crossFlow = await stateOf('crossFlow');
    expect(crossFlow).toMatchObject({
      'ops-list': [{ a: 1, b: 2 }, 1, 3],
      'ops-n': 7.5,
      'ops-flag': 0,
      'ops-new': [1, { a: 1, b: 2 }, 2, 1],
      'ops-text': 'abc',
    });
  }, 90_000);
});
