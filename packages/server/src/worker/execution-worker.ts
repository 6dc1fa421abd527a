import { Logger as QueueLogger, type Runner, run } from 'graphile-worker';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../database/connection.js';
import { runExecutionTask as runExecutionTaskName } from '../executions/execution-queue.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { runExecutionTask } from './run-execution.js';

/**
 * The `worker` role: pulls jobs from the durable queue (graphile-worker, in the same PostgreSQL) and runs them.
 * Its one task so far, `run-execution`, runs a queued execution with the engine and stores the outcome.
 */
export interface ExecutionWorkerOptions {
  /** Executions run at once by this process. */
  concurrency: number;
  /** How long a running execution's lease lasts without renewal. */
  leaseMs: number;
  /** Executions older than this many days are pruned (0: never). */
  retentionDays: number;
  /** Cross-flow calls wait on it for the invoked execution. */
  waiter: ExecutionWaiter;
}

export async function startExecutionWorker(
  database: Pick<DatabaseHandle, 'pool' | 'db'>,
  log: Logger,
  options: ExecutionWorkerOptions,
): Promise<Runner> {
  const { concurrency } = options;
  const runner = await run({
    pgPool: database.pool,
    concurrency,
    noHandleSignals: true, // Weft's own shutdown stops the runner in order
    pollInterval: 2000,
    taskList: { [runExecutionTaskName]: runExecutionTask(database.db, log.child({ component: 'worker' })) },
    logger: queueLogger(log),
  });
  log.info({ concurrency }, 'worker started');
  return runner;
}

/** Routes graphile-worker's log lines into Weft's structured log. */
export function queueLogger(log: Logger): QueueLogger {
  const queueLog = log.child({ component: 'queue' });
  return new QueueLogger(() => (level, message, meta) => {
    const pinoLevel = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    queueLog[pinoLevel](meta ?? {}, message);
  });
}
