// Issue 13 (webhooks): shared endpoints (one URL for every customer of an integration, routed to the customer's
// instance by externalCustomerIdField and to the flow by flowNameField), the version whose endpoint configuration
// routes them, preprocess flows on shared and instance-specific endpoints, and every routing error, over real HTTP.
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

/** A flow that records who and what it ran for. */
const recordingFlow = (name: string) =>
  exportFlow({
    name,
    steps: [
      webhookTriggerStep(),
      codeStep(
        'Record',
        'return { data: { flow: context.flow.name, customer: context.customer.externalId, instance: context.instance.name, data: stepResults.integrationTrigger.results.body.data } };',
      ),
    ],
  });

const routerYaml = (flowNameField: string) =>
  exportIntegration({
    name: 'Acme ERP Router',
    endpointType: 'shared_instance',
    externalCustomerIdField: 'headers.x-customer-id',
    flowNameField,
    flows: [recordingFlow('Update Inventory'), recordingFlow('Create Order')],
  });

const send = postJson;

async function executionCount(): Promise<number> {
  const [row] = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
  return row!.n;
}

/** Sends a request that must be refused: answers the error, and checks no execution was created. */
async function refused(url: string, body: unknown, headers: Record<string, string> = {}) {
  const before = await executionCount();
  const answer = await send(url, body, headers);
  expect(answer.body?.error, JSON.stringify(answer.body)).toBeDefined();
  expect(await executionCount()).toBe(before);
  // biome-ignore lint/suspicious/noExplicitAny: error details of several shapes
  type Refusal = { code: string; message: string; details: any };
  return { status: answer.status, ...(answer.body.error as Refusal) };
}

