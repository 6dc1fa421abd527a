// Issue 5 (test-run slice): a test run of an instance flow stores its execution and queue job in one transaction;
// the worker runs it with the engine (state in PostgreSQL) and stores step results, logs and the outcome.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let instanceId: string;
let closedPort: number;

const trigger = `      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

function yaml(): string {
  return `definitionVersion: 7
name: Order Counter
description: Counts and logs orders
endpointType: flow_specific
requiredConfigVars:
  - key: Greeting
    stableKey: greeting
    dataType: string
    defaultValue: hello
    orgOnly: false
configPages:
  - name: Settings
    userLevelConfigured: false
    elements:
      - type: configVar
        value: Greeting
flows:
  - name: Process Orders
    stableKey: process-orders
    description: Counts runs, logs each item, sums in code
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}      - name: Count Runs
        action: {key: incrementInstanceValue, component: {key: persist-data, version: LATEST, isPublic: true}}
        inputs:
          keyInput: {type: value, value: runs}
      - name: Each Item
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items: {type: reference, value: integrationTrigger.results.body.data.items}
        steps:
          - name: Log Item
            action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
            inputs:
              level: {type: value, value: info}
              message: {type: template, value: "{{#Greeting}} item {{$eachItem.currentItem.name}} at {{$eachItem.index}}"}
      - name: Sum Quantities
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const items = stepResults.integrationTrigger.results.body.data.items;
                return { data: { total: items.reduce((sum, item) => sum + item.qty, 0), runs: stepResults.countRuns.results } };
              };
  - name: Call Closed Port
    stableKey: call-closed-port
    description: Fails
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}      - name: Fetch
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: configVar, value: Greeting}
`;
}

async function freePortThenClose(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function testRun(flow: string, body: unknown, expected = 202) {
  const answer = await server.api(
    'POST',
    `/api/instances/${instanceId}/flows/${encodeURIComponent(flow)}/test`,
    {
      body,
    },
  );
  expect(answer.status, answer.text).toBe(expected);
  return answer.body;
}

async function finished(executionId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await server.api('GET', `/api/executions/${executionId}`);
    expect(answer.status, answer.text).toBe(200);
    if (!['queued', 'running'].includes(answer.body.status)) return answer.body;
    if (Date.now() > deadline)
      throw new Error(`execution ${executionId} still ${answer.body.status} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function counts(): Promise<{ executions: number; jobs: number }> {
  const [row] = await sqlQuery<{ executions: number; jobs: number }>(
    server,
    `select (select count(*)::int from executions) as executions,
            (select count(*)::int from graphile_worker.jobs) as jobs`,
  );
  return row!;
}

