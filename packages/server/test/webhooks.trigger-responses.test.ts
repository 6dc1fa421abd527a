// Issue 13 (webhooks): asynchronous flows whose trigger sets the HTTP response (Slack, Microsoft Graph and
// Salesforce handshakes: echo a challenge, answer an ACK). The caller gets the trigger's response as soon as the
// trigger ran, while the rest of the flow runs on; the execution is stored before the answer. Built-in webhook
// triggers with empty response inputs keep answering {executionId} at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeStep,
  customerWith,
  customTriggerStep,
  deployedInstance,
  exportFlow,
  exportIntegration,
  httpGetStep,
  importAndPublish,
  webhookTriggerStep,
} from './support/export-yaml.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitForExecution } from './support/worker-fixtures.js';

/** A local server a flow step calls: each request to /gate/<id> is held until the test opens that gate. */
interface Gates {
  port: number;
  /** Resolves once a request for `id` arrived. */
  arrived(id: string): Promise<void>;
  open(id: string): void;
  close(): Promise<void>;
}

async function startGates(): Promise<Gates> {
  const waiting = new Map<string, { arrived: Promise<void>; onArrive(): void; release?: () => void }>();
  const opened = new Set<string>();
  const entry = (id: string) => {
    let found = waiting.get(id);
    if (!found) {
      let onArrive = () => {};
      const arrived = new Promise<void>((resolve) => {
        onArrive = resolve;
      });
      found = { arrived, onArrive };
      waiting.set(id, found);
    }
    return found;
  };
  const server = http.createServer((request, response) => {
    const id = /^\/gate\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '';
    const gate = entry(id);
    const answer = () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ gate: id }));
    };
    gate.onArrive();
    if (opened.has(id)) answer();
    else gate.release = answer;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrived: (id) => entry(id).arrived,
    open: (id) => {
      opened.add(id);
      entry(id).release?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let server: TestServer;
let gates: Gates;
let urls: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ WEFT_SYNC_TIMEOUT_MS: '10000' });
  gates = await startGates();
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('acme-component.ts'), comment: 'built with Spectral' },
  });
  expect(published.status, published.text).toBe(201);
  const codeTrigger = (code: string) => `- action:
    component:
      isPublic: true
      key: code
      version: LATEST
    key: runCodeTrigger
  description: ''
  inputs:
    code:
      type: value
      value: ${JSON.stringify(code)}
  isTrigger: true
  name: Integration Trigger`;
  const id = await importAndPublish(
    server,
    exportIntegration({
      name: 'Handshakes',
      flows: [
        exportFlow({
          name: 'Acknowledge',
          steps: [
            webhookTriggerStep({ statusCode: '202', contentType: 'text/plain', body: 'ACK' }),
            httpGetStep(
              'Wait For Gate',
              `http://127.0.0.1:${gates.port}/gate/{{$integrationTrigger.results.body.data.id}}`,
            ),
            codeStep('Done', "return { data: 'done ' + stepResults.waitForGate.results.gate };"),
          ],
        }),
        exportFlow({
          name: 'Plain',
          steps: [webhookTriggerStep(), codeStep('Done', "return { data: 'plain' };")],
        }),
        exportFlow({
          name: 'Confirm',
          steps: [
            customTriggerStep('spectral-acme', 'ackWebhook', 'Acme Hook'),
            httpGetStep(
              'Wait For Gate',
              `http://127.0.0.1:${gates.port}/gate/{{$acmeHook.results.body.data.code}}`,
            ),
          ],
        }),
        exportFlow({
          name: 'Slack Events',
          steps: [
            codeTrigger(`module.exports = async (context, payload) => {
  const body = payload.body.data || {};
  if (body.token !== 'verification-token') throw new Error('the request is not from Slack');
  if (body.type === 'url_verification') {
    return { payload, response: { statusCode: 200, contentType: 'text/plain', body: body.challenge } };
  }
  if (body.type === 'odd_headers') {
    const headers = { 'x-ok': 'fine', 'bad header': 'x', 'x-split': 'a\\r\\nb' };
    return { payload, response: { statusCode: 202, headers, contentType: 'text/plain', body: 'ok' } };
  }
  return { payload };
};`),
            codeStep(
              'Handle Event',
              'return { data: stepResults.integrationTrigger.results.body.data.event };',
            ),
          ],
        }),
      ],
    }),
  );
  const customer = await customerWith(server, 'Handshake Co', 'handshake-1');
  const instanceId = await deployedInstance(server, id, customer, 'Handshakes');
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  urls = Object.fromEntries(
    flows.body.flows.map((flow: { flow: string; webhookUrl: string }) => [flow.flow, flow.webhookUrl]),
  );
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await gates?.close();
});

