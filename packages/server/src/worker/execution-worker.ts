import { Logger as QueueLogger, type Runner, run } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * The `worker` role: pulls jobs from the durable queue (graphile-worker, in the same PostgreSQL) and runs them.
 * Executions arrive here once flows can run; until then it holds the queue connection and task list open, so a
 * scaled-out worker process already proves it can reach the queue.
 */
export async function startExecutionWorker(pool: pg.Pool, log: Logger, concurrency = 4): Promise<Runner> {
  const runner = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true, // Weft's own shutdown stops the runner in order
    pollInterval: 2000,
    taskList: {},
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
