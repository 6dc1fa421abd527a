// Issue 16: custom components' sandbox processes reach the network only through the egress guard. Each runs in a
// network namespace of its own, whose one way out is the egress proxy on a Unix-domain socket in its directory:
// http.request, https, fetch and axios in a component work unchanged for a host the allow-list opens (and the
// proxy is what connects), while requests to refused addresses fail with EGRESS_ADDRESS_REFUSED and sockets the
// component opens itself (net.connect, an agent's own createConnection) find no network at all; the target gets
// nothing. Where no namespace can be made, custom components do not run (SANDBOX_NETWORK_UNAVAILABLE), unless the
// operator chose WEFT_SANDBOX_NETWORK=open.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Egress, type EgressProxyEvent, egressPolicy } from '@weft/egress';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ComponentCallError,
  ComponentSandboxes,
  type SandboxBundle,
  SandboxFailure,
} from '../src/components/component-sandboxes.js';
import { defaultSandboxLimits } from '../src/config.js';

const log = pino({ level: 'silent' });
const limits = { ...defaultSandboxLimits, callTimeoutMs: 20_000 };

let target: http.Server;
let targetPort = 0;
let targetConnections = 0;
const targetRequests: string[] = [];
/** Opens `localhost` (standing for an external API the operator allowed by name), nothing else. */
const egress = new Egress(egressPolicy('localhost'));
const events: Array<EgressProxyEvent & { component: string }> = [];
let sandboxes: ComponentSandboxes;

/**
 * A component (CommonJS, as bundles are) whose action `call` runs one way of reaching `params.url` and answers what
 * came back, or throws what went wrong. axios is bundled in from the repository, as a connector would bundle it.
 */
const axiosPath = createRequire(import.meta.url).resolve('axios');
const componentSource = `
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const axios = require(${JSON.stringify(axiosPath)});
const read = (response) => new Promise((resolve, reject) => {
  let text = '';
  response.on('data', (chunk) => { text += chunk; });
  response.on('end', () => resolve(response.statusCode + ' ' + text));
  response.on('error', reject);
});
const ways = {
  request: (url) => new Promise((resolve, reject) => (url.startsWith('https:') ? https : http).get(url, (response) => read(response).then(resolve, reject)).on('error', reject)),
  fetch: async (url) => { const response = await fetch(url); return response.status + ' ' + (await response.text()); },
  axios: async (url) => { const response = await axios.get(url); return response.status + ' ' + JSON.stringify(response.data); },
  socket: (url) => new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    net.connect(Number(port), hostname).on('connect', function () { this.destroy(); resolve('connected'); }).on('error', reject);
  }),
  ownConnection: (url) => new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    http.get({ host: hostname, port, path: '/', createConnection: (options) => net.createConnection(options) }, (response) => read(response).then(resolve, reject)).on('error', reject);
  }),
};
module.exports = { default: {
  key: 'reacher',
  actions: { call: { key: 'call', perform: async (_context, params) => ({ data: await ways[params.way](params.url) }) } },
  triggers: {},
  dataSources: {},
} };
`;
// The bundle the sandboxes load is the component with axios inlined by esbuild, as a published bundle is.
let bundle: SandboxBundle;

beforeAll(async () => {
  target = http.createServer((request, response) => {
    targetRequests.push(`${request.method} ${request.url}`);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url }));
  });
  target.on('connection', () => {
    targetConnections += 1;
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
  const { build } = await import('esbuild');
  const built = await build({
    stdin: { contents: componentSource, loader: 'js', resolveDir: process.cwd() },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const content = Buffer.from(built.outputFiles[0]!.contents);
  bundle = {
    sha256: createHash('sha256').update(content).digest('hex'),
    label: "component 'reacher' (version 1)",
    load: async () => content,
  };
  sandboxes = new ComponentSandboxes(log, limits, { egress, onEgress: (event) => events.push(event) });
});

afterAll(async () => {
  await sandboxes?.close();
  await egress.close();
  target?.closeAllConnections();
  await new Promise((resolve) => target?.close(resolve));
});

function call(url: string, way: string, on = sandboxes) {
  return on.call(
    bundle,
    { kind: 'action', key: 'call', context: {}, params: { url, way } },
    { onLog: () => {} },
  );
}

async function failureOf(promise: Promise<unknown>): Promise<ComponentCallError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ComponentCallError);
  return outcome as ComponentCallError;
}

