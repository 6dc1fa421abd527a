import fs from 'node:fs/promises';
import path from 'node:path';
import { Egress } from '@weft/egress';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { bootstrapOrganization } from './auth/bootstrap-organization.js';
import { ComponentSandboxes } from './components/component-sandboxes.js';
import type { WeftConfig } from './config.js';
import { connectDatabase, type DatabaseHandle } from './database/connection.js';
import { type DataDirLock, lockDataDir } from './database/data-dir-lock.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { migrateAll } from './database/migrate.js';
import { WeftError } from './errors.js';
import { startExecutionWaiter } from './executions/execution-waiter.js';
import { buildHttpApp } from './http-app.js';
import type { InlineRunner } from './ingress/webhook-ingress.js';
import { createWeftMetrics, type WeftMetrics } from './monitoring/metrics.js';
import { type ExecutionTracer, startTracing } from './monitoring/tracing.js';
import { createMonitoring } from './monitoring-runtime.js';
import { type ScheduleLeader, startScheduleLeader } from './scheduler/schedule-leader.js';
import { Keyring } from './secrets/keyring.js';
import { loadMasterKeys } from './secrets/master-key.js';
import { weftVersion } from './version.js';
import { type ExecutionWorker, startExecutionWorker } from './worker/execution-worker.js';
import { runExecution } from './worker/run-execution.js';

/** A running Weft process. */
export interface WeftServer {
  /** Base URL the HTTP server answers on, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly config: WeftConfig;
  readonly database: DatabaseHandle;
  /** Set when Weft runs its own PostgreSQL. */
  readonly embeddedPostgres: EmbeddedPostgres | undefined;
  /** The owner token, only on the start that created the organization. */
  readonly ownerToken: string | undefined;
  readonly http: FastifyInstance;
  /** Seals and opens stored credentials. */
  readonly keyring: Keyring;
  /** This server's Prometheus metrics (`/metrics`): every part it started records into it. */
  readonly metrics: WeftMetrics;
  /** Stops in order: stop accepting requests, drain in-flight ones, stop roles, close the database, stop PostgreSQL. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Called as each start-up phase begins, for a person watching. */
  onProgress?: (message: string) => void;
}

