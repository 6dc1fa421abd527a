// Issue 16: the guarded fetch against a real local server. Every spelling of a refused address (decimal, hex and
// octal IPv4, IPv6 forms wrapping IPv4, names that resolve to loopback), redirects into refused addresses, and
// HTTPS with certificate checks off, are refused with EGRESS_ADDRESS_REFUSED before any connection is made; the
// same URLs go through once WEFT_EGRESS_ALLOW opens their addresses.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Egress, EgressRefusedError, egressPolicy } from '../src/index.js';

/** Listens on every loopback address, IPv4 and IPv6 (dual stack), and counts the connections it gets. */
let server: http.Server;
let port = 0;
let connections = 0;
/** A second server on 127.0.0.2, loopback too, for redirects out of an allowed origin. */
let elsewhere: http.Server;
let elsewherePort = 0;
let elsewhereConnections = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      response.end();
      return;
    }
    response.end(`hello from ${request.socket.localAddress}`);
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen({ port: 0, host: '::', ipv6Only: false });
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  elsewhere = http.createServer((_request, response) => response.end('elsewhere'));
  elsewhere.on('connection', () => {
    elsewhereConnections += 1;
  });
  elsewhere.listen(0, '127.0.0.2');
  await once(elsewhere, 'listening');
  elsewherePort = (elsewhere.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  elsewhere.closeAllConnections();
  await Promise.all([once(server.close(), 'close'), once(elsewhere.close(), 'close')]);
});

beforeEach(() => {
  connections = 0;
  elsewhereConnections = 0;
});

/** The URLs that all mean "this machine", in the forms an attacker would try. */
const loopbackUrls = () => [
  `http://127.0.0.1:${port}/`,
  `http://127.1:${port}/`,
  `http://127.0.0.255:${port}/`,
  `http://2130706433:${port}/`,
  `http://0x7f.1:${port}/`,
  `http://0x7f000001:${port}/`,
  `http://0177.0.0.1:${port}/`,
  `http://0177.0.0.01:${port}/`,
  `http://[::1]:${port}/`,
  `http://[0:0:0:0:0:0:0:1]:${port}/`,
  `http://[::ffff:127.0.0.1]:${port}/`,
  `http://[::ffff:7f00:1]:${port}/`,
  `http://localhost:${port}/`,
  `http://LOCALHOST:${port}/`,
];

/** Addresses that must be refused whatever they are, checked before any connection (nothing listens there). */
const specialUrls = [
  'http://0/',
  'http://0.0.0.0/',
  'http://[::]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://100.100.100.200/latest/meta-data/',
  'http://169.254.10.1/',
  'http://[fe80::1]/',
  'http://10.0.0.1/',
  'http://10.255.255.254:8080/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.0.1/',
  'http://192.168.1.1:3000/',
  'http://100.64.0.1/',
  'http://[fd00::1]/',
  'http://[fc00::1]/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://240.0.0.1/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2002:7f00:1::1]/',
  'https://169.254.169.254/',
];

async function refusalOf(promise: Promise<unknown>): Promise<EgressRefusedError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(EgressRefusedError);
  return outcome as EgressRefusedError;
}

describe('the guarded fetch, by default', () => {
  const egress = new Egress();
  afterAll(() => egress.close());

  it('refuses every spelling of loopback with EGRESS_ADDRESS_REFUSED, and connects nowhere', async () => {
    for (const url of loopbackUrls()) {
      const refusal = await refusalOf(egress.fetch(url));
      expect(refusal.code, url).toBe('EGRESS_ADDRESS_REFUSED');
      expect(refusal.range, url).toBe('loopback');
      expect(refusal.message, url).toMatch(/is in the loopback \(this machine\) range\./);
      expect(refusal.message, url).toMatch(/ask the operator to add it to WEFT_EGRESS_ALLOW\.$/);
    }
    expect(connections).toBe(0);
  });

  it('reads decimal, hex and octal IPv4 as the WHATWG URL parser does, so they are checked as 127.0.0.1', async () => {
    for (const url of [
      `http://2130706433:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://0177.0.0.1:${port}/`,
    ]) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect((await refusalOf(egress.fetch(url))).address).toBe('127.0.0.1');
    }
    expect(new URL(`http://[::ffff:127.0.0.1]:${port}/`).hostname).toBe('[::ffff:7f00:1]');
  });

  it('checks a name on the address it resolves to, and says both', async () => {
    const refusal = await refusalOf(egress.fetch(`http://localhost:${port}/`));
    expect(refusal.host).toBe('localhost');
    expect(refusal.message).toMatch(
      /^Refused to connect to localhost \(it resolves to (127\.0\.0\.1|::1)\): /,
    );
  });

  it.each(specialUrls)('refuses %s', async (url) => {
    const refusal = await refusalOf(egress.fetch(url, { signal: AbortSignal.timeout(5000) }));
    expect(refusal.code).toBe('EGRESS_ADDRESS_REFUSED');
  });

  it('names the range: cloud metadata, private network, shared address space, link-local', async () => {
    const ranges: Array<[string, string]> = [
      ['http://169.254.169.254/', 'cloud metadata'],
      ['http://100.100.100.200/', 'cloud metadata'],
      ['http://[fd00:ec2::254]/', 'cloud metadata'],
      ['http://10.1.2.3/', 'private network'],
      ['http://[fd12::1]/', 'private network'],
      ['http://100.64.1.1/', 'shared address space (100.64.0.0/10, carrier-grade NAT)'],
      ['http://169.254.3.3/', 'link-local'],
      ['http://[::ffff:10.0.0.1]/', 'private network'],
    ];
    for (const [url, label] of ranges) {
      expect((await refusalOf(egress.fetch(url))).message, url).toContain(`is in the ${label} range.`);
    }
  });

  it('keeps the guard with TLS certificate checks off', async () => {
    await refusalOf(egress.fetch(`https://127.0.0.1:${port}/`, {}, { ignoreTlsErrors: true }));
    expect(connections).toBe(0);
  });
});

