// Issue 16: the egress proxy (a Unix-domain socket, the one way out of a component sandbox) and its client inside
// a process that has no network of its own (a network namespace, as the server starts sandboxes). http.request,
// https, fetch and axios work unchanged for allowed hosts, through the proxy; refused addresses fail with the
// guard's code and message, and direct connections (net.connect) fail: the target never sees them.
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EgressProxy,
  type EgressProxyEvent,
  egressPolicy,
  egressProxyClientSource,
  startEgressProxy,
} from '../src/index.js';

let target: http.Server;
let targetPort = 0;
let targetRequests: string[] = [];
let targetConnections = 0;
let dir: string;
let proxy: EgressProxy;
const events: EgressProxyEvent[] = [];

beforeAll(async () => {
  target = http.createServer((request, response) => {
    targetRequests.push(`${request.method} ${request.url}`);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url, host: request.headers.host }));
  });
  target.on('connection', () => {
    targetConnections += 1;
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetPort = (target.address() as AddressInfo).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-egress-test-'));
  // `localhost` stands for an external API the operator opened by name; 127.0.0.1 itself stays refused.
  proxy = await startEgressProxy(egressPolicy('localhost'), path.join(dir, 'egress.sock'), {
    onEvent: (event) => events.push(event),
  });
});

afterAll(async () => {
  await proxy?.close();
  target?.closeAllConnections();
  await new Promise((resolve) => target?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One request through the proxy socket with an absolute URI, as a standard forward-proxy client sends it. */
function forward(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: proxy.path, path: url, headers: { host: new URL(url).host } });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the egress proxy', () => {
  it('forwards an absolute-URI request to an allowed host, and refuses a refused one with a 403 saying why', async () => {
    targetRequests = [];
    const allowed = await forward(`http://localhost:${targetPort}/items?page=2`);
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toEqual({ path: '/items?page=2', host: `localhost:${targetPort}` });

    for (const url of [
      `http://127.0.0.1:${targetPort}/secret`,
      `http://2130706433:${targetPort}/secret`,
      'http://169.254.169.254/',
    ]) {
      const refused = await forward(url);
      expect(refused.status, url).toBe(403);
      const error = JSON.parse(refused.body).error;
      expect(error.code).toBe('EGRESS_ADDRESS_REFUSED');
      expect(error.message).toContain('WEFT_EGRESS_ALLOW');
    }
    expect(targetRequests).toEqual(['GET /items?page=2']);
  });

  it('tunnels CONNECT to an allowed host and refuses one to a refused address (even written in hex)', async () => {
    const connect = (authority: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ socketPath: proxy.path, method: 'CONNECT', path: authority });
        // Node hands over the socket whatever the status: a refusal's body follows on it.
        request.on('connect', (response, socket, head) => {
          const status = response.statusCode ?? 0;
          if (status === 200) {
            socket.destroy();
            resolve({ status, body: '' });
            return;
          }
          const chunks: Buffer[] = [head];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.on('close', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
        });
        request.on('error', reject);
        request.end();
      });
    expect((await connect(`localhost:${targetPort}`)).status).toBe(200);
    const refused = await connect(`0x7f.1:${targetPort}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.message).toMatch(/^Refused to connect to 127\.0\.0\.1: /);
    expect(
      events.filter((event) => event.kind === 'connect').map((event) => [event.host, event.outcome]),
    ).toEqual([
      ['localhost', 'connected'],
      ['127.0.0.1', 'refused'],
    ]);
  });
});

/** Whether this machine lets this process make a network namespace (root, or unprivileged user namespaces). */
function namespaceFlags(): string[] | undefined {
  for (const flags of [['--net'], ['--user', '--map-root-user', '--net']]) {
    try {
      execFileSync('unshare', [...flags, '--', process.execPath, '--version'], { stdio: 'ignore' });
      return flags;
    } catch {
      // try the next way
    }
  }
  return undefined;
}
const flags = namespaceFlags();

describe.skipIf(flags === undefined)('a process with no network but the proxy', () => {
  /** Runs `body` (CommonJS) in a fresh network namespace, the proxy client installed; answers what it printed. */
  function inSandbox(body: string): Promise<Record<string, string>> {
    const script = path.join(dir, `sandbox-${Math.random().toString(36).slice(2)}.cjs`);
    fs.writeFileSync(
      script,
      `${egressProxyClientSource}
installEgressProxyClient(${JSON.stringify(proxy.path)});
const port = ${targetPort};
const results = {};
const describe = (error) => (error && error.cause ? error.cause : error);
(async () => {
${body}
})().then(() => console.log(JSON.stringify(results)), (error) => { console.error(error); process.exit(1); });
`,
    );
    return new Promise((resolve, reject) => {
      execFile(
        'unshare',
        [...(flags ?? []), '--', process.execPath, script],
        { env: {}, timeout: 30_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
      );
    });
  }

  it('reaches an allowed host through the proxy with http.request, fetch and axios, unchanged', async () => {
    targetRequests = [];
    const axiosPath = createRequire(import.meta.url).resolve('axios');
    const results = await inSandbox(`
  const http = require('node:http');
  results.http = await new Promise((resolve) => http.get('http://localhost:' + port + '/via-http', (response) => {
    let text = ''; response.on('data', (chunk) => { text += chunk; }); response.on('end', () => resolve(response.statusCode + ' ' + text));
  }).on('error', (error) => resolve('error ' + error.code)));
  results.fetch = await fetch('http://localhost:' + port + '/via-fetch').then((response) => response.text(), (error) => 'error ' + describe(error).code);
  const axios = require(${JSON.stringify(axiosPath)});
  results.axios = await axios.get('http://localhost:' + port + '/via-axios').then((response) => JSON.stringify(response.data), (error) => 'error ' + error.code);
`);
    expect(results.http).toBe(`200 {"path":"/via-http","host":"localhost:${targetPort}"}`);
    expect(JSON.parse(results.fetch ?? '')).toEqual({ path: '/via-fetch', host: `localhost:${targetPort}` });
    expect(JSON.parse(results.axios ?? '')).toEqual({ path: '/via-axios', host: `localhost:${targetPort}` });
    expect(targetRequests).toEqual(['GET /via-http', 'GET /via-fetch', 'GET /via-axios']);
  });

  it('fails requests to refused addresses with the guard error, and direct connections with no network', async () => {
    targetRequests = [];
    targetConnections = 0;
    const before = events.length;
    const results = await inSandbox(`
  const http = require('node:http');
  const net = require('node:net');
  results.http = await new Promise((resolve) => http.get('http://127.0.0.1:' + port + '/', () => resolve('answered'))
    .on('error', (error) => resolve(error.code + ': ' + error.message)));
  results.https = await new Promise((resolve) => require('node:https').get('https://169.254.169.254/latest/meta-data/', () => resolve('answered'))
    .on('error', (error) => resolve(error.code)));
  results.fetch = await fetch('http://[::ffff:127.0.0.1]:' + port + '/').then(() => 'answered', (error) => describe(error).code);
  // Around the proxy: a socket of its own, and an agent told to connect directly.
  results.net = await new Promise((resolve) => net.connect(port, '127.0.0.1').on('connect', () => resolve('connected')).on('error', (error) => resolve(error.code)));
  results.netByName = await new Promise((resolve) => net.connect(port, 'localhost').on('connect', () => resolve('connected')).on('error', (error) => resolve(error.code)));
  results.ownConnection = await new Promise((resolve) => http.get({ host: '127.0.0.1', port, createConnection: (options) => net.createConnection(options) }, () => resolve('answered'))
    .on('error', (error) => resolve(error.code)));
`);
    expect(results.http).toMatch(
      /^EGRESS_ADDRESS_REFUSED: Refused to connect to 127\.0\.0\.1: .*WEFT_EGRESS_ALLOW\.$/,
    );
    expect(results.https).toBe('EGRESS_ADDRESS_REFUSED');
    expect(results.fetch).toBe('EGRESS_ADDRESS_REFUSED');
    expect(results.net).toBe('ENETUNREACH');
    expect(results.netByName).toMatch(/^(ENETUNREACH|ECONNREFUSED|EADDRNOTAVAIL)$/);
    expect(results.ownConnection).toBe('ENETUNREACH');
    expect(targetRequests).toEqual([]);
    expect(targetConnections).toBe(0);
    expect(events.slice(before).map((event) => event.outcome)).toEqual(['refused', 'refused', 'refused']);
  });
});
