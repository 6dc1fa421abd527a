// Issue 19 (metrics): after a load of real webhook requests, `/metrics` shows the executions by integration, flow
// and status, the execution and step duration histograms, the queue, the schedule lag and the webhook requests
// accepted and refused, and never a customer's or an instance's id (label sets stay bounded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { eventually, webhookTrigger } from './support/worker-fixtures.js';

const code = (name: string, body: string) => `      - name: ${name}
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => { ${body} };
`;

// Failed imports are retried after 10 minutes: the retries wait in the queue while the test reads it.
const yaml = `definitionVersion: 7
name: Order Sync
description: Orders in, quotes out
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Import Orders
    stableKey: import-orders
    description: Fails when the order says so
    isSynchronous: false
    endpointSecurityType: unsecured
    retryConfig: {maxAttempts: 1, delayMinutes: 10, usesExponentialBackoff: false}
    steps:
${webhookTrigger}${code('Check Order', 'if (stepResults.integrationTrigger.results.body.data.fail) throw new Error("order rejected"); return { data: "ok" };')}
  - name: Quote
    stableKey: quote
    description: Answers at once
    isSynchronous: true
    endpointSecurityType: customer_required
    steps:
${webhookTrigger}${code('Price', 'return { data: { price: 12 } };')}
  - name: Nightly
    stableKey: nightly
    description: Once a year, unless told otherwise
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Tick
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}
        schedule: {type: value, value: "0 0 1 1 *", meta: {scheduleType: custom, timeZone: UTC}}
${code('Report', 'return { data: "done" };')}
`;

