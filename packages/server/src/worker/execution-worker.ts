import type { Egress } from '@weft/egress';
import { type Runner, run } from 'graphile-worker';
import type { Logger } from 'pino';
import {
  pruneAuditEventsCrontab,
  pruneAuditEventsTask,
  pruneAuditEventsTaskName,
} from '../audit/audit-retention.js';
import { ComponentSandboxes } from '../components/component-sandboxes.js';
import type { DatabaseHandle } from '../database/connection.js';
import { runExecutionTask as runExecutionTaskName } from '../executions/execution-queue.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { queueLogger } from '../logger.js';
import type { WeftMetrics } from '../monitoring/metrics.js';
import type { ExecutionTracer } from '../monitoring/tracing.js';
import type { Keyring } from '../secrets/keyring.js';
import { type ExecutionReaper, startExecutionReaper } from './execution-reaper.js';
import { pruneExecutionsTask } from './prune-executions.js';
import { createExecutionRunDeps, type ExecutionRunDeps, runExecutionTask } from './run-execution.js';

/**
 * The `worker` role: pulls jobs from the durable queue (graphile-worker, in the same PostgreSQL) and runs them.
 * Its task, `run-execution`, claims a queued execution under a lease, runs it with the engine and stores what it
 * does as it goes; a heartbeat renews the leases (and notices cancellations), and a reaper hands on the executions
 * of workers that died. See docs/executions-worker.md.
 */
export interface ExecutionWorkerOptions {
  /** Executions run at once by this process. */
  concurrency: number;
  /** How long a running execution's lease lasts without renewal. */
  leaseMs: number;
  /** Executions older than this many days are pruned (0: never). */
  retentionDays: number;
  /** Audit events older than this many days are pruned (0: never; unset: 365). */
  auditRetentionDays?: number;
  /** Cross-flow calls wait on it for the invoked execution. */
  waiter: ExecutionWaiter;
  /** Opens stored credentials for the executions' connections. */
  keyring: Keyring;
  /** Where custom components and code-native integrations run; without it, the worker starts its own. */
  sandboxes?: ComponentSandboxes;
  /** Outbound HTTP of the executions' steps and token renewals (the server's egress policy). */
  egress?: Egress;
  /** The address webhook URLs are given with, once known (code-native flows read their webhook URLs). */
  baseUrl?: () => string | undefined;
  /** How long `stop()` lets running executions finish before leaving them to the reaper (default 10 s). */
  drainMs?: number;
  /** The server's metrics (executions, steps); without them, a registry of the worker's own. */
  metrics?: WeftMetrics;
  /** Set when execution traces are exported. */
  tracer?: ExecutionTracer;
}

/** The graphile-worker runner, whose `stop()` drains running executions first (bounded by `drainMs`). */
export interface ExecutionWorker extends Runner {
  /** The leases, versions and waiter its executions run with (for in-process callers of `runExecution`). */
  readonly runDeps: ExecutionRunDeps;
  readonly reaper: ExecutionReaper;
}

export const defaultDrainMs = 10_000;
/** The graphile-worker task that deletes executions past their retention. */
export const pruneExecutionsTaskName = 'prune-executions';
/** After the drain, how long graphile-worker gets to let go of its jobs and connections. */
const runnerStopMs = 5_000;

export async function startExecutionWorker(
  database: Pick<DatabaseHandle, 'pool' | 'db'>,
  log: Logger,
  options: ExecutionWorkerOptions,
): Promise<ExecutionWorker> {
  const { concurrency } = options;
  const workerLog = log.child({ component: 'worker' });
  const runDeps = createExecutionRunDeps(database.db, workerLog, {
    leaseMs: options.leaseMs,
    waiter: options.waiter,
    keyring: options.keyring,
    sandboxes:
      options.sandboxes ??
      new ComponentSandboxes(workerLog, undefined, options.egress ? { egress: options.egress } : {}),
    ...(options.egress ? { egress: options.egress } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  const auditRetentionDays = options.auditRetentionDays ?? 365;
  const crontab = [
    ...(options.retentionDays > 0 ? [`17 * * * * ${pruneExecutionsTaskName} ?max=1`] : []),
    ...pruneAuditEventsCrontab(auditRetentionDays),
  ];
  const runner = await run({
    pgPool: database.pool,
    concurrency,
    noHandleSignals: true, // Weft's own shutdown stops the runner in order
    pollInterval: 2000,
    // Completions of jobs finishing together go in one statement. Safe here: a job whose completion a crash loses
    // stays locked, comes back hours later, and finds its execution finished.
    // The local queue locks a few jobs ahead, so a slot that frees up starts its next execution without a trip
    // to the database; jobs it holds when the process dies are handed on by the reaper.
    preset: { worker: { completeJobBatchDelay: 0, localQueue: { size: concurrency + 1 } } },
    taskList: {
      [runExecutionTaskName]: runExecutionTask(database.db, workerLog, runDeps),
      [pruneExecutionsTaskName]: pruneExecutionsTask(database.db, options.retentionDays, workerLog),
      [pruneAuditEventsTaskName]: pruneAuditEventsTask(database.db, auditRetentionDays, workerLog),
    },
    // Hourly; graphile-worker's cron schedules each tick once however many workers run it.
    ...(crontab.length > 0 ? { crontab: crontab.join('\n') } : {}),
    logger: queueLogger(log),
  });
  const reaper = startExecutionReaper(database.db, workerLog, runDeps);
  const drainMs = options.drainMs ?? defaultDrainMs;
  let stopping: Promise<void> | undefined;

  /**
   * Graceful shutdown: take no new jobs, let the running executions finish for up to `drainMs`, then cut the
   * rest off. Those store nothing and keep their lease, which expires; the reaper of another worker (or of this
   * one when it starts again) hands them on as a new attempt.
   */
  const stop = async (): Promise<void> => {
    reaper.stop();
    const runnerStopped = runner.stop().catch((error: Error) => {
      workerLog.warn({ error: error.message }, 'the queue runner did not stop cleanly');
    });
    const running = runDeps.leases.active;
    if (running.length > 0) {
      workerLog.info({ executions: running.length, drainMs }, 'letting running executions finish');
      const drained = await within(Promise.all(running.map((active) => active.done)), drainMs);
      if (!drained) {
        const cut = runDeps.leases.active;
        workerLog.warn(
          { executions: cut.map((active) => active.executionId) },
          'executions still running after the drain period; another worker will run them again',
        );
        for (const active of cut) runDeps.leases.abort(active, 'shutdown');
      }
    }
    if (!(await within(runnerStopped, runnerStopMs))) {
      workerLog.warn('the queue runner is still stopping; going on');
    }
    runDeps.leases.stop();
    if (!options.sandboxes) await runDeps.sandboxes.close();
    workerLog.info('worker stopped');
  };

  workerLog.info(
    { concurrency, leaseMs: options.leaseMs, leaseOwner: runDeps.leases.owner },
    'worker started',
  );
  return {
    ...runner,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
    runDeps,
    reaper,
  };
}

/** True when `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
