// Spectral compatibility: a custom component and code-native integrations written against Prismatic's own SDK
// (@prismatic-io/spectral, as its docs show, nothing Weft-specific in them: test/fixtures/spectral/) are bundled
// with esbuild (Spectral inside the bundle), published or imported through the API, deployed and run. Each test
// asserts the behaviour Prismatic's docs give for the feature: custom-connectors (actions, triggers, connections,
// data sources, error handling) and integrations/code-native (flows, config wizard, persisting data, existing
// components).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderFeed, startOrderFeed } from './support/order-feed.js';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServerWithPublicUrl, type TestServer } from './support/test-server.js';
import {
  type ExecutionAnswer,
  testRun,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const acme = '{key: spectral-acme, version: LATEST, isPublic: false}';
const step = (name: string, action: string, inputs: Record<string, string> = {}, indent = '      ') => {
  const lines = Object.entries(inputs).map(([key, value]) => `${indent}    ${key}: ${value}\n`);
  return `${indent}- name: ${name}\n${indent}  action: {key: ${action}, component: ${acme}}\n${
    lines.length > 0 ? `${indent}  inputs:\n${lines.join('')}` : ''
  }`;
};
const flow = (name: string, steps: string, options: { sync?: boolean } = {}) => `  - name: ${name}
    stableKey: ${name.toLowerCase().replaceAll(' ', '-')}
    description: ${name}
    isSynchronous: ${options.sync ?? false}
    endpointSecurityType: customer_optional
    steps:
${steps}`;

/**
 * A low-code definition whose steps, triggers, connection and data source are the Spectral component's. The
 * data-source picklist has a default only because Weft refuses every value of a picklist without a static
 * pickList, and deploy needs a value (see 'takes a choice the data source listed').
 */
function suiteYaml(feedUrl: string): string {
  return `definitionVersion: 7
name: Spectral Acme Suite
description: Runs a component built with Spectral
endpointType: flow_specific
requiredConfigVars:
  - key: Region
    stableKey: region
    dataType: string
    defaultValue: eu-west
    orgOnly: false
  - key: Acme Key
    stableKey: acme-key
    dataType: connection
    connection: {key: acmeApiKey, component: ${acme}}
    orgOnly: false
  - key: Widget
    stableKey: widget
    dataType: picklist
    defaultValue: w-small
    dataSource: {key: widgets, component: ${acme}}
    inputs:
      connection: {type: configVar, value: Acme Key}
    orgOnly: false
configPages: []
flows:
${flow('Price', `${webhookTrigger}${step('Price Order', 'priceOrder', { unitPrice: '{type: value, value: "2.5"}', giftWrap: '{type: value, value: "true"}' })}`)}
${flow('Remember', `${webhookTrigger}${step('Remember Item', 'rememberItem', { item: '{type: reference, value: integrationTrigger.results.body.data.item}' })}`)}
${flow('Recall', `${webhookTrigger}${step('Read State', 'readState')}`)}
${flow(
  'Size Up',
  `${webhookTrigger}${step('Size Up', 'sizeUp', { amount: '{type: reference, value: integrationTrigger.results.body.data.amount}' })}        branches:
          - name: Big
            steps:
${step('Price Big', 'priceOrder', { unitPrice: '{type: reference, value: integrationTrigger.results.body.data.amount}', note: '{type: value, value: big}' }, '              ')}          - name: Small
            steps:
${step('Price Small', 'priceOrder', { unitPrice: '{type: reference, value: integrationTrigger.results.body.data.amount}', note: '{type: value, value: small}' }, '              ')}`,
)}
${flow('Explode', `${webhookTrigger}${step('Explode', 'explode')}${step('After Explode', 'readState')}`)}
${flow('Context', `${webhookTrigger}${step('Describe Context', 'describeContext')}`)}
${flow('Invoke Recall', `${webhookTrigger}${step('Invoke Sibling', 'invokeSibling', { flowName: '{type: value, value: Recall}' })}`)}
${flow('Check Key', `${webhookTrigger}${step('Check Key', 'checkKey', { connection: '{type: configVar, value: Acme Key}' })}`)}
${flow('Who Am I', `${webhookTrigger}${step('Who Am I', 'whoAmI', { connection: '{type: configVar, value: Acme Key}' })}`)}
${flow(
  'Receive Hook',
  `      - name: Acme Hook
        isTrigger: true
        action: {key: ackWebhook, component: ${acme}}
        inputs:
          greeting: {type: value, value: thanks}
${step('Read State', 'readState')}`,
  { sync: true },
)}
${flow(
  'Poll Orders',
  `      - name: Poll Trigger
        isTrigger: true
        action: {key: pollOrders, component: ${acme}}
        schedule: {type: value, value: "0 0 1 1 *", meta: {scheduleType: custom, timeZone: UTC}}
        inputs:
          feedUrl: {type: value, value: "${feedUrl}"}
${step('Handle Orders', 'readState')}`,
)}`;
}

let server: TestServer;
let feed: OrderFeed;

beforeAll(async () => {
  feed = await startOrderFeed();
  // Webhook URLs (GET /flows, context.webhookUrls) are built on the public URL; a worker has no request to read
  // a host from, so the server is told where callers reach it, as deployments do.
  server = await startTestServerWithPublicUrl({ WEFT_LOG_LEVEL: 'silent' });
});

afterAll(async () => {
  await server?.stop();
  await feed?.close();
});

function stepResult(execution: ExecutionAnswer, name: string): unknown {
  return execution.stepRecords.find((record: { name: string }) => record.name === name)?.result;
}

function stepNames(execution: ExecutionAnswer): string[] {
  return execution.stepRecords.map((record: { name: string }) => record.name);
}

/** Publishes the integration, creates a customer and an instance of it; returns the instance id. */
async function newInstance(integrationId: string, customerName: string): Promise<string> {
  const published = await server.api('POST', `/api/integrations/${integrationId}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await server.api('POST', '/api/customers', { body: { name: customerName } });
  expect(customer.status, customer.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId: customer.body.id, integrationId, name: `${customerName} instance` },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id as string;
}

async function deploy(instanceId: string): Promise<Record<string, string>> {
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  for (const execution of deployed.body.deployExecutions ?? []) await waitForExecution(server, execution.id);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  expect(flows.status, flows.text).toBe(200);
  return Object.fromEntries(
    flows.body.flows.map((f: { flow: string; webhookUrl: string }) => [f.flow, f.webhookUrl]),
  );
}

async function run(instanceId: string, flowName: string, payload: unknown = {}): Promise<ExecutionAnswer> {
  return waitForExecution(server, await testRun(server, instanceId, flowName, payload), {
    timeoutMs: 30_000,
  });
}

function succeeded(execution: ExecutionAnswer): ExecutionAnswer {
  expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
  return execution;
}

describe('a custom component built with Spectral', () => {
  const customer = 'Spectral Co';
  const apiKey = 'acme-live-6c1f0b9e27d4';
  let instanceId: string;
  let urls: Record<string, string>;

  beforeAll(async () => {
    const published = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSpectralFixture('acme-component.ts'), comment: 'built with Spectral' },
    });
    expect(published.status, published.text).toBe(201);
    const imported = await server.api('POST', '/api/integrations/import', {
      body: { definition: suiteYaml(feed.url) },
    });
    expect(imported.status, imported.text).toBe(201);
    instanceId = await newInstance(imported.body.id, customer);
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: {
        values: {
          Region: 'ap-south',
          'Acme Key': { apiKey, baseUrl: 'https://acme.example' },
        },
      },
    });
    expect(configured.status, configured.text).toBe(200);
    urls = await deploy(instanceId);
  });

  it('is published with its actions, triggers, data source and connection read off the bundle', async () => {
    const version = await server.api('GET', '/api/components/spectral-acme/versions/LATEST');
    expect(version.status, version.text).toBe(200);
    const { manifest } = version.body;
    expect(Object.keys(manifest.actions).sort()).toEqual([
      'checkKey',
      'describeContext',
      'explode',
      'invokeSibling',
      'priceOrder',
      'readState',
      'rememberItem',
      'sizeUp',
      'whoAmI',
    ]);
    expect(manifest.actions.sizeUp).toMatchObject({ kind: 'branch', staticBranchNames: ['Big', 'Small'] });
    expect(manifest.actions.priceOrder.inputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'quantity', default: '3' })]),
    );
    expect(Object.keys(manifest.triggers).sort()).toEqual(['ackWebhook', 'pollOrders']);
    expect(manifest.triggers.pollOrders).toMatchObject({
      isPollingTrigger: true,
      scheduleSupport: 'required',
    });
    expect(manifest.triggers.ackWebhook).toMatchObject({ hasOnInstanceDeploy: true });
    expect(manifest.dataSources.widgets).toMatchObject({ dataSourceType: 'picklist' });
    expect(manifest.connections.acmeApiKey.inputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'apiKey', type: 'password' })]),
    );
  });

  it('runs clean functions on inputs and fills in input defaults (util.types.toNumber, toBool, toString)', async () => {
    const execution = succeeded(await run(instanceId, 'Price'));
    expect(stepResult(execution, 'Price Order')).toEqual({
      total: 12.5,
      quantity: 3,
      unitPrice: 2.5,
      giftWrap: true,
      note: 'no note',
      types: ['number', 'number', 'boolean', 'string'],
    });
  });

  it('keeps the instanceState and crossFlowState an action returns for later executions', async () => {
    const first = succeeded(await run(instanceId, 'Remember', { item: 'anvil' }));
    expect(stepResult(first, 'Remember Item')).toEqual({ before: { seen: [], count: 0 } });
    const second = succeeded(await run(instanceId, 'Remember', { item: 'rocket' }));
    expect(stepResult(second, 'Remember Item')).toEqual({ before: { seen: ['anvil'], count: 1 } });
    // Another flow sees the cross-flow state, not the other flow's instanceState (which is per flow).
    const recall = succeeded(await run(instanceId, 'Recall'));
    const seen = stepResult(recall, 'Read State') as {
      instanceState: Record<string, unknown>;
      crossFlowState: Record<string, unknown>;
    };
    expect(seen.instanceState).toEqual({});
    expect(seen.crossFlowState).toMatchObject({ count: 2, lastItem: 'rocket' });
  });

  it('follows the branch a branching action returns (allowsBranching, staticBranchNames, { branch })', async () => {
    const big = succeeded(await run(instanceId, 'Size Up', { amount: '250' }));
    expect(big.stepRecords.find((r: { name: string }) => r.name === 'Size Up')).toMatchObject({
      branch: 'Big',
      result: { amount: 250 },
    });
    expect(stepNames(big)).toContain('Price Big');
    expect(stepNames(big)).not.toContain('Price Small');
    expect(stepResult(big, 'Price Big')).toMatchObject({ total: 750, note: 'big' });

    const small = succeeded(await run(instanceId, 'Size Up', { amount: 7 }));
    expect(stepNames(small)).toContain('Price Small');
    expect(stepNames(small)).not.toContain('Price Big');
  });

  it('fails the execution with the error the action throws (through hooks.error), and runs no later step', async () => {
    const execution = await run(instanceId, 'Explode');
    expect(execution.status).toBe('failed');
    // The component's hooks.error handler rewrote it, as on Prismatic.
    expect(execution.error.message).toContain('Spectral Acme: Acme refused order 42: credit limit exceeded');
    expect(execution.stepRecords.find((r: { name: string }) => r.name === 'Explode')?.status).toBe('failed');
    expect(stepNames(execution)).not.toContain('After Explode');
  });

  let contextExecution: ExecutionAnswer;

  it('gives an action the context Spectral documents: customer, instance, flow, ids, config, logger', async () => {
    contextExecution = succeeded(await run(instanceId, 'Context'));
    const context = stepResult(contextExecution, 'Describe Context') as Record<string, unknown>;
    expect(context).toMatchObject({
      customer: { name: customer },
      instance: { id: instanceId, name: `${customer} instance` },
      flow: { name: 'Context' },
      executionId: contextExecution.id,
      region: 'ap-south',
      integrationName: 'Spectral Acme Suite',
      hasDebug: true,
      hasInvokeFlow: true,
    });
    expect((context.customer as { id: unknown }).id).toEqual(expect.any(String));
    expect((context.customer as { id: string }).id).not.toBe('');
    expect(context.stepId).toEqual(expect.any(String));
    const logs = contextExecution.logs.map((line: { level: string; message: string }) => [
      line.level,
      line.message,
    ]);
    expect(logs).toEqual(
      expect.arrayContaining([
        ['info', `info line for ${customer}`],
        ['warn', 'warn line from describeContext'],
        ['error', 'error line from describeContext'],
      ]),
    );
  });

  it("gives an action the instance's webhook URLs by flow name (context.webhookUrls)", async () => {
    const context = stepResult(contextExecution, 'Describe Context') as Record<string, unknown>;
    expect(context.ownWebhookUrl).toBe(urls.Context);
    expect(context.webhookUrls).toEqual(urls);
  });

  it('invokes a sibling flow by name with context.invokeFlow', async () => {
    const execution = succeeded(await run(instanceId, 'Invoke Recall'));
    const invoked = stepResult(execution, 'Invoke Sibling') as { status: number; executionId: string };
    expect(invoked.status).toBe(200);
    expect(invoked.executionId).toEqual(expect.any(String));
    const recall = succeeded(await waitForExecution(server, invoked.executionId));
    expect(recall.flow).toBe('Recall');
    expect(stepResult(recall, 'Integration Trigger')).toMatchObject({
      body: { data: { from: 'Invoke Recall' } },
    });
  });

  it("passes a connection input the instance's connection (key and fields), its secret masked in results", async () => {
    const execution = succeeded(await run(instanceId, 'Who Am I'));
    expect(stepResult(execution, 'Who Am I')).toEqual({
      key: 'acmeApiKey',
      baseUrl: 'https://acme.example',
      apiKeyLength: apiKey.length,
      apiKeyStart: apiKey.slice(0, 4),
    });
  });

  it("answers a synchronous webhook with the trigger's custom response, and the flow goes on with its payload", async () => {
    const answer = await fetch(urls['Receive Hook']!, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-confirmation-code': 'c0nf1rm' },
      body: 'id,item\n1,anvil\n',
    });
    expect(await answer.text()).toBe('thanks c0nf1rm');
    expect(answer.status).toBe(202);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(answer.headers.get('x-confirmation-code')).toBe('c0nf1rm');
    expect(answer.headers.get('x-acme-flow')).toBe('Receive Hook');
    const executionId = answer.headers.get('x-weft-execution-id');
    expect(executionId).toEqual(expect.any(String));
    const execution = succeeded(await waitForExecution(server, executionId!));
    expect(stepResult(execution, 'Acme Hook')).toMatchObject({
      body: { data: { lines: ['id,item', '1,anvil'], code: 'c0nf1rm' } },
    });
    expect(stepNames(execution)).toContain('Read State');
    expect(execution.logs.map((line: { message: string }) => line.message)).toContain(
      'acknowledging c0nf1rm',
    );
  });

  it("ran the trigger's onInstanceDeploy at deploy: the crossFlowState it returned is there", async () => {
    const execution = succeeded(await run(instanceId, 'Recall'));
    const seen = stepResult(execution, 'Read State') as { crossFlowState: Record<string, unknown> };
    expect(seen.crossFlowState).toMatchObject({ 'Receive Hook-webhook-id': `hook-for-${customer} instance` });
  });

  it('keeps polling state between executions (context.polling) and ends a poll with no changes successfully', async () => {
    feed.orders.push({ id: 1, item: 'anvil' }, { id: 2, item: 'rocket' });
    const first = succeeded(await run(instanceId, 'Poll Orders'));
    expect(stepResult(first, 'Poll Trigger')).toMatchObject({
      body: {
        data: [
          { id: 1, item: 'anvil' },
          { id: 2, item: 'rocket' },
        ],
      },
    });
    expect(stepNames(first)).toEqual(['Poll Trigger', 'Handle Orders']);

    // Nothing new: `polledNoChanges: true` stops the execution after the trigger, successfully.
    const unchanged = succeeded(await run(instanceId, 'Poll Orders'));
    expect(stepNames(unchanged)).toEqual(['Poll Trigger']);

    feed.orders.push({ id: 3, item: 'magnet' });
    const third = succeeded(await run(instanceId, 'Poll Orders'));
    expect(stepResult(third, 'Poll Trigger')).toMatchObject({ body: { data: [{ id: 3, item: 'magnet' }] } });
    expect(stepNames(third)).toEqual(['Poll Trigger', 'Handle Orders']);
    // The cursor each poll set with context.polling.setState was what the next one read with getState.
    expect(feed.sinceSeen).toEqual(['0', '2', '2']);
  });

  it("runs a config variable's data source (picklist) with the instance's connection", async () => {
    for (const name of ['Widget', 'widget']) {
      const answer = await server.api('GET', `/api/instances/${instanceId}/data-sources/${name}`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({
        configVar: 'Widget',
        dataSourceType: 'picklist',
        result: [
          { label: 'Small widget (https://acme.example)', key: 'w-small' },
          { label: `Large widget for ${customer}`, key: 'w-large' },
        ],
        supplementalData: { data: { apiKeyLength: apiKey.length }, contentType: 'application/json' },
      });
    }
  });

  it('takes a choice the data source listed as the value of its picklist config variable', async () => {
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { Widget: 'w-large' } },
    });
    expect(configured.status, configured.text).toBe(200);
  });

  it("marks the instance's connection as failing when an action throws a ConnectionError", async () => {
    const execution = await run(instanceId, 'Check Key');
    expect(execution.status).toBe('failed');
    expect(execution.error.message).toContain('Invalid Acme credentials have been configured.');
    const connections = await server.api('GET', `/api/instances/${instanceId}/connections`);
    expect(connections.status, connections.text).toBe(200);
    const acmeKey = connections.body.items.find(
      (item: { configVar: string }) => item.configVar === 'Acme Key',
    );
    expect(acmeKey.connection).toMatchObject({ status: 'error' });
    expect(acmeKey.connection.statusMessage).toContain('Invalid Acme credentials have been configured.');
  });
});

describe('a code-native integration built with Spectral', () => {
  const customer = 'Native Co';
  let instanceId: string;
  let urls: Record<string, string>;

  beforeAll(async () => {
    const imported = await server.api('POST', '/api/integrations/import', {
      body: { bundle: await bundleSpectralFixture('orders-integration.ts'), fileName: 'dist/index.js' },
    });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.body).toMatchObject({ name: 'Spectral Orders', isCodeNative: true, flowCount: 3 });
    instanceId = await newInstance(imported.body.id, customer);
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { 'Warehouse Code': 'WH-42' } },
    });
    expect(configured.status, configured.text).toBe(200);
    urls = await deploy(instanceId);
  });

  let syncExecution: ExecutionAnswer;

  it('runs onExecution after the generic webhook trigger, with config variables (set and default)', async () => {
    syncExecution = succeeded(await run(instanceId, 'Sync Orders', [{ id: 7 }, { id: 9 }]));
    expect(stepResult(syncExecution, 'On Execution')).toMatchObject({
      warehouse: 'WH-42',
      batchSize: 25,
      customer,
      flow: 'Sync Orders',
    });
  });

  it("gives onExecution the generic webhook trigger's payload as params.onTrigger.results", async () => {
    expect(stepResult(syncExecution, 'On Execution')).toMatchObject({ orderIds: [7, 9] });
    expect(syncExecution.logs.map((line: { message: string }) => line.message)).toContain(
      'sending 2 orders to WH-42',
    );
  });

  let acknowledgeExecutionId: string;

  it("answers a synchronous flow's caller with the response its onTrigger returns", async () => {
    const answer = await fetch(urls.Acknowledge!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challenge: 'xyzzy' }),
    });
    expect(await answer.json()).toEqual({ challenge: 'xyzzy', warehouse: 'WH-42' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('x-warehouse')).toBe('WH-42');
    acknowledgeExecutionId = answer.headers.get('x-weft-execution-id')!;
    expect(acknowledgeExecutionId).toEqual(expect.any(String));
    succeeded(await waitForExecution(server, acknowledgeExecutionId));
  });

  it('gives onExecution the payload its onTrigger returned, as params.onTrigger.results', async () => {
    const execution = succeeded(await waitForExecution(server, acknowledgeExecutionId));
    expect(stepResult(execution, 'On Trigger')).toMatchObject({
      body: { data: { challenge: 'xyzzy', parsed: true } },
    });
    expect(stepResult(execution, 'On Execution')).toEqual({ seen: { challenge: 'xyzzy', parsed: true } });
  });

  it('keeps state onExecution sets in place on context.instanceState and context.crossFlowState', async () => {
    const first = succeeded(await run(instanceId, 'Count Runs'));
    expect(stepResult(first, 'On Execution')).toEqual({ runsBefore: 0, allRunsBefore: 0 });
    const second = succeeded(await run(instanceId, 'Count Runs'));
    expect(stepResult(second, 'On Execution')).toEqual({ runsBefore: 1, allRunsBefore: 1 });
  });
});

describe('what Weft cannot do for a Spectral integration says so', () => {
  it("calls an existing component's action through context.components, or fails naming context.components", async () => {
    // The component the registry names is the one published above (spectral-acme, private).
    const imported = await server.api('POST', '/api/integrations/import', {
      body: { bundle: await bundleSpectralFixture('registry-integration.ts') },
    });
    expect(imported.status, imported.text).toBe(201);
    const instanceId = await newInstance(imported.body.id, 'Registry Co');
    await deploy(instanceId);
    const execution = await run(instanceId, 'Price With Component');
    if (execution.status === 'succeeded') {
      // Prismatic's behaviour: the action runs and answers what its perform returned.
      expect(stepResult(execution, 'On Execution')).toMatchObject({
        priced: { data: { total: 10, quantity: 4, unitPrice: 2.5 } },
      });
    } else {
      expect(execution.error.message).toContain('context.components');
    }
  });
});