describe('a custom component in its sandbox', () => {
  it('reaches a host the allow-list opens with http.request, fetch and axios, and the proxy is what connects', async () => {
    targetRequests.length = 0;
    events.length = 0;
    const url = `http://localhost:${targetPort}/orders`;
    for (const way of ['request', 'fetch', 'axios']) {
      const outcome = await call(`${url}?by=${way}`, way);
      expect(outcome.result, way).toEqual({ data: `200 {"path":"/orders?by=${way}"}` });
    }
    expect(targetRequests).toEqual([
      'GET /orders?by=request',
      'GET /orders?by=fetch',
      'GET /orders?by=axios',
    ]);
    // Every connection was the proxy's, for this component (keep-alive lets requests share one); the sandbox
    // itself has no network: a socket of its own to the same host fails.
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (const { component, host, port, outcome } of events) {
      expect({ component, host, port, outcome }).toEqual({
        component: bundle.label,
        host: 'localhost',
        port: targetPort,
        outcome: 'connected',
      });
    }
    await expect(call(url, 'socket')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
  });

  it('fails requests to refused addresses with the guard error; the target gets nothing', async () => {
    targetRequests.length = 0;
    targetConnections = 0;
    events.length = 0;
    const loopback = `http://127.0.0.1:${targetPort}/secret`;
    for (const [url, way] of [
      [loopback, 'request'],
      [loopback, 'fetch'],
      [loopback, 'axios'],
      [`http://2130706433:${targetPort}/secret`, 'request'],
      [`http://[::ffff:127.0.0.1]:${targetPort}/secret`, 'fetch'],
      ['http://169.254.169.254/latest/meta-data/iam/', 'axios'],
      ['https://169.254.169.254/latest/meta-data/', 'request'],
      ['http://10.0.0.1/', 'request'],
    ] as const) {
      const failure = await failureOf(call(url, way));
      expect(failure.code, `${way} ${url}`).toBe('EGRESS_ADDRESS_REFUSED');
      expect(failure.message, `${way} ${url}`).toMatch(/Refused to connect to .*WEFT_EGRESS_ALLOW\.$/);
    }
    expect(events.map((event) => event.outcome)).toEqual(Array(8).fill('refused'));
    expect(targetRequests).toEqual([]);
    expect(targetConnections).toBe(0);
  });

  it('finds no network for sockets it opens itself (net.connect, its own createConnection)', async () => {
    targetConnections = 0;
    for (const url of [`http://127.0.0.1:${targetPort}/`, `http://localhost:${targetPort}/`]) {
      for (const way of ['socket', 'ownConnection']) {
        const failure = await failureOf(call(url, way));
        // No interface is up in the namespace: nothing is reachable, not even this machine.
        expect(failure.code, `${way} ${url}`).toMatch(/^(ENETUNREACH|EADDRNOTAVAIL|ECONNREFUSED)$/);
      }
    }
    expect(targetConnections).toBe(0);
  });
});

describe('where no network namespace can be made', () => {
  it('refuses to run custom components, saying what to install or set', async () => {
    // An unshare that always fails stands for a machine without namespaces.
    const without = new ComponentSandboxes(log, limits, { egress, unshare: '/bin/false' });
    try {
      const problem = await without.networkProblem();
      expect(problem).toMatch(
        /^Custom components cannot run on this machine: .*Install util-linux .*WEFT_SANDBOX_NETWORK=open\.$/,
      );
      const failure = await call(`http://localhost:${targetPort}/`, 'fetch', without).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SandboxFailure);
      expect(failure).toMatchObject({ code: 'SANDBOX_NETWORK_UNAVAILABLE' });
      expect((failure as Error).message).toMatch(
        /^component 'reacher' \(version 1\) cannot run: Custom components cannot run/,
      );
      expect(without.size).toBe(0);
    } finally {
      await without.close();
    }
  });

  it('runs them on the machine network with WEFT_SANDBOX_NETWORK=open, their HTTP clients still guarded', async () => {
    const open = new ComponentSandboxes(log, limits, { egress, network: 'open', unshare: '/bin/false' });
    try {
      expect(await open.networkProblem()).toBeUndefined();
      const reached = await call(`http://localhost:${targetPort}/open`, 'fetch', open);
      expect(reached.result).toEqual({ data: '200 {"path":"/open"}' });
      const refused = await failureOf(call(`http://127.0.0.1:${targetPort}/open`, 'request', open));
      expect(refused.code).toBe('EGRESS_ADDRESS_REFUSED');
      // What the opt-out gives up: a socket of its own is not stopped.
      expect((await call(`http://127.0.0.1:${targetPort}/`, 'socket', open)).result).toEqual({
        data: 'connected',
      });
    } finally {
      await open.close();
    }
  });
});