/** Runs everything `weft start` runs: the database, migrations, the first-start bootstrap, HTTP and the roles. */
export async function startWeft(config: WeftConfig, options: StartOptions): Promise<WeftServer> {
  const { log } = options;
  const progress = options.onProgress ?? (() => {});
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: Error) => log.error({ error: error.message }, 'error while stopping'));
    }
  };

  try {
    let embedded: EmbeddedPostgres | undefined;
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      await prepareDataDir(config.dataDir);
      const lock: DataDirLock = await lockDataDir(config.dataDir, log);
      cleanups.push(() => lock.release());
      embedded = await startEmbeddedPostgres({
        clusterDir: path.join(config.dataDir, 'postgres'),
        log: log.child({ component: 'postgres' }),
        onProgress: progress,
      });
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.databaseUrl;
    }

    progress('Connecting to the database');
    const database = await connectDatabase(databaseUrl, log);
    cleanups.push(() => database.close());

    progress('Applying migrations');
    await migrateAll(database, log);

    // The encryption self-test: refuses to go on with a key that cannot read this database's credentials.
    progress('Checking the encryption key');
    const hasDataKeys = await database.db
      .selectFrom('encryption_keys')
      .select('id')
      .limit(1)
      .executeTakeFirst();
    const masterKeys = await loadMasterKeys(config, log, { mayCreate: hasDataKeys === undefined });
    const keyring = await Keyring.open(database.db, masterKeys, log);

    const { ownerToken } = await bootstrapOrganization(database.db, { ownerToken: config.adminToken });
    if (ownerToken) log.info('created the organization and its owner token on first start');

    const waiter = await startExecutionWaiter(database.pool, database.db, log);
    cleanups.push(() => waiter.close());

    // One registry per server, handed to each part it starts (monitoring/metrics.ts); traces only when an OTLP
    // endpoint is configured (the SDK is not even loaded otherwise). Stopped after the worker, so its last spans go.
    const metrics = createWeftMetrics({ db: database.db, processMetrics: true });
    let tracer: ExecutionTracer | undefined;
    if (config.tracing) {
      tracer = await startTracing(config.tracing, log);
      cleanups.push(() => tracer!.shutdown());
    }

    // Every outbound request made on a user's behalf (http steps, data sources, connection tests, token requests,
    // custom components through their sandboxes' proxy) goes through this one egress, under WEFT_EGRESS_ALLOW.
    const egress = new Egress(config.egress);
    cleanups.push(() => egress.close());
    if (config.egress.allowAll) {
      log.warn('WEFT_EGRESS_ALLOW=*: the egress guard is off; flows and components may reach any address');
    }

    // Custom components and code-native integrations run here, in sandbox processes shared by the roles.
    const sandboxes = new ComponentSandboxes(log.child({ component: 'sandbox' }), config.componentSandbox, {
      egress,
      network: config.sandboxNetwork,
    });
    cleanups.push(() => sandboxes.close());
    // Said at start rather than at the first custom component's step: without network isolation, none can run.
    const sandboxProblem = await sandboxes.networkProblem();
    if (sandboxProblem) log.warn({ code: 'SANDBOX_NETWORK_UNAVAILABLE' }, sandboxProblem);
    if (config.sandboxNetwork === 'open') {
      log.warn(
        'WEFT_SANDBOX_NETWORK=open: custom components share this machine network; their HTTP clients still go through the egress guard, but code that opens sockets itself is not stopped',
      );
    }

    // Known once the HTTP server listens (port 0 picks one); until then only WEFT_PUBLIC_URL.
    let listeningUrl: string | undefined;
    let runner: ExecutionWorker | undefined;
    // Monitoring (worker role): the outbox dispatcher hands changes and execution milestones to alert monitors,
    // event webhooks and log streams; the delivery runner sends what they queue. Started once HTTP listens.
    const monitoring = config.roles.includes('worker')
      ? createMonitoring(database, log, {
          config,
          keyring,
          egress,
          metrics,
          publicUrl: () => config.publicUrl ?? listeningUrl,
        })
      : undefined;
    if (monitoring) cleanups.push(() => monitoring.stop());

    progress('Starting the HTTP server');
    const http = await buildHttpApp({
      db: database.db,
      log,
      roles: config.roles,
      bodyLimitBytes: config.bodyLimitBytes,
      version: weftVersion,
      waiter,
      keyring,
      sandboxes,
      egress,
      publicUrl: config.publicUrl,
      allowedOrigins: config.allowedOrigins,
      syncTimeoutMs: config.syncTimeoutMs,
      preprocessConcurrency: config.preprocessConcurrency,
      webhookBodyLimitBytes: config.webhookBodyLimitBytes,
      bodyShapeLimits: config.bodyShapeLimits,
      people: { sessions: config.sessions },
      metrics,
      ...(monitoring ? { notifications: monitoring.deliveries } : {}),
      ...(config.roles.includes('worker')
        ? { inline: inlineRunnerOf(() => runner, database, log, config) }
        : {}),
    });
    // Compile every route's validators and serializers now, before the worker opens its connections: seconds of
    // CPU at start that would otherwise starve the queue's pool until its connection attempts time out.
    await http.ready();
    if (config.roles.includes('worker')) {
      runner = await startExecutionWorker(database, log, {
        concurrency: config.workerConcurrency,
        leaseMs: config.executionLeaseMs,
        retentionDays: config.executionRetentionDays,
        auditRetentionDays: config.auditRetentionDays,
        waiter,
        keyring,
        sandboxes,
        egress,
        baseUrl: () => config.publicUrl ?? listeningUrl,
        ...(monitoring ? { onMonitoringEvent: () => monitoring.dispatcher.wake() } : {}),
        metrics,
        ...(tracer ? { tracer } : {}),
      });
    }
    if (runner) cleanups.push(() => runner!.stop());
    cleanups.push(() => closeHttp(http, config.shutdownGraceMs, log));
    const url = await listen(http, config);
    listeningUrl = url;

    monitoring?.start();

    let leader: ScheduleLeader | undefined;
    if (config.roles.includes('scheduler')) {
      leader = startScheduleLeader(database, log, { metrics });
      cleanups.push(() => leader!.stop());
    }

    log.info(
      { url, roles: config.roles, embedded: embedded !== undefined, version: weftVersion },
      'weft is ready',
    );

    let stopping: Promise<void> | undefined;
    return {
      url,
      config,
      database,
      embeddedPostgres: embedded,
      ownerToken,
      http,
      keyring,
      metrics,
      stop: () => {
        stopping ??= (async () => {
          // Drain HTTP first, while the roles and the database its requests use are still there.
          await closeHttp(http, config.shutdownGraceMs, log);
          await cleanup();
          log.info('weft stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Synchronous webhooks on a worker process run their flow here, with the worker's leases and caches. */
function inlineRunnerOf(
  workerOf: () => ExecutionWorker | undefined,
  database: DatabaseHandle,
  log: Logger,
  config: WeftConfig,
): InlineRunner {
  const workerLog = log.child({ component: 'worker' });
  return {
    // The worker starts before the server listens, so every request finds it.
    run: (executionId) => {
      const worker = workerOf();
      if (!worker) throw new Error('the execution worker has not started');
      return runExecution(database.db, executionId, workerLog, worker.runDeps, { removeJobOnFinish: true });
    },
    leaseMs: config.executionLeaseMs,
    // Beyond this many at once, synchronous flows wait in the queue like any other execution.
    limit: Math.max(16, config.workerConcurrency * 8),
  };
}

async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true });
    await fs.access(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new WeftError(
      'DATA_DIR_UNUSABLE',
      `The data directory ${dataDir} cannot be used: ${(error as Error).message}.`,
      {
        dataDir,
      },
    );
  }
}

async function listen(http: FastifyInstance, config: WeftConfig): Promise<string> {
  try {
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new WeftError('PORT_IN_USE', `Port ${config.port} on ${config.host} is already in use.`, {
        port: config.port,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new WeftError('CONFIG_INVALID', `WEFT_HOST '${config.host}' is not an address of this machine.`, {
        problems: [
          `WEFT_HOST: '${config.host}' is not an address of this machine; use 127.0.0.1 or 0.0.0.0.`,
        ],
      });
    }
    throw error;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

const closedApps = new WeakSet<FastifyInstance>();

/** Stop accepting, let in-flight requests finish for up to `graceMs`, then cut the remaining connections. */
async function closeHttp(http: FastifyInstance, graceMs: number, log: Logger): Promise<void> {
  if (closedApps.has(http)) return;
  closedApps.add(http);
  const timer = setTimeout(() => {
    log.warn({ graceMs }, 'requests still running after the grace period; closing their connections');
    http.server.closeAllConnections();
  }, graceMs);
  // A keep-alive connection busy when the close began turns idle once its request is answered; close it then
  // rather than waiting out the keep-alive timeout.
  const sweeper = setInterval(() => http.server.closeIdleConnections(), 50);
  try {
    await http.close();
  } finally {
    clearTimeout(timer);
    clearInterval(sweeper);
  }
}