let server: TestServer;
let customerId: string;
let instanceId: string;
let urls: Record<string, string>;
let apiKey: string;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function samples(text: string): Sample[] {
  const result: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    result.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return result;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
function sampleValue(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

async function scrape(): Promise<{ text: string; all: Sample[] }> {
  const answer = await fetch(`${server.url}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  const text = await answer.text();
  return { text, all: samples(text) };
}

beforeAll(async () => {
  server = await startTestServer();
  const imported = await server.api('POST', '/api/integrations/import', { body: { definition: yaml } });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await server.api('POST', '/api/customers', {
    body: { name: 'Globex', externalId: 'globex-7731' },
  });
  expect(customer.status, customer.text).toBe(201);
  customerId = customer.body.id;
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId: imported.body.id, name: 'Globex orders' },
  });
  expect(instance.status, instance.text).toBe(201);
  instanceId = instance.body.id;
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  expect(flows.status, flows.text).toBe(200);
  urls = Object.fromEntries(
    flows.body.flows.map((f: { flow: string; webhookUrl: string }) => [f.flow, f.webhookUrl]),
  );
  apiKey = flows.body.flows.find((f: { flow: string }) => f.flow === 'Quote').apiKeys[0];
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('/metrics after a load', () => {
  it('counts executions by integration, flow and status, with their durations, steps, queue and webhooks', async () => {
    const post = (url: string, data: unknown, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(data),
      });
    // Six asynchronous imports (two fail and queue their retry), three synchronous quotes, run side by side.
    const answers = await Promise.all([
      ...[false, false, true, false, true, false].map((fail, index) =>
        post(urls['Import Orders']!, { order: index, fail }),
      ),
      ...[1, 2, 3].map((n) => post(urls.Quote!, { n }, { 'api-key': apiKey })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(9).fill(200));
    // Refused: a token no endpoint has (404), a secured flow without its key (401).
    const unknown = await post(`${new URL(urls.Quote!).origin}/trigger/${'0'.repeat(64)}`, {});
    expect(unknown.status).toBe(404);
    const unkeyed = await post(urls.Quote!, {});
    expect(unkeyed.status).toBe(401);

    // The due time of the yearly schedule moved three seconds into the past: the leader fires it now, late.
    await sqlQuery(
      server,
      `update instance_schedules set next_fire_at = now() - interval '3 seconds' where instance_id = $1`,
      [instanceId],
    );

    // Every first run (not the waiting retries) finished, and the schedule's tick ran.
    await eventually('the executions to finish', async () => {
      const [row] = await sqlQuery<{ finished: number }>(
        server,
        `select count(*)::int as finished from executions
          where retry_of_id is null and status in ('succeeded', 'failed')`,
      );
      return row!.finished === 10 ? true : undefined;
    });

    const { text, all } = await scrape();
    const orders = { integration: 'Order Sync', flow: 'Import Orders' };
    const quote = { integration: 'Order Sync', flow: 'Quote' };
    expect(sampleValue(all, 'weft_executions_started_total', orders)).toBe(6);
    expect(sampleValue(all, 'weft_executions_finished_total', { ...orders, status: 'succeeded' })).toBe(4);
    expect(sampleValue(all, 'weft_executions_finished_total', { ...orders, status: 'failed' })).toBe(2);
    expect(sampleValue(all, 'weft_executions_started_total', quote)).toBe(3);
    expect(sampleValue(all, 'weft_executions_finished_total', { ...quote, status: 'succeeded' })).toBe(3);
    expect(
      sampleValue(all, 'weft_executions_finished_total', { ...quote, status: 'failed' }),
    ).toBeUndefined();
    expect(
      sampleValue(all, 'weft_executions_finished_total', {
        integration: 'Order Sync',
        flow: 'Nightly',
        status: 'succeeded',
      }),
    ).toBe(1);

    expect(
      sampleValue(all, 'weft_execution_duration_seconds_count', { ...orders, status: 'succeeded' }),
    ).toBe(4);
    expect(sampleValue(all, 'weft_execution_duration_seconds_count', { ...orders, status: 'failed' })).toBe(
      2,
    );
    expect(
      sampleValue(all, 'weft_execution_duration_seconds_bucket', { ...orders, status: 'failed', le: '+Inf' }),
    ).toBe(2);
    // Steps by component and action: nine webhook triggers, the code steps that ran (two threw).
    expect(
      sampleValue(all, 'weft_step_duration_seconds_count', {
        component: 'webhook-triggers',
        action: 'webhook',
        status: 'succeeded',
      }),
    ).toBe(9);
    expect(
      sampleValue(all, 'weft_step_duration_seconds_count', {
        component: 'code',
        action: 'runCode',
        status: 'succeeded',
      }),
    ).toBe(8);
    expect(
      sampleValue(all, 'weft_step_duration_seconds_count', {
        component: 'code',
        action: 'runCode',
        status: 'failed',
      }),
    ).toBe(2);

    // The two retries wait their ten minutes in the queue.
    expect(sampleValue(all, 'weft_queue_depth')).toBe(2);
    expect(sampleValue(all, 'weft_queue_oldest_age_seconds')).toBeGreaterThan(0);
    expect(sampleValue(all, 'weft_executions_running')).toBe(0);
    // The tick fired at least the three seconds it was overdue.
    expect(sampleValue(all, 'weft_schedule_lag_seconds_count')).toBe(1);
    expect(sampleValue(all, 'weft_schedule_lag_seconds_sum')).toBeGreaterThanOrEqual(3);

    expect(sampleValue(all, 'weft_webhook_requests_total', { outcome: 'accepted' })).toBe(9);
    expect(
      sampleValue(all, 'weft_webhook_requests_total', { outcome: 'refused', reason: 'WEBHOOK_NOT_FOUND' }),
    ).toBe(1);
    expect(
      sampleValue(all, 'weft_webhook_requests_total', {
        outcome: 'refused',
        reason: 'WEBHOOK_API_KEY_INVALID',
      }),
    ).toBe(1);
    // Request metrics share the registry, by route template.
    expect(
      sampleValue(all, 'weft_http_requests_total', {
        method: 'POST',
        route: '/trigger/:token',
        status_code: '200',
      }),
    ).toBe(9);

    // Bounded labels: nothing that names a customer, an instance or an execution.
    const [execution] = await sqlQuery<{ id: string }>(server, 'select id from executions limit 1');
    for (const identifying of [customerId, instanceId, 'globex-7731', 'Globex orders', execution!.id]) {
      expect(text).not.toContain(identifying);
    }
  });
});
