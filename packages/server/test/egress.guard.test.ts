// Issue 16: outbound requests made on a user's behalf go through the egress guard, on by default. On a server
// started WITHOUT an allow-list, an http step, a custom component's data source (in its sandbox, through the egress
// proxy), a connection test and an OAuth 2.0 token request aimed at a local service fail with
// EGRESS_ADDRESS_REFUSED and a message naming the host, the address, the range and WEFT_EGRESS_ALLOW; the local
// service never sees a connection. On a server whose WEFT_EGRESS_ALLOW opens `localhost`, the same calls by that
// name go through (its sandboxes' proxy included), and 127.0.0.1 itself stays refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.js';
import { bundleSource } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { instanceOf, testRun, waitForExecution, webhookTrigger } from './support/worker-fixtures.js';

/** A local API: what it was asked, and how many connections reached it at all. */
let api: http.Server;
let apiPort = 0;
let apiConnections = 0;
const apiRequests: string[] = [];

/** A server with no WEFT_EGRESS_ALLOW (the default guard), and one that opens `localhost`. */
let guarded: TestServer;
let opened: TestServer;

const remoteComponent = `
import { component, dataSource, input } from '@weft/sdk';
export default component({
  key: 'remote-lists',
  display: { label: 'Remote Lists', description: 'Lists read from a URL' },
  dataSources: {
    lists: dataSource({
      display: { label: 'Lists', description: 'The lists the URL answers' },
      inputs: { url: input({ label: 'URL', type: 'string', required: true }) },
      dataSourceType: 'picklist',
      perform: async (_context, { url }) => {
        const response = await fetch(String(url));
        const body = (await response.json()) as { lists: string[] };
        return { result: body.lists.map((name) => ({ label: name, key: name })) };
      },
    }),
  },
  actions: {},
});
`;

function definition(name: string, dataSourceUrl: string): string {
  const remote = '{key: remote-lists, version: LATEST, isPublic: false}';
  return `definitionVersion: 7
name: ${name}
description: Calls the URLs it is given
endpointType: flow_specific
requiredConfigVars:
  - key: Target List
    stableKey: target-list
    dataType: picklist
    dataSource: {key: lists, component: ${remote}}
    inputs:
      url: {type: value, value: "${dataSourceUrl}"}
    orgOnly: false
configPages: []
flows:
  - name: Call
    description: GETs the URL of its payload
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Fetch It
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: template, value: "{{$integrationTrigger.results.body.data.url}}"}
          maxRetries: {type: value, value: "2"}
`;
}

beforeAll(async () => {
  api = http.createServer((request, response) => {
    apiRequests.push(`${request.method} ${request.url}`);
    response.setHeader('content-type', 'application/json');
    if (request.url === '/token') {
      response.end(JSON.stringify({ access_token: 'token-1', token_type: 'bearer', expires_in: 3600 }));
      return;
    }
    response.end(JSON.stringify({ lists: ['customers', 'leads'], path: request.url }));
  });
  api.on('connection', () => {
    apiConnections += 1;
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiPort = (api.address() as AddressInfo).port;
  // An empty WEFT_EGRESS_ALLOW replaces the loopback opening startTestServer gives by default.
  [guarded, opened] = await Promise.all([
    startTestServer({ WEFT_EGRESS_ALLOW: '' }),
    startTestServer({ WEFT_EGRESS_ALLOW: 'localhost' }),
  ]);
  for (const server of [guarded, opened]) {
    const published = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSource(remoteComponent), comment: 'remote lists' },
    });
    expect(published.status, published.text).toBe(201);
  }
});

afterAll(async () => {
  await Promise.all([guarded?.stop(), opened?.stop()]);
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
});

function resetApi(): void {
  apiConnections = 0;
  apiRequests.length = 0;
}

const refusalOf127 =
  /Refused to connect to 127\.0\.0\.1: 127\.0\.0\.1 is in the loopback \(this machine\) range\. .* ask the operator to add it to WEFT_EGRESS_ALLOW\./;

