// Issue 19 (log streams): every log line of an organization's executions reaches the HTTP endpoints it streams to,
// with its execution, instance, customer, flow and step, rendered with the stream's template (DataDog and New Relic
// presets as in seed 003), batched, and retried while the endpoint is down: nothing is lost for a bounded backlog,
// and what a full backlog drops is counted and said. Header values (API keys) never come back in an answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createInstance,
  finished,
  ordersYaml,
  publishIntegration,
  testRun,
} from './executions-fixtures.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered log lines are whatever the template makes
type Line = Record<string, any>;

/** A log service on 127.0.0.1: records every request; a path set down answers 503. */
class LogReceiver {
  readonly requests: Received[] = [];
  readonly down = new Set<string>();
  private server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      if (this.down.has(path)) {
        response.writeHead(503, { 'content-type': 'text/plain' }).end('intake unavailable');
        return;
      }
      this.requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every line delivered (accepted) at `path`, in arrival order. */
  lines(path: string): Line[] {
    return this.requests
      .filter((request) => request.path === path)
      .flatMap((request) => JSON.parse(request.body));
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const apiKey = 'ls-secret-4f1c9a7e2b';
const ddKey = 'dd-secret-0b8e3c5d71';
const metricFlow = `  - name: Count Stock
    stableKey: count-stock
    description: Logs a metric
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Measure
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger }) => {
                logger.metric({ inventoryItem: { id: '123', price: 10.55, quantity: 3 } });
                return { data: null };
              };
`;

let server: TestServer;
let receiver: LogReceiver;
let instanceId: string;
let processOrdersUrl: string;
let streamA: string;
/** Every answer of the log stream routes, to check that no header value is ever in one. */
const answers: string[] = [];

async function api(method: string, path: string, body?: unknown) {
  const answer = await server.api(method, path, body === undefined ? {} : { body });
  answers.push(answer.text);
  return answer;
}

async function stream(id: string) {
  const answer = await api('GET', `/api/log-streams/${id}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

/** Test-runs Process Orders for each order, one after the other; answers the execution ids. */
async function runOrders(...orders: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const orderId of orders) {
    const id = await testRun(server, instanceId, 'Process Orders', { orderId });
    await finished(server, id);
    ids.push(id);
  }
  return ids;
}

const poll = { timeout: 20_000, interval: 100 };

beforeAll(async () => {
  receiver = new LogReceiver();
  await receiver.start();
  server = await startTestServer({ WEFT_MONITORING_POLL_MS: '100' });
  const integration = await publishIntegration(server, ordersYaml('Stream Desk', { extraFlow: metricFlow }));
  const customer = await createCustomer(server, 'Acme Corp', 'acme-1');
  instanceId = await createInstance(server, customer, integration, 'Acme Desk');
  expect(
    (await server.api('PATCH', `/api/instances/${instanceId}`, { body: { labels: ['gold'] } })).status,
  ).toBe(200);
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  processOrdersUrl = flows.body.flows.find(
    (flow: { flow: string }) => flow.flow === 'Process Orders',
  ).webhookUrl;
});

afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
});

describe('log streams', () => {
  it('offers the DataDog and New Relic presets and every placeholder', async () => {
    const answer = await api('GET', '/api/log-streams/presets');
    expect(answer.status, answer.text).toBe(200);
    const datadog = answer.body.presets.find((preset: { key: string }) => preset.key === 'datadog');
    expect(datadog.header).toBe('DD-API-KEY');
    expect(datadog.regions).toContainEqual({
      key: 'eu',
      name: 'EU',
      url: 'https://http-intake.logs.datadoghq.eu/api/v2/logs',
    });
    const newRelic = answer.body.presets.find((preset: { key: string }) => preset.key === 'new-relic');
    expect(newRelic.header).toBe('X-License-Key');
    expect(newRelic.regions.map((region: { url: string }) => region.url)).toEqual([
      'https://log-api.newrelic.com/log/v1',
      'https://log-api.eu.newrelic.com/log/v1',
    ]);
    expect(answer.body.placeholders.map((p: { name: string }) => p.name)).toContain('executionErrorStepName');
  });

  it('refuses bad input, naming the field (and the line and column of a bad template)', async () => {
    const bad = async (body: unknown) => {
      const answer = await api('POST', '/api/log-streams', body);
      expect(answer.status, answer.text).toBe(400);
      return answer.body.error;
    };
    expect(await bad({ name: 'X', url: 'ftp://logs.example.com' })).toMatchObject({
      code: 'API_VALIDATION_FAILED',
      details: { field: 'url' },
    });
    expect(await bad({ name: 'X', url: 'https://user:pw@logs.example.com/' })).toMatchObject({
      details: { field: 'url' },
    });
    expect(await bad({ name: 'X' })).toMatchObject({ details: { field: 'url' } });
    expect(
      await bad({ name: 'X', url: 'https://logs.example.com/', headers: { 'Bad Name': 'v' } }),
    ).toMatchObject({ details: { field: 'headers.Bad Name' } });
    const template = await bad({
      name: 'X',
      url: 'https://logs.example.com/',
      payloadTemplate: '{\n  "message": {{ message }},\n  "level": "{{ severity }}"\n  "x": 1\n}',
    });
    expect(template).toMatchObject({
      code: 'LOG_STREAM_TEMPLATE_INVALID',
      details: { field: 'payloadTemplate', line: 4, column: 3 },
    });
    expect(template.message).toMatch(/not valid JSON.*line 4, column 3/);
    const unclosed = await bad({
      name: 'X',
      url: 'https://logs.example.com/',
      payloadTemplate: 'at {{ message',
    });
    expect(unclosed).toMatchObject({ details: { field: 'payloadTemplate', line: 1, column: 4 } });
  });

  it('sends a test payload through the stream, with its headers', async () => {
    const created = await api('POST', '/api/log-streams', {
      name: 'Team logs',
      url: `${receiver.url}/a`,
      headers: { 'X-Api-Key': apiKey },
    });
    expect(created.status, created.text).toBe(201);
    streamA = created.body.id;
    expect(created.body).toMatchObject({
      preset: 'custom',
      format: 'json',
      headerNames: ['X-Api-Key'],
      enabled: true,
      backlogLimit: 10000,
      metricFields: [],
      status: { state: 'delivering', backlogExecutions: 0, droppedExecutions: 0, deliveredLines: 0 },
    });
    expect(created.body.payloadTemplate).toContain('"message": {{ message }}');
    expect((await api('POST', '/api/log-streams', { name: 'team LOGS', url: receiver.url })).status).toBe(
      409,
    );

    const tested = await api('POST', `/api/log-streams/${streamA}/test`);
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ delivered: true, statusCode: 202, error: null });
    const [request] = receiver.requests.filter((entry) => entry.path === '/a');
    expect(request?.headers['x-api-key']).toBe(apiKey);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual([
      expect.objectContaining({ message: 'Test message', integration: 'Test integration', severity: 'info' }),
    ]);
    receiver.requests.length = 0;
  });

  it('streams every line of a webhook execution and of a failed test run, with their context', async () => {
    // Quotes and a line break in the message must not break the JSON document.
    const orderId = 'A-1 "rush"\nsecond line';
    const webhook = await fetch(processOrdersUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId }),
    });
    expect(webhook.status).toBe(200);
    const { executionId } = (await webhook.json()) as { executionId: string };
    await finished(server, executionId);
    const failedId = await testRun(server, instanceId, 'Fail Fast', { orderId: 'F-9' });
    await finished(server, failedId);

    await expect.poll(() => receiver.lines('/a').length, poll).toBe(4);
    const lines = receiver.lines('/a');
    const context = {
      service: 'Weft',
      instance: 'Acme Desk',
      customer: 'acme-1',
      integration: 'Stream Desk',
      logType: 'EXECUTION',
      instanceId,
      flowConfigId: `${instanceId}:process-orders`,
      flowId: 'process-orders',
      retryAttempt: 0,
      retryForExecutionId: null,
    };
    expect(lines.filter((line) => line.executionid === executionId)).toEqual([
      {
        ...context,
        message: `Received order ${orderId}`,
        severity: 'info',
        timestamp: expect.any(Number),
        isTestExecution: false,
        flow: 'Process Orders',
        step: 'Log Received',
        executionid: executionId,
        integrationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        executionErrorStepName: null,
        duration: expect.any(Number),
        succeeded: true,
        errorMessage: null,
      },
      expect.objectContaining({ message: `Order ${orderId} is LATE`, severity: 'warn', step: 'Log Late' }),
    ]);
    expect(lines.filter((line) => line.executionid === failedId)).toEqual([
      expect.objectContaining({
        message: 'about to fail F-9',
        severity: 'debug',
        flow: 'Fail Fast',
        step: 'Log Attempt',
        isTestExecution: true,
        succeeded: false,
        errorMessage: expect.stringContaining('boom'),
        executionErrorStepName: 'Explode',
      }),
      expect.objectContaining({ severity: 'error', step: 'Explode', succeeded: false }),
    ]);
    expect(receiver.requests.every((request) => request.headers['x-api-key'] === apiKey)).toBe(true);

    const after = await stream(streamA);
    expect(after.status).toMatchObject({ state: 'delivering', backlogExecutions: 0, deliveredLines: 4 });
    expect(after.status.lastDeliveredAt).toEqual(expect.any(String));
  });

  it('keeps what an endpoint that is down should get, and delivers all of it once when it is back', async () => {
    receiver.down.add('/a');
    const ids = await runOrders('B-1', 'B-2');
    await expect
      .poll(async () => (await stream(streamA)).status, poll)
      .toMatchObject({ state: 'retrying', backlogExecutions: 2, lastError: expect.stringContaining('503') });
    const retrying = await stream(streamA);
    expect(retrying.status.summary).toMatch(/last delivery failed/);
    expect(retrying.status.nextAttemptAt).toEqual(expect.any(String));
    expect(receiver.lines('/a').filter((line) => ids.includes(line.executionid))).toEqual([]);

    receiver.down.delete('/a');
    await expect
      .poll(() => receiver.lines('/a').filter((line) => ids.includes(line.executionid)).length, poll)
      .toBe(4);
    const delivered = receiver.lines('/a').filter((line) => ids.includes(line.executionid));
    expect(delivered.map((line) => line.message).sort()).toEqual([
      'Order B-1 is LATE',
      'Order B-2 is LATE',
      'Received order B-1',
      'Received order B-2',
    ]);
    await expect
      .poll(async () => (await stream(streamA)).status, poll)
      .toMatchObject({ state: 'delivering', backlogExecutions: 0, deliveredLines: 8, lastError: null });
    // Each batch attempt is counted on /metrics.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^weft_notification_deliveries_total\{channel="log-stream",outcome="retried"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^weft_notification_deliveries_total\{channel="log-stream",outcome="delivered"\} [1-9]/m,
    );
  });

  it('bounds the backlog of a stream that stays down, counts what it drops, then sends the newest', async () => {
    const created = await api('POST', '/api/log-streams', {
      name: 'Small backlog',
      url: `${receiver.url}/b`,
      backlogLimit: 2,
    });
    expect(created.status, created.text).toBe(201);
    const streamB = created.body.id;
    receiver.down.add('/b');
    const ids = await runOrders('C-1', 'C-2', 'C-3', 'C-4');
    await expect
      .poll(async () => (await stream(streamB)).status, poll)
      .toMatchObject({ state: 'retrying', backlogExecutions: 2, droppedExecutions: 2 });
    expect((await stream(streamB)).status.summary).toMatch(/2 executions were dropped unsent.*limit of 2/);

    // The endpoint is back: its test payload gets through, and what waits goes at once.
    const stillDown = await api('POST', `/api/log-streams/${streamB}/test`);
    expect(stillDown.body).toMatchObject({ delivered: false, statusCode: 503 });
    receiver.down.delete('/b');
    expect((await api('POST', `/api/log-streams/${streamB}/test`)).body).toMatchObject({ delivered: true });
    await expect
      .poll(() => receiver.lines('/b').filter((line) => ids.includes(line.executionid)).length, poll)
      .toBe(4);
    // Besides the test payload, only the two newest executions' lines: the two oldest were dropped.
    expect(new Set(receiver.lines('/b').map((line) => line.executionid))).toEqual(
      new Set(['00000000-0000-4000-8000-000000000003', ids[2], ids[3]]),
    );
    await expect
      .poll(async () => (await stream(streamB)).status, poll)
      .toMatchObject({ state: 'delivering', backlogExecutions: 0, droppedExecutions: 2, deliveredLines: 4 });
    // The stream that stayed up got all four.
    await expect
      .poll(() => receiver.lines('/a').filter((line) => ids.includes(line.executionid)).length, poll)
      .toBe(8);

    const deleted = await api('DELETE', `/api/log-streams/${streamB}`);
    expect(deleted.status).toBe(200);
    expect((await api('GET', `/api/log-streams/${streamB}`)).status).toBe(404);
  });

  it('reads the fields of logger.metric() objects into the template', async () => {
    const created = await api('POST', '/api/log-streams', {
      name: 'Metrics',
      url: `${receiver.url}/m`,
      payloadTemplate:
        '{"message": {{ message }}, "severity": {{ severity }}, "itemId": {{ inventoryItem.id }}, "itemPrice": {{ inventoryItem.price }}, "summary": "{{ severityNumber }}/{{ inventoryItem.quantity }}"}',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.metricFields).toEqual([
      'inventoryItem.id',
      'inventoryItem.price',
      'inventoryItem.quantity',
    ]);
    const id = await testRun(server, instanceId, 'Count Stock', {});
    await finished(server, id);
    await expect.poll(() => receiver.lines('/m').length, poll).toBe(1);
    expect(receiver.lines('/m')).toEqual([
      {
        message: '{"inventoryItem":{"id":"123","price":10.55,"quantity":3}}',
        severity: 'metric',
        itemId: '123',
        itemPrice: 10.55,
        summary: '6/3',
      },
    ]);
    expect(
      (await api('PATCH', `/api/log-streams/${created.body.id}`, { enabled: false })).body.status.state,
    ).toBe('disabled');
  });

  it("renders the DataDog preset in seed 003's shape, with the DD-API-KEY header", async () => {
    const created = await api('POST', '/api/log-streams', {
      name: 'DataDog',
      preset: 'datadog',
      headers: { 'DD-API-KEY': ddKey },
      enabled: false,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.url).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
    const moved = await api('PATCH', `/api/log-streams/${created.body.id}`, {
      url: `${receiver.url}/dd`,
      headers: { 'X-Extra': 'kept' },
    });
    expect(moved.body.headerNames).toEqual(['DD-API-KEY', 'X-Extra']);
    expect((await api('POST', `/api/log-streams/${created.body.id}/test`)).body.delivered).toBe(true);
    const [request] = receiver.requests.filter((entry) => entry.path === '/dd');
    expect(request?.headers['dd-api-key']).toBe(ddKey);
    const [line] = JSON.parse(request?.body ?? '[]');
    expect(Object.keys(line)).toEqual([
      'message',
      'timestamp',
      'severity',
      'service',
      'instance',
      'customer',
      'integration',
      'logType',
      'isTestExecution',
      'flow',
      'step',
      'executionid',
      'instanceId',
      'flowConfigId',
      'integrationId',
      'flowId',
      'executionErrorStepName',
      'duration',
      'succeeded',
      'errorMessage',
      'retryAttempt',
      'retryForExecutionId',
    ]);
    const removed = await api('PATCH', `/api/log-streams/${created.body.id}`, {
      headers: { 'x-extra': null },
    });
    expect(removed.body.headerNames).toEqual(['DD-API-KEY']);
  });

  it('never answers a header value, and stores them sealed', async () => {
    const list = await api('GET', '/api/log-streams');
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { name: string }) => item.name)).toEqual([
      'Team logs',
      'Metrics',
      'DataDog',
    ]);
    for (const text of answers) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(ddKey);
    }
    const rows = await sqlQuery<{ headers_secret: string | null }>(
      server,
      'select headers_secret from log_streams',
    );
    expect(rows.some((row) => row.headers_secret !== null)).toBe(true);
    for (const row of rows) expect(row.headers_secret ?? '').not.toContain(apiKey);
  });
});