describe('the guarded fetch, opened by the allow-list', () => {
  it('reaches every spelling of loopback once WEFT_EGRESS_ALLOW opens 127.0.0.0/8 and ::1', async () => {
    const egress = new Egress(egressPolicy('127.0.0.0/8,::1'));
    try {
      for (const url of loopbackUrls()) {
        const response = await egress.fetch(url);
        expect(response.status, url).toBe(200);
        expect(await response.text(), url).toMatch(/^hello from /);
      }
      expect(connections).toBeGreaterThan(0);
      // Still closed: what the list does not name.
      await refusalOf(egress.fetch('http://169.254.169.254/'));
      await refusalOf(egress.fetch('http://10.0.0.1/'));
    } finally {
      await egress.close();
    }
  });

  it('opens a host by name (what it resolves to), not the addresses behind other names', async () => {
    const egress = new Egress(egressPolicy('localhost'));
    try {
      expect((await egress.fetch(`http://localhost:${port}/`)).status).toBe(200);
      await refusalOf(egress.fetch(`http://127.0.0.1:${port}/`));
    } finally {
      await egress.close();
    }
  });

  it('turns the guard off with *', async () => {
    const egress = new Egress(egressPolicy('*'));
    try {
      expect((await egress.fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      expect((await egress.fetch(`http://[::1]:${port}/`)).status).toBe(200);
    } finally {
      await egress.close();
    }
  });
});

describe('redirects', () => {
  it('refuses a redirect from an allowed server into a refused address; the target gets nothing', async () => {
    // 127.0.0.1 is opened; 127.0.0.2 (loopback too), metadata and ::1 are not.
    const egress = new Egress(egressPolicy('127.0.0.1'));
    try {
      for (const target of [
        `http://127.0.0.2:${elsewherePort}/`,
        'http://169.254.169.254/latest/meta-data/',
        `http://[::1]:${port}/`,
        `http://2130706434:${elsewherePort}/`, // 127.0.0.2, in decimal
      ]) {
        const redirect = `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(target)}`;
        const refusal = await refusalOf(egress.fetch(redirect));
        expect(refusal.code, target).toBe('EGRESS_ADDRESS_REFUSED');
        // Manual redirects (the http component's) get the same answer on the next hop.
        const hop = await egress.fetch(redirect, { redirect: 'manual' });
        expect(hop.status).toBe(302);
        await refusalOf(egress.fetch(new URL(hop.headers.get('location') ?? '', redirect)));
      }
      expect(elsewhereConnections).toBe(0);
      // Where the redirect stays inside what is opened, it is followed.
      const inside = `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${port}/`)}`;
      expect((await egress.fetch(inside)).status).toBe(200);
    } finally {
      await egress.close();
    }
  });
});

describe('requests with bodies', () => {
  it('sends a global FormData as multipart (undici reads only its own class otherwise)', async () => {
    const echo = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        response.end(
          JSON.stringify({ type: request.headers['content-type'], body: Buffer.concat(chunks).toString() }),
        ),
      );
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const egress = new Egress(egressPolicy('127.0.0.1'));
    try {
      const form = new FormData();
      form.append('name', 'Ada');
      form.append('file', new Blob(['bytes'], { type: 'text/plain' }), 'a.txt');
      const response = await egress.fetch(`http://127.0.0.1:${(echo.address() as AddressInfo).port}/`, {
        method: 'POST',
        body: form,
      });
      const answer = (await response.json()) as { type: string; body: string };
      expect(answer.type).toMatch(/^multipart\/form-data; boundary=/);
      expect(answer.body).toContain('name="file"; filename="a.txt"');
      expect(answer.body).toContain('bytes');
    } finally {
      await egress.close();
      await once(echo.close(), 'close');
    }
  });
});