describe('a server without an allow-list', () => {
  it("fails an http step to 127.0.0.1 with the guard's message, at once, and the local API gets nothing", async () => {
    resetApi();
    const instance = await instanceOf(
      guarded,
      definition('Step Guard', `http://127.0.0.1:${apiPort}/lists`),
      'Guarded Co',
    );
    for (const url of [`http://127.0.0.1:${apiPort}/orders`, `http://localhost:${apiPort}/orders`]) {
      const execution = await waitForExecution(guarded, await testRun(guarded, instance, 'Call', { url }), {
        timeoutMs: 30_000,
      });
      expect(execution.status).toBe('failed');
      expect(execution.error.code).toBe('STEP_FAILED');
      expect(execution.error.message).toMatch(
        /^step 'Fetch It' failed: GET http:\/\/(127\.0\.0\.1|localhost):\d+\/orders failed: Refused to connect to (127\.0\.0\.1|localhost)( \(it resolves to 127\.0\.0\.1\))?: 127\.0\.0\.1 is in the loopback \(this machine\) range\./,
      );
      expect(execution.error.message).toContain('ask the operator to add it to WEFT_EGRESS_ALLOW.');
      // The step's own record carries the guard's code; a refusal is not retried (Max Retry Count 2).
      const step = execution.stepRecords.find((record: { name: string }) => record.name === 'Fetch It');
      expect(step).toMatchObject({ status: 'failed' });
      expect(JSON.stringify(step)).not.toContain('after 3 attempts');
    }
    expect(apiConnections).toBe(0);
    expect(apiRequests).toEqual([]);
  });

  it("fails a custom component's data source (its sandbox reaches out only through the guard)", async () => {
    resetApi();
    const instance = await instanceOf(
      guarded,
      definition('Wizard Guard', `http://127.0.0.1:${apiPort}/lists`),
      'Wizard Co',
    );
    const answer = await guarded.api('GET', `/api/instances/${instance}/data-sources/Target%20List`);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.error.code).toBe('DATA_SOURCE_FAILED');
    expect(answer.body.error.message).toContain("The data source of 'Target List' failed");
    expect(answer.body.error.message).toMatch(refusalOf127);
    expect(apiConnections).toBe(0);
  });

  it('refuses single sign-on against an OpenID provider at a refused address, naming the guard', async () => {
    resetApi();
    const saved = await guarded.api('PUT', '/api/organization/sso', {
      body: {
        issuer: `http://127.0.0.1:${apiPort}`,
        clientId: 'weft',
        clientSecret: 'secret',
        allowedDomains: [],
      },
    });
    expect(saved.status, saved.text).toBe(200);
    const org = await guarded.api('GET', '/api/organization');
    const start = await guarded.api('GET', `/api/auth/oidc/start?organization=${org.body.id}`, {
      token: null,
    });
    expect(start.status).toBeGreaterThanOrEqual(400);
    expect(start.text).toMatch(/127\.0\.0\.1/);
    expect(start.text).toContain('EGRESS_ADDRESS_REFUSED');
    expect(apiConnections).toBe(0);
  });

  it('fails a connection test of a local URL, and a token request to a local token URL', async () => {
    resetApi();
    const created = await guarded.api('POST', '/api/connections', {
      body: {
        stableKey: 'local-key',
        kind: 'org_global',
        name: 'Local key',
        component: 'http',
        connection: 'apiKey',
        values: { apiKey: 'key-1' },
      },
    });
    expect(created.status, created.text).toBe(201);
    const tested = await guarded.api('POST', `/api/connections/${created.body.id}/test`, {
      body: { url: `http://127.0.0.1:${apiPort}/me` },
    });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body.ok).toBe(false);
    const request = tested.body.checks.find((check: { check: string }) => check.check === 'request');
    expect(request.ok).toBe(false);
    expect(request.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/me failed: EGRESS_ADDRESS_REFUSED: /);
    expect(request.message).toMatch(refusalOf127);

    const oauth = await guarded.api('POST', '/api/connections', {
      body: {
        stableKey: 'local-oauth',
        kind: 'org_global',
        name: 'Local OAuth',
        component: 'http',
        connection: 'oauth2ClientCredentials',
        values: { tokenUrl: `http://127.0.0.1:${apiPort}/token`, clientId: 'weft', clientSecret: 'secret-1' },
      },
    });
    expect(oauth.status, oauth.text).toBe(201);
    const tokenTest = await guarded.api('POST', `/api/connections/${oauth.body.id}/test`, { body: {} });
    expect(tokenTest.status, tokenTest.text).toBe(200);
    const token = tokenTest.body.checks.find((check: { check: string }) => check.check === 'token');
    expect(token.ok).toBe(false);
    expect(token.message).toContain(`Token request to http://127.0.0.1:${apiPort}/token was not sent: `);
    expect(token.message).toMatch(refusalOf127);
    expect(apiConnections).toBe(0);
  });
});

