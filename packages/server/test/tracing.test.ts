// Issue 19 (traces): with an OTLP endpoint configured, each execution is one OpenTelemetry trace whose id is the
// execution's: a span for the execution, one per step (a loop's steps under the loop), and a client span per
// outbound HTTP request under the step that made it, exported to a local OTLP/HTTP receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type WeftError } from '../src/index.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { instanceOf, waitForExecution, webhookTrigger } from './support/worker-fixtures.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number; message?: string };
  events?: Array<{ name: string; attributes?: Array<{ key: string; value: OtlpValue }> }>;
}

/** A span as the receiver got it, its attributes flattened and the resource's service name beside it. */
interface ReceivedSpan extends OtlpSpan {
  service: string | undefined;
  attrs: Record<string, string | number | boolean | undefined>;
}

const spanKindClient = 3;
const statusError = 2;

function flatten(attributes: Array<{ key: string; value: OtlpValue }> = []) {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
        value.boolValue ??
        value.doubleValue,
    ]),
  );
}

/** A local OTLP/HTTP receiver: keeps every span POSTed (as JSON) to /v1/traces. */
async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      contentTypes.push(String(request.headers['content-type']));
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans: Array<{
          resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
          scopeSpans: Array<{ spans: OtlpSpan[] }>;
        }>;
      };
      for (const resourceSpans of payload.resourceSpans) {
        const service = flatten(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) spans.push({ ...span, service, attrs: flatten(span.attributes) });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The orders API the flow calls: answers each order's JSON, and what it was asked. */
async function startOrdersApi() {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    const id = /^\/orders\/(\d+)/.exec(request.url ?? '')?.[1];
    response.writeHead(id ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(id ? { id: Number(id), total: 5 } : { error: 'no such order' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let ordersApi: Awaited<ReturnType<typeof startOrdersApi>>;
let server: TestServer;
let instanceId: string;

const yaml = (port: number) => `definitionVersion: 7
name: Order Audit
description: Fetches orders, then checks them
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Audit Orders
    stableKey: audit-orders
    description: Each order fetched, then the check fails
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Each Order
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items: {type: reference, value: integrationTrigger.results.body.data.orders}
        steps:
          - name: Fetch Order
            action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
            inputs:
              url: {type: template, value: "http://127.0.0.1:${port}/orders/{{$eachOrder.currentItem}}?token=s3cr3t-query"}
      - name: Check Totals
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => { throw new Error("totals do not match"); };
`;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  ordersApi = await startOrdersApi();
  server = await startTestServer({
    WEFT_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'weft-tracing-test',
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });
  instanceId = await instanceOf(server, yaml(ordersApi.port));
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await ordersApi?.close();
  await receiver?.close();
});

describe('tracing settings', () => {
  it('takes WEFT_OTLP_ENDPOINT, else the standard OpenTelemetry variables, and is off without any', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ WEFT_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'weft',
      exportDelayMs: 5000,
    });
    const standard = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/api/traces',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318',
      OTEL_SERVICE_NAME: 'weft-eu',
    };
    expect(loadConfig(standard).tracing).toMatchObject({
      endpoint: 'https://otlp.example.com/api/traces',
      serviceName: 'weft-eu',
    });
    expect(loadConfig({ ...standard, WEFT_OTLP_ENDPOINT: 'http://mine:4318' }).tracing?.endpoint).toBe(
      'http://mine:4318/v1/traces',
    );
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' }).tracing?.endpoint).toBe(
      'http://other:4318/v1/traces',
    );
    expect(
      loadConfig({ WEFT_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing,
    ).toBeUndefined();
    let problems: unknown;
    try {
      loadConfig({ WEFT_OTLP_ENDPOINT: 'collector:4318' });
    } catch (error) {
      problems = (error as WeftError).details.problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^WEFT_OTLP_ENDPOINT: 'collector:4318' is not an http\(s\) URL/),
    ]);
  });
});

