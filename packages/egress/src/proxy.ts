/**
 * The egress proxy: an HTTP forward proxy on a Unix-domain socket, the one way out of a component sandbox (whose
 * process has no network of its own). CONNECT host:port opens a tunnel (what the sandbox's agents and fetch use,
 * for https and plain http alike); a request with an absolute URI (`GET http://host/path`) is forwarded as is.
 * Either way the connection to the target is opened through the guard (guarded-connect.ts), under the same policy
 * as every other outbound request of Weft. A refusal is answered `403` with a JSON body
 * `{"error": {"code": "EGRESS_ADDRESS_REFUSED", "message": …}}`, which the sandbox turns back into the error.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { guardedLookup, guardedTcpConnect, literalRefusal } from './guarded-connect.js';
import { type EgressPolicy, egressRefusalIn } from './policy.js';

/** One connection the proxy was asked for, and what became of it. */
export interface EgressProxyEvent {
  /** `connect`: a CONNECT tunnel; `forward`: an absolute-URI request. */
  kind: 'connect' | 'forward';
  host: string;
  port: number;
  outcome: 'connected' | 'refused' | 'failed';
  /** The address connected to (when connected). */
  address?: string;
  /** Why it was refused or failed. */
  message?: string;
  code?: string;
}

export interface EgressProxyOptions {
  /** Told of every connection, refused or not (for logs, metrics and tests). */
  onEvent?: (event: EgressProxyEvent) => void;
  /** How long connecting to a target may take. */
  connectTimeoutMs?: number;
}

export interface EgressProxy {
  readonly path: string;
  close(): Promise<void>;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `host:port` of a CONNECT request, the host normalised by the WHATWG URL parser (0x7f.1 → 127.0.0.1). */
function connectTarget(authority: string | undefined): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]/@\s]+):(\d{1,5})$/.exec(authority ?? '');
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  try {
    return { host: new URL(`http://${match[1]}`).hostname, port };
  } catch {
    return undefined;
  }
}

function failureOf(error: unknown): { status: number; code: string; message: string } {
  const refusal = egressRefusalIn(error);
  if (refusal) return { status: 403, code: refusal.code, message: refusal.message };
  const code = (error as { code?: unknown })?.code;
  return {
    status: 502,
    code: typeof code === 'string' ? code : 'EGRESS_CONNECT_FAILED',
    message: (error as Error)?.message ?? String(error),
  };
}

function answer(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = http.STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Starts the proxy on a Unix-domain socket at `path` (removed first if a stale one is there; only this user may
 * connect to it). Every connection goes through `policy`.
 */
export async function startEgressProxy(
  policy: EgressPolicy,
  path: string,
  options: EgressProxyOptions = {},
): Promise<EgressProxy> {
  const report = (event: EgressProxyEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is not the connection's.
    }
  };
  const open = new Set<Duplex>();
  const track = (socket: Duplex) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = http.createServer();
  server.on('connection', track);

  server.on('connect', async (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => client.destroy());
    const target = connectTarget(request.url);
    if (!target) {
      answer(client, 400, 'EGRESS_BAD_REQUEST', `CONNECT needs host:port, got ${request.url}`);
      return;
    }
    let upstream: net.Socket;
    try {
      upstream = await guardedTcpConnect(policy, target.host, target.port, {
        timeoutMs: options.connectTimeoutMs,
      });
    } catch (error) {
      const failure = failureOf(error);
      report({
        kind: 'connect',
        ...target,
        outcome: failure.status === 403 ? 'refused' : 'failed',
        code: failure.code,
        message: failure.message,
      });
      answer(client, failure.status, failure.code, failure.message);
      return;
    }
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    track(upstream);
    report({ kind: 'connect', ...target, outcome: 'connected', address: upstream.remoteAddress });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });

  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'http:') {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            code: 'EGRESS_BAD_REQUEST',
            message: `the egress proxy forwards absolute http:// URIs and CONNECT tunnels, not ${request.url}`,
          },
        }),
      );
      return;
    }
    const host = url.hostname;
    const port = Number(url.port || 80);
    const fail = (error: unknown) => {
      const failure = failureOf(error);
      report({
        kind: 'forward',
        host,
        port,
        outcome: failure.status === 403 ? 'refused' : 'failed',
        code: failure.code,
        message: failure.message,
      });
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(failure.status, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ error: { code: failure.code, message: failure.message } }));
    };
    const refusal = literalRefusal(policy, host);
    if (refusal) {
      request.resume();
      fail(refusal);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!hopByHop.has(name) && value !== undefined) headers[name] = value;
    }
    const upstream = http.request({
      host: host.startsWith('[') ? host.slice(1, -1) : host,
      port,
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers,
      lookup: guardedLookup(policy),
      agent: false,
      timeout: options.connectTimeoutMs ?? 30_000,
    });
    upstream.once('socket', (socket) =>
      socket.once('connect', () =>
        report({ kind: 'forward', host, port, outcome: 'connected', address: socket.remoteAddress }),
      ),
    );
    upstream.on('timeout', () =>
      upstream.destroy(
        Object.assign(new Error(`${host}:${port} did not answer in time`), { code: 'ETIMEDOUT' }),
      ),
    );
    upstream.on('error', fail);
    upstream.on('response', (answer) => {
      const answerHeaders: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!hopByHop.has(name) && value !== undefined) answerHeaders[name] = value;
      }
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaders);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });

  // sun_path holds 108 bytes on Linux (104 on macOS): a longer path fails to listen with an obscure error.
  if (Buffer.byteLength(path) > 103) {
    throw new Error(
      `the egress proxy's socket path ${path} is longer than a Unix-domain socket allows (103 bytes); set TMPDIR to a shorter directory`,
    );
  }
  await fs.rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await fs.chmod(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