describe('a server whose WEFT_EGRESS_ALLOW opens localhost', () => {
  it('lets the http step, the data source and the connection test reach localhost, and still refuses 127.0.0.1', async () => {
    resetApi();
    const instance = await instanceOf(
      opened,
      definition('Opened', `http://localhost:${apiPort}/lists`),
      'Open Co',
    );
    const reached = await waitForExecution(
      opened,
      await testRun(opened, instance, 'Call', { url: `http://localhost:${apiPort}/orders` }),
      { timeoutMs: 30_000 },
    );
    expect(reached.status, JSON.stringify(reached.error)).toBe('succeeded');

    const lists = await opened.api('GET', `/api/instances/${instance}/data-sources/Target%20List`);
    expect(lists.status, lists.text).toBe(200);
    expect(lists.body.result).toEqual([
      { label: 'customers', key: 'customers' },
      { label: 'leads', key: 'leads' },
    ]);
    expect(apiRequests).toEqual(['GET /orders', 'GET /lists']);

    const refused = await waitForExecution(
      opened,
      await testRun(opened, instance, 'Call', { url: `http://127.0.0.1:${apiPort}/orders` }),
      { timeoutMs: 30_000 },
    );
    expect(refused.status).toBe('failed');
    expect(refused.error.message).toMatch(refusalOf127);
    expect(apiRequests).toEqual(['GET /orders', 'GET /lists']);
  });
});

describe('WEFT_EGRESS_ALLOW', () => {
  it('is read and checked with the other settings: every entry it cannot read is a problem', () => {
    const config = loadConfig({ WEFT_EGRESS_ALLOW: 'intranet.example.com, 10.0.0.0/8,*.corp.example' });
    expect(config.egress).toMatchObject({
      allowAll: false,
      entries: ['intranet.example.com', '10.0.0.0/8', '*.corp.example'],
    });
    expect(loadConfig({}).egress).toMatchObject({ allowAll: false, entries: [] });
    expect(loadConfig({ WEFT_EGRESS_ALLOW: '*' }).egress.allowAll).toBe(true);

    let problems: string[] = [];
    try {
      loadConfig({
        WEFT_EGRESS_ALLOW: 'http://intranet.example.com,10.0.0.0/40',
        WEFT_SANDBOX_NETWORK: 'none',
      });
    } catch (error) {
      problems = (error as { details: { problems: string[] } }).details.problems;
    }
    expect(problems).toEqual([
      "WEFT_EGRESS_ALLOW: 'http://intranet.example.com' is a URL; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "WEFT_EGRESS_ALLOW: '10.0.0.0/40' is not a CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "WEFT_SANDBOX_NETWORK: 'none' is not a sandbox network mode; use isolated (the default: custom components reach the network only through the egress guard) or open (they share the machine's network).",
    ]);
  });
});
