import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import { createLogger, loadConfig, startWeft, type WeftServer } from '../../src/index.js';

/** A fresh, empty database in the test run's PostgreSQL; returns its URL. */
export function createTestDatabase(): Promise<string> {
  return newDatabase();
}

/**
 * A fresh database already migrated to the current schema and holding nothing else (no organization, no keys): a
 * copy of the run's template (see global-setup.ts), which is what `migrateAll` would make of an empty database, in a
 * fraction of the time. Weft started on it still runs its migrations, and finds none left to apply. Tests of the
 * migrations themselves use `createTestDatabase`.
 */
export function createMigratedTestDatabase(): Promise<string> {
  return newDatabase(inject('postgresTemplateDatabase'));
}

async function newDatabase(template?: string): Promise<string> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `weft_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers of many shapes and assert on them
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface TestServer {
  weft: WeftServer;
  url: string;
  databaseUrl: string;
  ownerToken: string;
  /** Calls the API as `token` (the owner's by default) and returns status, parsed body and headers. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  api<T = any>(
    method: string,
    path: string,
    options?: {
      token?: string | null;
      body?: unknown;
      rawBody?: string | Buffer;
      headers?: Record<string, string>;
    },
  ): Promise<ApiAnswer<T>>;
  stop(): Promise<void>;
}

/** The master key vitest.config.ts gives every test process, for tests that build a Weft config themselves. */
export function sharedKeyEnv(): Record<string, string> {
  return process.env.WEFT_ENCRYPTION_KEY ? { WEFT_ENCRYPTION_KEY: process.env.WEFT_ENCRYPTION_KEY } : {};
}

/**
 * What test servers may reach on the loopback interface: the mock APIs, OAuth providers and webhook targets the
 * tests start listen on 127.0.0.1, which Weft's egress guard refuses by default. A test of the guard itself passes
 * its own WEFT_EGRESS_ALLOW (an empty one keeps the default).
 */
export const loopbackEgressAllow = '127.0.0.0/8,::1';

/**
 * A real Weft server (every role) on a free port, over its own new database (migrated from the run's template, see
 * `createMigratedTestDatabase`). Its outbound requests may reach loopback (`loopbackEgressAllow`), unless `env` sets
 * WEFT_EGRESS_ALLOW.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const databaseUrl = env.DATABASE_URL ?? (await createMigratedTestDatabase());
  const config = loadConfig({
    WEFT_PORT: '0',
    WEFT_LOG_LEVEL: 'silent',
    WEFT_EGRESS_ALLOW: loopbackEgressAllow,
    ...sharedKeyEnv(),
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const weft = await startWeft(config, { log: createLogger(config.logLevel) });
  const ownerToken = weft.ownerToken ?? env.WEFT_ADMIN_TOKEN;
  if (!ownerToken) throw new Error('test server started on a database that already had an organization');
  return {
    weft,
    url: weft.url,
    databaseUrl,
    ownerToken,
    api: (method, path, options = {}) => callApi(weft.url, ownerToken, method, path, options),
    stop: () => weft.stop(),
  };
}

export async function callApi(
  baseUrl: string,
  defaultToken: string,
  method: string,
  path: string,
  options: {
    token?: string | null;
    body?: unknown;
    rawBody?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiAnswer> {
  const token = options.token === undefined ? defaultToken : options.token;
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] = 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...headers, ...options.headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** A port free a moment ago, so a server can be told its public URL (the base of webhook URLs) before it starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A test server told the public URL callers reach it at (`WEFT_PUBLIC_URL`), as deployments are: webhook URLs a
 * worker hands to components (`context.webhookUrls`) are built on it, with no request to read a host from. The
 * port is chosen first; taken meanwhile by another process, another one is tried.
 */
export async function startTestServerWithPublicUrl(env: Record<string, string> = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await startTestServer({
        ...env,
        WEFT_PORT: String(port),
        WEFT_PUBLIC_URL: `http://127.0.0.1:${port}`,
      });
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
}