async function status(executionId: string): Promise<string> {
  const [row] = await sqlQuery<{ status: string }>(server, 'select status from executions where id = $1', [
    executionId,
  ]);
  return row!.status;
}

describe('asynchronous flows whose trigger sets the response', () => {
  it("answers the webhook trigger's status and body while the rest of the flow waits, then runs on", async () => {
    const answer = await fetch(urls.Acknowledge!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'ack-1' }),
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answer.text()).toBe('ACK');
    const executionId = answer.headers.get('x-weft-execution-id')!;
    // The caller has its answer; the flow's second step is still held at the gate, so the flow has not finished.
    await gates.arrived('ack-1');
    expect(await status(executionId)).toBe('running');
    gates.open('ack-1');
    const execution = await waitForExecution(server, executionId);
    expect(execution.status).toBe('succeeded');
    expect(execution.steps.done).toBe('done ack-1');
    // The trigger's response is kept with the execution.
    const [row] = await sqlQuery<{ trigger_response: unknown; awaits: boolean }>(
      server,
      'select trigger_response, awaits_trigger_response as awaits from executions where id = $1',
      [executionId],
    );
    expect(row).toEqual({
      awaits: true,
      trigger_response: { statusCode: 202, headers: {}, contentType: 'text/plain', body: 'ACK' },
    });
  });

  it('answers {executionId} at once when the webhook trigger sets no response (the fast path)', async () => {
    const answer = await fetch(urls.Plain!, { method: 'POST' });
    expect(answer.status).toBe(200);
    const { executionId } = (await answer.json()) as { executionId: string };
    const [row] = await sqlQuery<{ awaits: boolean }>(
      server,
      'select awaits_trigger_response as awaits from executions where id = $1',
      [executionId],
    );
    expect(row!.awaits).toBe(false);
    expect((await waitForExecution(server, executionId)).status).toBe('succeeded');
  });

  it("answers a custom component trigger's echo of the request's confirmation code", async () => {
    const answer = await fetch(urls.Confirm!, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-confirmation-code': 'c0de-7' },
      body: 'id,item\n1,anvil\n',
    });
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('ack c0de-7');
    expect(answer.headers.get('x-confirmation-code')).toBe('c0de-7');
    const executionId = answer.headers.get('x-weft-execution-id')!;
    await gates.arrived('c0de-7');
    expect(await status(executionId)).toBe('running');
    gates.open('c0de-7');
    expect((await waitForExecution(server, executionId)).status).toBe('succeeded');
  });

  it('echoes a Slack-style challenge from a code trigger, and answers {executionId} when it sets no response', async () => {
    const challenge = await fetch(urls['Slack Events']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: 'verification-token',
        type: 'url_verification',
        challenge: '3eZbrw1aBm2r',
      }),
    });
    expect(challenge.status).toBe(200);
    expect(challenge.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await challenge.text()).toBe('3eZbrw1aBm2r');

    const event = await fetch(urls['Slack Events']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: 'verification-token',
        type: 'event_callback',
        event: { type: 'message' },
      }),
    });
    expect(event.status).toBe(200);
    const { executionId } = (await event.json()) as { executionId: string };
    expect(event.headers.get('x-weft-execution-id')).toBe(executionId);
    const execution = await waitForExecution(server, executionId);
    expect(execution.steps.handleEvent).toEqual({ type: 'message' });
  });

  it('leaves out response headers HTTP cannot carry instead of failing the answer', async () => {
    const answer = await fetch(urls['Slack Events']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'verification-token', type: 'odd_headers' }),
    });
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('ok');
    expect(answer.headers.get('x-ok')).toBe('fine');
    expect(answer.headers.get('x-split')).toBeNull();
  });

  it('answers 500 naming the execution when the trigger fails; the failed execution is kept', async () => {
    const answer = await fetch(urls['Slack Events']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'forged', type: 'url_verification', challenge: 'x' }),
    });
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as {
      error: { code: string; message: string; details: { executionId: string } };
    };
    expect(body.error.code).toBe('EXECUTION_FAILED');
    expect(body.error.message).toContain('the request is not from Slack');
    expect(body.error.details.executionId).toBe(answer.headers.get('x-weft-execution-id'));
    // The answer came once the execution had ended: it is stored as failed, in its trigger.
    const execution = await waitForExecution(server, body.error.details.executionId);
    expect(execution.status).toBe('failed');
    expect(execution.stepRecords).toEqual([
      expect.objectContaining({ key: 'integrationTrigger', status: 'failed' }),
    ]);
  });
});