/** Imports and publishes the definition, creates a customer and an instance of it; returns the instance id. */
async function deploy(target: TestServer): Promise<string> {
  const imported = await target.api('POST', '/api/integrations/import', { body: { definition: yaml() } });
  expect(imported.status, imported.text).toBe(201);
  const published = await target.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await target.api('POST', '/api/customers', { body: { name: 'Acme' } });
  expect(customer.status, customer.text).toBe(201);
  const instance = await target.api('POST', '/api/instances', {
    body: { customerId: customer.body.id, integrationId: imported.body.id, name: 'Acme Orders' },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id;
}

beforeAll(async () => {
  server = await startTestServer();
  closedPort = await freePortThenClose();
  instanceId = await deploy(server);
});

afterAll(async () => {
  await server?.stop();
});

describe('test runs', () => {
  it('runs a flow through the queue and stores its steps and logs; state persists across executions', async () => {
    const payload = {
      items: [
        { name: 'apple', qty: 2 },
        { name: 'pear', qty: 3 },
      ],
    };
    const first = await testRun('Process Orders', { payload, headers: { 'x-test': 'yes' } });
    expect(first.executionId).toMatch(/^[0-9a-f-]{36}$/);
    const one = await finished(first.executionId);
    expect(one.status, JSON.stringify(one.error)).toBe('succeeded');

    const second = await testRun('Process Orders', { payload });
    const two = await finished(second.executionId);
    expect(two).toMatchObject({
      id: second.executionId,
      status: 'succeeded',
      flow: 'Process Orders',
      instanceId,
      attempt: 1,
    });
    expect(two.startedAt).toEqual(expect.any(String));
    expect(two.finishedAt).toEqual(expect.any(String));
    expect(two.durationMs).toBeGreaterThanOrEqual(0);
    expect(one.steps.countRuns).toBe(1);
    expect(two.steps.countRuns).toBe(2);
    expect(two.steps.sumQuantities).toEqual({ total: 5, runs: 2 });
    expect(one.steps.integrationTrigger.body).toEqual({ data: payload, contentType: 'application/json' });
    expect(one.steps.integrationTrigger.headers).toMatchObject({ 'x-test': 'yes' });
    const keys = two.stepRecords.map((record: { key: string }) => record.key);
    expect(keys).toContain('eachItem');
    expect(two.stepRecords.find((record: { key: string }) => record.key === 'eachItem').iterations).toBe(2);
    expect(
      two.logs
        .filter((entry: { stepKey?: string }) => entry.stepKey === 'logItem')
        .map((entry: { level: string; message: string }) => [entry.level, entry.message]),
    ).toEqual([
      ['info', 'hello item apple at 0'],
      ['info', 'hello item pear at 1'],
    ]);
    const [state] = await sqlQuery(
      server,
      'select scope, state from instance_state where instance_id = $1 and scope like $2',
      [instanceId, '%process-orders'],
    );
    // Test runs keep their own flow state (the live instance's is untouched: test-run-state.test.ts).
    expect(state).toEqual({ scope: 'testFlow:process-orders', state: { runs: 2 } });
  });

  it('a failing step ends the execution failed with the step error', async () => {
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { Greeting: `http://127.0.0.1:${closedPort}/nothing` } },
    });
    expect(configured.status, configured.text).toBe(200);
    const { executionId } = await testRun('Call Closed Port', {});
    const execution = await finished(executionId);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ stepKey: 'fetch', message: expect.any(String) });
    const fetch = execution.stepRecords.find((record: { key: string }) => record.key === 'fetch');
    expect(fetch.status).toBe('failed');
    expect(fetch.attempts[0].error).toMatchObject({ message: expect.any(String) });
    await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { Greeting: 'hello' } },
    });
  });

  it('an unknown flow or a paused instance creates neither an execution nor a job', async () => {
    const before = await counts();
    const unknown = await testRun('No Such Flow', { payload: {} }, 404);
    expect(unknown.error.code).toBe('FLOW_NOT_FOUND');
    expect(unknown.error.message).toContain("'Process Orders'");
    expect(unknown.error.details.flows).toEqual(['Process Orders', 'Call Closed Port']);

    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    const paused = await testRun('Process Orders', { payload: {} }, 409);
    expect(paused.error.code).toBe('INSTANCE_PAUSED');
    expect((await server.api('POST', `/api/instances/${instanceId}/unpause`)).status).toBe(200);

    const missing = await server.api(
      'POST',
      '/api/instances/00000000-0000-0000-0000-000000000000/flows/X/test',
      {
        body: {},
      },
    );
    expect(missing.body.error.code).toBe('INSTANCE_NOT_FOUND');
    expect(await counts()).toEqual(before);
  });
});

describe('permissions and organizations', () => {
  it('viewers read but cannot test-run; another organization sees 404', async () => {
    const viewer = await tokenWithRole(server, 'viewer');
    const { executionId } = await testRun('Process Orders', { payload: { items: [] } });
    await finished(executionId);
    expect((await server.api('GET', `/api/executions/${executionId}`, { token: viewer })).status).toBe(200);
    const refused = await server.api('POST', `/api/instances/${instanceId}/flows/Process%20Orders/test`, {
      token: viewer,
      body: {},
    });
    expect(refused.status).toBe(403);

    const other = await createOrganization(server.weft.database.db, { name: 'Executions Other Org' });
    const hidden = await server.api('GET', `/api/executions/${executionId}`, { token: other.ownerToken });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('EXECUTION_NOT_FOUND');
    const notUuid = await server.api('GET', '/api/executions/nope');
    expect(notUuid.body.error.code).toBe('EXECUTION_NOT_FOUND');
  });
});

describe('with no worker running', () => {
  it('an accepted test run has its execution row and its job, keyed by the execution id; a refused one neither', async () => {
    const apiOnly = await startTestServer({ WEFT_ROLES: 'api' });
    try {
      const id = await deploy(apiOnly);
      const jobs = () =>
        sqlQuery<{ key: string | null; payload: { executionId: string } }>(
          apiOnly,
          `select j.key, j.payload from graphile_worker._private_jobs j
             join graphile_worker._private_tasks t on t.id = j.task_id
            where t.identifier = 'run-execution'`,
        );
      const refused = await apiOnly.api('POST', `/api/instances/${id}/flows/Nope/test`, { body: {} });
      expect(refused.status).toBe(404);
      expect(await sqlQuery(apiOnly, 'select id from executions')).toEqual([]);
      expect(await jobs()).toEqual([]);

      const answer = await apiOnly.api('POST', `/api/instances/${id}/flows/Process%20Orders/test`, {
        body: { payload: { items: [] } },
      });
      expect(answer.status, answer.text).toBe(202);
      const { executionId } = answer.body;
      const rows = await sqlQuery(apiOnly, 'select status from executions where id = $1', [executionId]);
      expect(rows).toEqual([{ status: 'queued' }]);
      expect(await jobs()).toEqual([{ key: executionId, payload: { executionId } }]);
      const queued = await apiOnly.api('GET', `/api/executions/${executionId}`);
      expect(queued.body).toMatchObject({ status: 'queued', startedAt: null, steps: {}, logs: [] });
    } finally {
      await apiOnly.stop();
    }
  });
});