describe('execution traces over OTLP', () => {
  it('exports one trace per execution: the execution, its steps, and each HTTP request under its step', async () => {
    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    expect(flows.status, flows.text).toBe(200);
    const answer = await fetch(flows.body.flows[0].webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orders: [41, 42] }),
    });
    expect(answer.status).toBe(200);
    const { executionId } = (await answer.json()) as { executionId: string };
    const execution = await waitForExecution(server, executionId);
    expect(execution.status).toBe('failed');
    expect(ordersApi.paths).toEqual(['/orders/41?token=s3cr3t-query', '/orders/42?token=s3cr3t-query']);

    // The trace id is the execution id; the execution's span ends last, once its outcome is stored.
    const traceId = executionId.replaceAll('-', '');
    const ofTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
    await expect
      .poll(() => ofTrace().some((span) => span.attrs['weft.execution.status'] !== undefined))
      .toBe(true);
    const spans = ofTrace();
    expect(receiver.contentTypes[0]).toContain('application/json');
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['weft-tracing-test']));

    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.attrs).toMatchObject({
      'weft.execution.id': executionId,
      'weft.instance.id': instanceId,
      'weft.flow.name': 'Audit Orders',
      'weft.integration.name': 'Order Audit',
      'weft.execution.status': 'failed',
      'weft.execution.trigger_kind': 'webhook',
    });
    expect(root.status?.code).toBe(statusError);
    expect(root.status?.message).toContain('totals do not match');

    const children = (parent: OtlpSpan) => spans.filter((span) => span.parentSpanId === parent.spanId);
    const stepsOfRoot = children(root);
    expect(stepsOfRoot.map((span) => span.attrs['weft.step.name']).sort()).toEqual([
      'Check Totals',
      'Each Order',
      'Integration Trigger',
    ]);
    const step = (name: string) => stepsOfRoot.find((span) => span.attrs['weft.step.name'] === name)!;
    expect(step('Integration Trigger').attrs).toMatchObject({
      'weft.step.key': 'integrationTrigger',
      'weft.step.component': 'webhook-triggers',
      'weft.step.action': 'webhook',
      'weft.step.status': 'succeeded',
    });

    // The loop's two iterations ran Fetch Order under the loop's span, each with its request under it.
    const loop = step('Each Order');
    expect(loop.attrs).toMatchObject({ 'weft.step.action': 'loopOverItems', 'weft.step.iterations': 2 });
    const fetches = children(loop);
    expect(fetches.map((span) => [span.attrs['weft.step.name'], span.attrs['weft.step.iteration']])).toEqual(
      expect.arrayContaining([
        ['Fetch Order', 0],
        ['Fetch Order', 1],
      ]),
    );
    expect(fetches).toHaveLength(2);
    for (const fetchStep of fetches) {
      expect(fetchStep.attrs).toMatchObject({
        'weft.step.component': 'http',
        'weft.step.action': 'httpGet',
        'weft.step.status': 'succeeded',
      });
      const requests = children(fetchStep);
      expect(requests).toHaveLength(1);
      const request = requests[0]!;
      expect(request.kind).toBe(spanKindClient);
      expect(request.name).toBe('GET');
      expect(request.attrs).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': ordersApi.port,
      });
      // The URL without its query string (where secrets travel).
      const order = fetchStep.attrs['weft.step.iteration'] === 0 ? 41 : 42;
      expect(request.attrs['url.full']).toBe(`http://127.0.0.1:${ordersApi.port}/orders/${order}`);
    }
    expect(JSON.stringify(spans)).not.toContain('s3cr3t-query');

    // The failing step: error status with its message, and the exception as an event.
    const check = step('Check Totals');
    expect(check.attrs).toMatchObject({ 'weft.step.status': 'failed', 'weft.step.action': 'runCode' });
    expect(check.status?.code).toBe(statusError);
    expect(check.status?.message).toContain('totals do not match');
    expect(check.events?.map((event) => event.name)).toEqual(['exception']);
    expect(step('Each Order').status?.code).not.toBe(statusError);
    expect(spans).toHaveLength(1 + 3 + 2 + 2);
  });
});
