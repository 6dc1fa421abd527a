import { expect } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import type { TestServer } from './support/test-server.js';

/** What the executions-*.test.ts files share: an integration whose flows log, fail or sleep, and test runs. */

const trigger = `      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

function logStep(name: string, level: string, message: string): string {
  return `      - name: ${name}
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          level: {type: value, value: ${level}}
          message: {type: template, value: "${message}"}
`;
}

/**
 * Flows: "Process Orders" logs an info and a warn line naming the order, "Fail Fast" logs a debug line and fails in
 * a code step, "Slow Flow" logs, sleeps `sleepMs`, then logs again.
 */
export function ordersYaml(
  name = 'Order Desk',
  options: { sleepMs?: number; extraFlow?: string } = {},
): string {
  return `definitionVersion: 7
name: ${name}
description: Logs orders
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Process Orders
    stableKey: process-orders
    description: Logs each order
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}${logStep('Log Received', 'info', 'Received order {{$integrationTrigger.results.body.data.orderId}}')}${logStep('Log Late', 'warn', 'Order {{$integrationTrigger.results.body.data.orderId}} is LATE')}
  - name: Fail Fast
    stableKey: fail-fast
    description: Fails
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}${logStep('Log Attempt', 'debug', 'about to fail {{$integrationTrigger.results.body.data.orderId}}')}      - name: Explode
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => { throw new Error('boom'); };
  - name: Slow Flow
    stableKey: slow-flow
    description: Sleeps
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}${logStep('Log Dozing', 'info', 'dozing off')}      - name: Nap
        action: {key: sleep, component: {key: sleep, version: LATEST, isPublic: true}}
        inputs:
          ms: {type: value, value: "${options.sleepMs ?? 2500}"}
${logStep('Log Woke', 'info', 'woke up')}${options.extraFlow ?? ''}`;
}

/** Imports and publishes a definition; returns the integration id. */
export async function publishIntegration(server: TestServer, yaml: string, token?: string): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', {
    token,
    body: { definition: yaml },
  });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    token,
    body: { comment: 'release' },
  });
  expect(published.status, published.text).toBe(201);
  return imported.body.id;
}

export async function createCustomer(
  server: TestServer,
  name: string,
  externalId?: string,
  token?: string,
): Promise<string> {
  const customer = await server.api('POST', '/api/customers', {
    token,
    body: { name, ...(externalId ? { externalId } : {}) },
  });
  expect(customer.status, customer.text).toBe(201);
  return customer.body.id;
}

export async function createInstance(
  server: TestServer,
  customerId: string,
  integrationId: string,
  name: string,
  token?: string,
): Promise<string> {
  const instance = await server.api('POST', '/api/instances', {
    token,
    body: { customerId, integrationId, name },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id;
}

/** Test-runs a flow with `{payload}`; returns the execution id. */
export async function testRun(
  server: TestServer,
  instanceId: string,
  flow: string,
  payload: unknown = {},
  token?: string,
): Promise<string> {
  const answer = await server.api(
    'POST',
    `/api/instances/${instanceId}/flows/${encodeURIComponent(flow)}/test`,
    { token, body: { payload } },
  );
  expect(answer.status, answer.text).toBe(202);
  return answer.body.executionId;
}

/** Polls an execution until it is no longer queued or running (at most 15 s); returns it. */
export async function finished(server: TestServer, executionId: string, token?: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await server.api('GET', `/api/executions/${executionId}`, { token });
    expect(answer.status, answer.text).toBe(200);
    if (!['queued', 'running'].includes(answer.body.status)) return answer.body;
    if (Date.now() > deadline)
      throw new Error(`execution ${executionId} still ${answer.body.status} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls until `check` answers something other than undefined (at most `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface ExecutionRow {
  status?: string;
  flowName?: string;
  flowStableKey?: string;
  triggerKind?: string;
  queuedAt?: Date;
  finishedAt?: Date | null;
  retryOfId?: string;
  retryNumber?: number;
  replayOfId?: string;
  trigger?: unknown;
}

/** Inserts an execution of an instance with SQL (no job), for states the API cannot make on demand. */
export async function insertExecution(server: TestServer, instanceId: string, row: ExecutionRow = {}) {
  const status = row.status ?? 'succeeded';
  const queuedAt = row.queuedAt ?? new Date();
  const finishedAt =
    row.finishedAt !== undefined ? row.finishedAt : ['queued', 'running'].includes(status) ? null : queuedAt;
  const [inserted] = await sqlQuery<{ id: string }>(
    server,
    `insert into executions (org_id, instance_id, customer_id, integration_id, integration_version_id, flow_name,
        flow_stable_key, status, trigger, trigger_kind, queued_at, started_at, finished_at, duration_ms, retry_of_id,
        retry_number, replay_of_id)
     select n.org_id, n.id, n.customer_id, n.integration_id, n.integration_version_id, $2, $3, $4, $5::jsonb, $6, $7,
            case when $4 = 'queued' then null else $7::timestamptz end, $8, case when $8::timestamptz is null then null else 0 end,
            $9, $10, $11
       from instances n where n.id = $1
     returning id`,
    [
      instanceId,
      row.flowName ?? 'Process Orders',
      row.flowStableKey ?? 'process-orders',
      status,
      JSON.stringify(row.trigger ?? { headers: {}, queryParameters: {}, body: { data: null } }),
      row.triggerKind ?? 'test',
      queuedAt,
      finishedAt,
      row.retryOfId ?? null,
      row.retryNumber ?? 0,
      row.replayOfId ?? null,
    ],
  );
  if (!inserted) throw new Error(`no instance ${instanceId}`);
  return inserted.id;
}
