import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { loopbackEgressAllow, type TestServer } from './test-server.js';

/** Helpers of the worker tests: deploying a definition, test runs, waiting on executions, worker processes. */

/** A trigger step line for flow YAML (webhook trigger, Prismatic's keys). */
export const webhookTrigger = `      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

/** Imports and publishes `yaml`, creates a customer and an instance of it; returns the instance id. */
export async function instanceOf(server: TestServer, yaml: string, customerName = 'Acme'): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', { body: { definition: yaml } });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await server.api('POST', '/api/customers', { body: { name: customerName } });
  expect(customer.status, customer.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId: customer.body.id, integrationId: imported.body.id, name: `${customerName} instance` },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id as string;
}

/** Test-runs a flow of the instance; returns the execution id. */
export async function testRun(
  server: TestServer,
  instanceId: string,
  flow: string,
  payload: unknown = {},
): Promise<string> {
  const answer = await server.api(
    'POST',
    `/api/instances/${instanceId}/flows/${encodeURIComponent(flow)}/test`,
    { body: { payload } },
  );
  expect(answer.status, answer.text).toBe(202);
  return answer.body.executionId as string;
}

// biome-ignore lint/suspicious/noExplicitAny: the execution as the API answers it
export type ExecutionAnswer = any;

/** Polls `GET /api/executions/:id` until `done` holds (default: finished); fails after `timeoutMs`. */
export async function waitForExecution(
  server: TestServer,
  executionId: string,
  options: { timeoutMs?: number; done?: (execution: ExecutionAnswer) => boolean } = {},
): Promise<ExecutionAnswer> {
  const done = options.done ?? ((execution) => !['queued', 'running'].includes(execution.status));
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const answer = await server.api('GET', `/api/executions/${executionId}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body)) return answer.body;
    if (Date.now() > deadline) {
      throw new Error(`execution ${executionId} never got there; last seen: ${answer.text.slice(0, 2000)}`);
    }
    await sleep(50);
  }
}

/** Waits until `check` answers a value other than undefined; fails after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A local HTTP server flows call: counts the calls to `/hit/<id>` per id. */
export interface HitCounter {
  port: number;
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startHitCounter(): Promise<HitCounter> {
  const hits = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const match = /^\/hit\/([^/?]+)/.exec(request.url ?? '');
    if (match?.[1]) hits.set(match[1], (hits.get(match[1]) ?? 0) + 1);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The committed `weft` entry point (it runs packages/cli/dist: the workspace must be built, as `npm test` does). */
const weftBin = fileURLToPath(new URL('../../../cli/bin/weft.js', import.meta.url));

/** A `weft start --role worker` child process on a test database. */
export class WorkerProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(databaseUrl: string, env: Record<string, string> = {}) {
    const clean: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('WEFT_') && key !== 'DATABASE_URL') clean[key] = value;
    }
    // The same master key as the test server, or its self-test refuses the database.
    if (process.env.WEFT_ENCRYPTION_KEY) clean.WEFT_ENCRYPTION_KEY = process.env.WEFT_ENCRYPTION_KEY;
    this.child = spawn(process.execPath, [weftBin, 'start', '--role', 'worker'], {
      env: {
        ...clean,
        DATABASE_URL: databaseUrl,
        WEFT_PORT: '0',
        WEFT_LOG_LEVEL: 'warn',
        // As startTestServer: the mock APIs its executions call listen on loopback, which the guard refuses.
        WEFT_EGRESS_ALLOW: loopbackEgressAllow,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
    this.exited.catch(() => undefined);
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  /** Resolves once the worker role is up (its ready banner is printed). */
  async ready(timeoutMs = 30_000): Promise<void> {
    await eventually(
      `the worker process to start\n${this.output}`,
      async () => (this.output.includes('Roles') ? true : undefined),
      timeoutMs,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Every worker process a test started, so a failed test leaves none running. */
const running = new Set<WorkerProcess>();

export async function killWorkerProcesses(): Promise<void> {
  for (const worker of running) worker.kill('SIGKILL');
  await Promise.all([...running].map((worker) => worker.exited));
}
