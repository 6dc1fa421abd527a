// A Spectral component's error hook (hooks.error) turns a failed API call into a message: that message is what the
// step error and the execution's error show, secrets masked as in every step error, not axios's "Request failed
// with status code 401". The fixture (test/fixtures/spectral/error-hook-component.ts) is bundled with esbuild as
// Prismatic's own build does (Spectral inside), published, and run against a mock API that answers 401 with a JSON
// error body naming the key it refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  type ExecutionAnswer,
  instanceOf,
  testRun,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const apiKey = 'acme-live-9f3e2d1c0b';
/** What the mock API answers every call: 401 with its own JSON error body, which quotes the key it refused. */
const errorBody = {
  error: { code: 'invalid_api_key', message: `Invalid API key ${apiKey}: it was revoked on 2026-03-01` },
};

let server: TestServer;
let api: http.Server;
let apiUrl: string;
const calls: Array<{ url: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  api = http.createServer((request, response) => {
    calls.push({ url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify(errorBody));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  server = await startTestServer({ WEFT_LOG_LEVEL: 'silent' });
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((resolve) => {
    api?.closeAllConnections();
    api?.close(() => resolve());
  });
});

const component = '{key: spectral-error-hook, version: LATEST, isPublic: false}';
const flow = (hookReturns: string) => `  - name: Hook ${hookReturns}
    steps:
${webhookTrigger}      - name: Get Profile
        action: {key: getProfile, component: ${component}}
        inputs:
          connection: {type: configVar, value: Acme Key}
          hookReturns: {type: value, value: ${hookReturns}}
`;

const definition = `definitionVersion: 7
name: Error Hook Messages
requiredConfigVars:
  - key: Acme Key
    dataType: connection
    connection: {key: acmeKey, component: ${component}}
    orgOnly: false
flows:
${['string', 'object', 'body', 'handleErrors'].map(flow).join('')}`;

describe("a Spectral component's error hook", () => {
  let instanceId: string;

  beforeAll(async () => {
    const published = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSpectralFixture('error-hook-component.ts') },
    });
    expect(published.status, published.text).toBe(201);
    instanceId = await instanceOf(server, definition, 'Hook Co');
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { 'Acme Key': { apiKey, baseUrl: apiUrl } } },
    });
    expect(configured.status, configured.text).toBe(200);
  });

  async function failedRun(hookReturns: string): Promise<{ execution: ExecutionAnswer; stepError: unknown }> {
    const execution = await waitForExecution(
      server,
      await testRun(server, instanceId, `Hook ${hookReturns}`),
      {
        timeoutMs: 30_000,
      },
    );
    expect(execution.status, JSON.stringify(execution.error)).toBe('failed');
    const step = execution.stepRecords.find((record: { name: string }) => record.name === 'Get Profile');
    expect(step?.status).toBe('failed');
    // The API was called, with the key: the failure is the API's answer.
    expect(calls.at(-1)).toEqual({
      url: `/me?hookReturns=${hookReturns}`,
      authorization: `Bearer ${apiKey}`,
    });
    return { execution, stepError: step?.error ?? execution.error };
  }

  /** What every variant must show: the API's message, the key masked, and not only axios's generic message. */
  function expectApiMessage(message: string): void {
    expect(message).toContain('Invalid API key [REDACTED]: it was revoked on 2026-03-01');
    expect(message).not.toContain(apiKey);
  }

  it('shows the string the hook returns as the step error', async () => {
    const { execution } = await failedRun('string');
    expect(execution.error).toMatchObject({
      code: 'STEP_FAILED',
      message: "step 'Get Profile' failed: Invalid API key [REDACTED]: it was revoked on 2026-03-01",
    });
  });

  it('shows the message of an object the hook returns', async () => {
    const { execution } = await failedRun('object');
    expect(execution.error.message).toBe(
      "step 'Get Profile' failed: Acme refused the call: Invalid API key [REDACTED]: it was revoked on 2026-03-01",
    );
  });

  it("shows the message inside the API's own error body when the hook returns the body", async () => {
    const { execution } = await failedRun('body');
    expectApiMessage(execution.error.message);
    expect(execution.error.message).toBe(
      "step 'Get Profile' failed: Invalid API key [REDACTED]: it was revoked on 2026-03-01",
    );
  });

  it("adds the API's message to axios's own when the hook is Spectral's handleErrors", async () => {
    const { execution } = await failedRun('handleErrors');
    expectApiMessage(execution.error.message);
    expect(execution.error.message).toBe(
      "step 'Get Profile' failed: Request failed with status code 401: Invalid API key [REDACTED]: it was revoked on 2026-03-01",
    );
    // The logs say it too, masked.
    const logged = JSON.stringify(execution.logs);
    expect(logged).not.toContain(apiKey);
  });
});