let routerId: string;
let sharedUrl: string;
const customers: Record<string, string> = {};
const instances: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ WEFT_SYNC_TIMEOUT_MS: '5000' });
  customers.alpha = await customerWith(server, 'Alpha Corp', 'alpha-1');
  customers.beta = await customerWith(server, 'Beta Corp', 'beta-2');
  customers.gamma = await customerWith(server, 'Gamma Corp', 'gamma-3');
  customers.delta = await customerWith(server, 'Delta Corp', 'delta-4');
  routerId = await importAndPublish(server, routerYaml('results.body.data.flow'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('shared endpoints', () => {
  it("shows the integration's shared URL, which answers 404 until an instance is deployed", async () => {
    const integration = await server.api('GET', `/api/integrations/${routerId}`);
    expect(integration.status, integration.text).toBe(200);
    sharedUrl = integration.body.sharedWebhookUrl;
    expect(sharedUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger\/[0-9a-f]{64}$/);
    const error = await refused(sharedUrl, { flow: 'Update Inventory' }, { 'x-customer-id': 'alpha-1' });
    expect(error.status).toBe(404);
    expect(error.code).toBe('WEBHOOK_NOT_FOUND');
    expect(error.message).toContain('No instance of this integration is deployed');
  });

  it('gives every flow of every instance the one shared URL', async () => {
    instances.alpha = await deployedInstance(server, routerId, customers.alpha!, 'Alpha ERP');
    instances.beta = await deployedInstance(server, routerId, customers.beta!, 'Beta ERP');
    for (const id of [instances.alpha, instances.beta]) {
      const flows = await server.api('GET', `/api/instances/${id}/flows`);
      expect(flows.status, flows.text).toBe(200);
      expect(flows.body.endpointType).toBe('shared_instance');
      expect(flows.body.sharedWebhookUrl).toBe(sharedUrl);
      expect(flows.body.flows.map((flow: { webhookUrl: string }) => flow.webhookUrl)).toEqual([
        sharedUrl,
        sharedUrl,
      ]);
    }
  });

  it("routes by the customer header and the body's flow name to the right instance and flow", async () => {
    const toAlpha = await send(
      sharedUrl,
      { flow: 'Update Inventory', sku: 'A-1' },
      { 'x-customer-id': 'alpha-1' },
    );
    expect(toAlpha.status, JSON.stringify(toAlpha.body)).toBe(200);
    expect(toAlpha.body.executionId).toBe(toAlpha.executionId);
    const toBeta = await send(sharedUrl, { flow: 'Create Order', order: 7 }, { 'X-Customer-Id': 'beta-2' });
    expect(toBeta.status, JSON.stringify(toBeta.body)).toBe(200);

    const alphaRun = await waitForExecution(server, toAlpha.body.executionId);
    expect(alphaRun).toMatchObject({
      status: 'succeeded',
      instanceId: instances.alpha,
      flow: 'Update Inventory',
    });
    expect(alphaRun.steps.record).toEqual({
      flow: 'Update Inventory',
      customer: 'alpha-1',
      instance: 'Alpha ERP',
      data: { flow: 'Update Inventory', sku: 'A-1' },
    });
    const betaRun = await waitForExecution(server, toBeta.body.executionId);
    expect(betaRun).toMatchObject({ status: 'succeeded', instanceId: instances.beta, flow: 'Create Order' });
    expect(betaRun.steps.record.customer).toBe('beta-2');
  });

  it('refuses a request that names no customer, an unknown customer, or a customer without an instance', async () => {
    const unnamed = await refused(sharedUrl, { flow: 'Create Order' });
    expect(unnamed).toMatchObject({ status: 400, code: 'WEBHOOK_CUSTOMER_NOT_ROUTED' });
    expect(unnamed.message).toContain('headers.x-customer-id');

    const unknown = await refused(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'nobody-9' });
    expect(unknown).toMatchObject({ status: 404, code: 'WEBHOOK_INSTANCE_NOT_FOUND' });
    expect(unknown.message).toContain("'nobody-9'");

    // A customer that exists but has no instance gets the very same answer: anyone can call a shared URL, so it
    // never tells which customers exist.
    const none = await refused(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'gamma-3' });
    expect(none).toMatchObject({ status: 404, code: 'WEBHOOK_INSTANCE_NOT_FOUND' });
    expect(none.message).toBe(unknown.message.replace('nobody-9', 'gamma-3'));
    expect(JSON.stringify(none)).not.toContain('Gamma Corp');
  });

  it('quotes back at most 120 characters of a flow name or customer id, however long the request made it', async () => {
    const flow = await refused(sharedUrl, { flow: 'F'.repeat(200_000) }, { 'x-customer-id': 'alpha-1' });
    expect(flow).toMatchObject({ status: 400, code: 'WEBHOOK_FLOW_NOT_ROUTED' });
    expect(flow.message).toContain(`'${'F'.repeat(120)}…'`);
    expect(JSON.stringify(flow).length).toBeLessThan(1000);
    const customer = await refused(
      sharedUrl,
      { flow: 'Create Order' },
      { 'x-customer-id': 'c'.repeat(5000) },
    );
    expect(customer).toMatchObject({ status: 404, code: 'WEBHOOK_INSTANCE_NOT_FOUND' });
    expect(JSON.stringify(customer).length).toBeLessThan(1000);
  });

  it('refuses an unknown flow or none named, listing the flows', async () => {
    const unknown = await refused(sharedUrl, { flow: 'Ship It' }, { 'x-customer-id': 'alpha-1' });
    expect(unknown).toMatchObject({ status: 400, code: 'WEBHOOK_FLOW_NOT_ROUTED' });
    expect(unknown.message).toContain("'Ship It' (from results.body.data.flow) is not a flow");
    expect(unknown.details.flows).toEqual(['Update Inventory', 'Create Order']);
    const unnamed = await refused(sharedUrl, { sku: 1 }, { 'x-customer-id': 'alpha-1' });
    expect(unnamed).toMatchObject({ status: 400, code: 'WEBHOOK_FLOW_NOT_ROUTED' });
    expect(unnamed.message).toContain('does not name a flow');
  });

  it('refuses a customer with several running instances without naming them; pausing all but one resolves it', async () => {
    const first = await deployedInstance(server, routerId, customers.delta!, 'Delta ERP East');
    const second = await deployedInstance(server, routerId, customers.delta!, 'Delta ERP West');
    const ambiguous = await refused(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'delta-4' });
    expect(ambiguous).toMatchObject({ status: 404, code: 'WEBHOOK_INSTANCE_NOT_FOUND' });
    for (const secret of ['Delta ERP', first, second])
      expect(JSON.stringify(ambiguous)).not.toContain(secret);

    expect((await server.api('POST', `/api/instances/${second}/pause`)).status).toBe(200);
    const routed = await send(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'delta-4' });
    expect(routed.status).toBe(200);
    expect((await waitForExecution(server, routed.body.executionId)).instanceId).toBe(first);
  });

  it("answers the same 404 when the customer's instance is paused, naming no instance", async () => {
    expect((await server.api('POST', `/api/instances/${instances.alpha}/pause`)).status).toBe(200);
    const paused = await refused(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'alpha-1' });
    expect(paused).toMatchObject({ status: 404, code: 'WEBHOOK_INSTANCE_NOT_FOUND' });
    expect(JSON.stringify(paused)).not.toContain(String(instances.alpha));
    expect((await server.api('POST', `/api/instances/${instances.alpha}/unpause`)).status).toBe(200);
  });

  it('is routed by the endpoint configuration of the newest version deployed to any customer', async () => {
    // Version 2 reads the flow name from a header; only Beta runs it. Alpha, still on version 1, is routed by it too.
    await importAndPublish(server, routerYaml('headers.x-flow'), routerId);
    const upgraded = await server.api('POST', `/api/instances/${instances.beta}/upgrade`, {
      body: { versionNumber: 2 },
    });
    expect(upgraded.status, upgraded.text).toBe(200);
    const byHeader = await send(
      sharedUrl,
      { sku: 'B-2' },
      { 'x-customer-id': 'alpha-1', 'x-flow': 'Create Order' },
    );
    expect(byHeader.status, JSON.stringify(byHeader.body)).toBe(200);
    const run = await waitForExecution(server, byHeader.body.executionId);
    expect(run).toMatchObject({ instanceId: instances.alpha, flow: 'Create Order', status: 'succeeded' });
    const byBody = await refused(sharedUrl, { flow: 'Create Order' }, { 'x-customer-id': 'alpha-1' });
    expect(byBody).toMatchObject({ status: 400, code: 'WEBHOOK_FLOW_NOT_ROUTED' });
    expect(byBody.details.flowNameField).toBe('headers.x-flow');

    // Beta back on version 1: version 1 is again the newest deployed one, and routes by the body.
    const back = await server.api('POST', `/api/instances/${instances.beta}/upgrade`, {
      body: { versionNumber: 1 },
    });
    expect(back.status, back.text).toBe(200);
    const again = await send(sharedUrl, { flow: 'Update Inventory' }, { 'x-customer-id': 'beta-2' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it('needs no flow name for a single-flow integration, routed by a customer id in the body', async () => {
    const id = await importAndPublish(
      server,
      exportIntegration({
        name: 'Acme Pings',
        endpointType: 'shared_instance',
        externalCustomerIdField: 'integrationTrigger.results.body.data.customerId',
        flowNameField: '',
        flows: [recordingFlow('Receive Ping')],
      }),
    );
    await deployedInstance(server, id, customers.alpha!, 'Alpha Pings');
    const betaPings = await deployedInstance(server, id, customers.beta!, 'Beta Pings');
    const url = (await server.api('GET', `/api/integrations/${id}`)).body.sharedWebhookUrl as string;
    expect(url).not.toBe(sharedUrl);
    const answer = await send(url, { customerId: 'beta-2', ping: true });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const run = await waitForExecution(server, answer.body.executionId);
    expect(run).toMatchObject({ status: 'succeeded', instanceId: betaPings, flow: 'Receive Ping' });
    expect(run.steps.record.data).toEqual({ customerId: 'beta-2', ping: true });
  });
});

describe('preprocess flow on a shared endpoint', () => {
  const preprocessYaml = exportIntegration({
    name: 'Acme Shared Preprocess',
    endpointType: 'shared_instance',
    preprocessFlowName: 'Preprocess',
    externalCustomerIdField: 'results.customerExternalId',
    flowNameField: 'results.flowName',
    flows: [
      exportFlow({
        name: 'Preprocess',
        steps: [
          webhookTriggerStep(),
          codeStep(
            'Map Request',
            `const body = stepResults.integrationTrigger.results.body.data;
             const customers = { A06DFFAC: 'alpha-1', C3E72B0C: 'beta-2' };
             const flows = { inventory_update: 'Update Inventory', create_order: 'Create Order' };
             if (!flows[body.type]) throw new Error('unknown webhook type ' + body.type);
             context.logger.info('mapped ' + body.customerId);
             return { data: { customerExternalId: customers[body.customerId], flowName: flows[body.type] } };`,
          ),
          codeStep(
            'Check Account',
            `if (stepResults.integrationTrigger.results.body.data.strict) return { data: context.configVars['Acme Connection'].fields.account };
             return { data: stepResults.mapRequest.results };`,
          ),
        ],
      }),
      recordingFlow('Update Inventory'),
      recordingFlow('Create Order'),
    ],
  });
  let url: string;
  let betaInstance: string;

  beforeAll(async () => {
    const id = await importAndPublish(server, preprocessYaml);
    await deployedInstance(server, id, customers.alpha!, 'Alpha Preprocessed');
    betaInstance = await deployedInstance(server, id, customers.beta!, 'Beta Preprocessed');
    url = (await server.api('GET', `/api/integrations/${id}`)).body.sharedWebhookUrl;
  });

  it('routes by the customer and flow its last step names, and keeps its run on the routed execution', async () => {
    const answer = await send(url, { customerId: 'C3E72B0C', type: 'create_order', order: 75 });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const run = await waitForExecution(server, answer.body.executionId);
    expect(run).toMatchObject({ status: 'succeeded', instanceId: betaInstance, flow: 'Create Order' });
    // The routed flow gets the request as sent.
    expect(run.steps.record.data).toEqual({ customerId: 'C3E72B0C', type: 'create_order', order: 75 });
    expect(run.preprocess).toMatchObject({
      flow: 'Preprocess',
      status: 'succeeded',
      ranForInstance: false,
      result: { customerExternalId: 'beta-2', flowName: 'Create Order' },
    });
    expect(run.preprocess.stepRecords.map((record: { key: string }) => record.key)).toEqual([
      'integrationTrigger',
      'mapRequest',
      'checkAccount',
    ]);
    expect(run.preprocess.logs.map((line: { message: string }) => line.message)).toContain('mapped C3E72B0C');
  });

  it('answers 422 naming the step and its message when the preprocess flow fails; nothing is stored', async () => {
    const failed = await refused(url, { customerId: 'A06DFFAC', type: 'refund' });
    expect(failed).toMatchObject({ status: 422, code: 'WEBHOOK_PREPROCESS_FAILED' });
    expect(failed.message).toContain("at step 'Map Request'");
    expect(failed.message).toContain('unknown webhook type refund');
    expect(failed.details).toMatchObject({ flow: 'Preprocess', stepName: 'Map Request' });
  });

  it('says so when a shared preprocess flow fails reading config variables it does not have', async () => {
    const failed = await refused(url, { customerId: 'A06DFFAC', type: 'inventory_update', strict: true });
    expect(failed).toMatchObject({ status: 422, code: 'WEBHOOK_PREPROCESS_FAILED' });
    expect(failed.message).toContain("at step 'Check Account'");
    expect(failed.message).toContain('runs for no instance');
  });

  it('refuses what the preprocess flow routes to a customer it does not know', async () => {
    const unknown = await refused(url, { customerId: 'FFFFFFFF', type: 'create_order' });
    expect(unknown).toMatchObject({ status: 400, code: 'WEBHOOK_CUSTOMER_NOT_ROUTED' });
    expect(unknown.message).toContain("the preprocess flow's result at results.customerExternalId");
  });
});

describe('preprocess flow on an instance-specific endpoint', () => {
  let url: string;
  let instanceId: string;

  beforeAll(async () => {
    const id = await importAndPublish(
      server,
      exportIntegration({
        name: 'Acme Instance Router',
        endpointType: 'instance_specific',
        preprocessFlowName: 'Route',
        flowNameField: 'results.flowName',
        configVars: { 'Order Flow': 'Create Order' },
        flows: [
          exportFlow({
            name: 'Route',
            steps: [
              webhookTriggerStep(),
              codeStep(
                'Pick Flow',
                `const event = stepResults.integrationTrigger.results.body.data.event;
                 if (event === 'boom') throw new Error('cannot route event boom');
                 if (event === 'order') return { data: { flowName: context.configVars['Order Flow'] } };
                 return { data: { flowName: event } };`,
              ),
            ],
          }),
          recordingFlow('Update Inventory'),
          recordingFlow('Create Order'),
        ],
      }),
    );
    const instance = await server.api('POST', '/api/instances', {
      body: { customerId: customers.gamma, integrationId: id, name: 'Gamma Router' },
    });
    expect(instance.status, instance.text).toBe(201);
    instanceId = instance.body.id;
    // The instance's own config decides where 'order' events go.
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { 'Order Flow': 'Update Inventory' } },
    });
    expect(configured.status, configured.text).toBe(200);
    expect((await server.api('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);
    url = (await server.api('GET', `/api/instances/${instanceId}/flows`)).body.instanceWebhookUrl;
  });

  it("runs with the instance's config and keeps its run on the execution it routed to", async () => {
    const answer = await send(url, { event: 'order', id: 3 });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const run = await waitForExecution(server, answer.body.executionId);
    expect(run).toMatchObject({ status: 'succeeded', instanceId, flow: 'Update Inventory' });
    expect(run.steps.record).toMatchObject({ customer: 'gamma-3', data: { event: 'order', id: 3 } });
    expect(run.preprocess).toMatchObject({
      flow: 'Route',
      status: 'succeeded',
      ranForInstance: true,
      result: { flowName: 'Update Inventory' },
    });
  });

  it('keeps a failed preprocess run as a failed execution of the instance and names it in the 422', async () => {
    const answer = await send(url, { event: 'boom' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('WEBHOOK_PREPROCESS_FAILED');
    expect(answer.body.error.message).toContain(
      "at step 'Pick Flow': the code step threw Error: cannot route event boom",
    );
    const run = await waitForExecution(server, answer.body.error.details.executionId);
    expect(run).toMatchObject({ status: 'failed', instanceId, flow: 'Route', triggerKind: 'webhook' });
    expect(run.error).toMatchObject({
      stepKey: 'pickFlow',
      message: expect.stringContaining('cannot route event boom'),
    });
    expect(
      run.stepRecords.map((record: { key: string; status: string }) => [record.key, record.status]),
    ).toEqual([
      ['integrationTrigger', 'succeeded'],
      ['pickFlow', 'failed'],
    ]);
  });

  it('keeps a run naming no flow of the instance as a failed execution too', async () => {
    const answer = await send(url, { event: 'Ship It' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('WEBHOOK_FLOW_NOT_ROUTED');
    expect(answer.body.error.message).toContain(
      "'Ship It' (from the preprocess flow's result at results.flowName)",
    );
    expect(answer.body.error.details.flows).toEqual(['Update Inventory', 'Create Order']);
    const run = await waitForExecution(server, answer.body.error.details.executionId);
    expect(run).toMatchObject({
      status: 'failed',
      flow: 'Route',
      error: { code: 'WEBHOOK_FLOW_NOT_ROUTED' },
    });
  });

  it('does not run the preprocess flow of a paused instance', async () => {
    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    const paused = await refused(url, { event: 'boom' });
    expect(paused).toMatchObject({ status: 409, code: 'INSTANCE_PAUSED' });
    expect((await server.api('POST', `/api/instances/${instanceId}/unpause`)).status).toBe(200);
  });
});

describe('preprocess flows beyond WEFT_PREPROCESS_CONCURRENCY', () => {
  let busyServer: TestServer;
  let gate: http.Server;
  const held: Array<() => void> = [];
  let url: string;

  beforeAll(async () => {
    // The preprocess flow waits here until the test lets it answer.
    gate = http.createServer((_request, response) => {
      held.push(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"flowName": "Create Order"}');
      });
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/route`;
    busyServer = await startTestServer({ WEFT_PREPROCESS_CONCURRENCY: '1' });
    const id = await importAndPublish(
      busyServer,
      exportIntegration({
        name: 'Acme Slow Router',
        endpointType: 'instance_specific',
        preprocessFlowName: 'Route',
        flowNameField: 'results.flowName',
        flows: [
          exportFlow({ name: 'Route', steps: [webhookTriggerStep(), httpGetStep('Ask Router', gateUrl)] }),
          recordingFlow('Create Order'),
        ],
      }),
    );
    const customer = await customerWith(busyServer, 'Epsilon Corp', 'epsilon-5');
    const instanceId = await deployedInstance(busyServer, id, customer, 'Epsilon Router');
    url = (await busyServer.api('GET', `/api/instances/${instanceId}/flows`)).body.instanceWebhookUrl;
  });

  afterAll(async () => {
    await busyServer?.stop();
    gate?.close();
  });

  it('answers 503 WEBHOOK_BUSY with Retry-After while the limit is reached, and stores nothing for it', async () => {
    const first = send(url, { id: 1 });
    await eventually('the first preprocess run at the gate', async () =>
      held.length === 1 ? true : undefined,
    );
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id": 2}',
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_BUSY');
    held.shift()?.();
    const routed = await first;
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
    const [row] = await sqlQuery<{ n: number }>(busyServer, 'select count(*)::int as n from executions');
    expect(row?.n).toBe(1);
    // Once the first run is done, the next request runs again.
    const next = send(url, { id: 3 });
    await eventually('the next preprocess run at the gate', async () =>
      held.length === 1 ? true : undefined,
    );
    held.shift()?.();
    expect((await next).status).toBe(200);
  });
});
