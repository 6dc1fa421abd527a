// Issue 13 (webhooks): flows secured by the organization (endpointSecurityType: organization) take the API keys
// the definition lists (organizationApiKeys), the same for every customer's instance; the instances' own keys do
// not open them, and a flow that lists none refuses every request, saying what to add.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeStep,
  customerWith,
  deployedInstance,
  exportFlow,
  exportIntegration,
  importAndPublish,
  webhookTriggerStep,
} from './support/export-yaml.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitForExecution } from './support/worker-fixtures.js';

let server: TestServer;
let instanceId: string;
// biome-ignore lint/suspicious/noExplicitAny: the flows answer as JSON
let flows: Record<string, any>;

const steps = [
  webhookTriggerStep(),
  codeStep('Keep', 'return { data: stepResults.integrationTrigger.results.body.data };'),
];

beforeAll(async () => {
  server = await startTestServer();
  const id = await importAndPublish(
    server,
    exportIntegration({
      name: 'Partner Feed',
      flows: [
        exportFlow({
          name: 'Org Secured',
          endpointSecurityType: 'organization',
          organizationApiKeys: ['my-first-key', 'p@s$W0Rd'],
          steps,
        }),
        exportFlow({
          name: 'Org Without Keys',
          endpointSecurityType: 'organization',
          organizationApiKeys: [],
          steps,
        }),
        exportFlow({ name: 'Customer Secured', endpointSecurityType: 'customer_required', steps }),
      ],
    }),
  );
  // A flow-specific integration has no shared URL.
  expect((await server.api('GET', `/api/integrations/${id}`)).body.sharedWebhookUrl).toBeNull();
  const customer = await customerWith(server, 'Partner Co', 'partner-1');
  instanceId = await deployedInstance(server, id, customer, 'Partner Feed');
  const answer = await server.api('GET', `/api/instances/${instanceId}/flows`);
  expect(answer.status, answer.text).toBe(200);
  flows = Object.fromEntries(answer.body.flows.map((flow: { flow: string }) => [flow.flow, flow]));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function call(flow: string, apiKey?: string) {
  const answer = await fetch(flows[flow].webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey !== undefined ? { 'api-key': apiKey } : {}) },
    body: JSON.stringify({ from: flow }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
  return { status: answer.status, body: (await answer.json()) as any };
}

describe('organization API keys', () => {
  it("lists the flow's organization keys, the instance's keys for customer-secured flows", async () => {
    expect(flows['Org Secured'].apiKeys).toEqual(['my-first-key', 'p@s$W0Rd']);
    expect(flows['Org Without Keys'].apiKeys).toEqual([]);
    expect(flows['Customer Secured'].apiKeys).toHaveLength(1);
    expect(flows['Customer Secured'].apiKeys[0]).not.toBe('my-first-key');
  });

  it('opens the flow with any of its keys, never passing the key on to the flow', async () => {
    for (const key of ['my-first-key', 'p@s$W0Rd']) {
      const answer = await call('Org Secured', key);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const execution = await waitForExecution(server, answer.body.executionId);
      expect(execution.steps.keep).toEqual({ from: 'Org Secured' });
    }
    const [row] = await sqlQuery<{ leaked: number }>(
      server,
      "select count(*)::int as leaked from executions where trigger::text like '%my-first-key%'",
    );
    expect(row!.leaked).toBe(0);
  });

  it("refuses a missing or wrong key, and the instance's own keys", async () => {
    const before = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
    const missing = await call('Org Secured');
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('WEBHOOK_API_KEY_INVALID');
    expect(missing.body.error.message).toContain("Flow 'Org Secured' needs an API key in the Api-Key header");
    const wrong = await call('Org Secured', 'my-first-kez');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain("the flow's organization API keys");
    const customerKey = await call('Org Secured', flows['Customer Secured'].apiKeys[0]);
    expect(customerKey.status).toBe(401);
    expect(customerKey.body.error.code).toBe('WEBHOOK_API_KEY_INVALID');
    // Nor do the organization's keys open a customer-secured flow.
    expect((await call('Customer Secured', 'my-first-key')).status).toBe(401);
    expect((await call('Customer Secured', flows['Customer Secured'].apiKeys[0])).status).toBe(200);
    const after = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
    expect(after[0]!.n).toBe(before[0]!.n + 1);
  });

  it('refuses every request to an organization-secured flow without keys, saying to add organizationApiKeys', async () => {
    for (const key of [undefined, 'my-first-key', flows['Customer Secured'].apiKeys[0]]) {
      const answer = await call('Org Without Keys', key);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('WEBHOOK_ORGANIZATION_API_KEYS_MISSING');
      expect(answer.body.error.message).toContain('has no organizationApiKeys');
      expect(answer.body.error.message).toContain('Add organizationApiKeys to the flow');
    }
  });
});
