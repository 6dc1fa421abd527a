import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';

/**
 * Lets a process wait for executions to finish wherever they run: the worker that finishes an execution sends
 * `pg_notify(executionFinishedChannel, id)` in the transaction that stores its outcome, and every waiting process
 * hears it on one LISTEN connection. Synchronous webhooks, cross-flow calls and instance removal wait this way.
 */
export const executionFinishedChannel = 'weft_execution_finished';

export interface ExecutionWaiter {
  /** Resolves true once the execution has finished (succeeded, failed or cancelled), false after `timeoutMs`. */
  wait(executionId: string, timeoutMs: number): Promise<boolean>;
  /** Wakes local waiters at once (an execution this process ran itself). */
  finished(executionId: string): void;
  close(): Promise<void>;
}

const finishedStatuses = ['succeeded', 'failed', 'cancelled'] as const;

export async function startExecutionWaiter(
  pool: pg.Pool,
  db: Kysely<Database>,
  log: Logger,
): Promise<ExecutionWaiter> {
  const waiters = new Map<string, Set<(finished: boolean) => void>>();
  let listening: { client: pg.PoolClient; release(destroy?: boolean): void } | undefined;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const wake = (executionId: string, finished = true) => {
    const set = waiters.get(executionId);
    if (!set) return;
    waiters.delete(executionId);
    for (const resolve of set) resolve(finished);
  };

  const connect = async (): Promise<void> => {
    try {
      const next = await pool.connect();
      const onNotification = (message: pg.Notification) => {
        if (message.channel === executionFinishedChannel && message.payload) wake(message.payload);
      };
      // A connection is released exactly once: an error can arrive after close() handed it back (PostgreSQL
      // terminating connections at shutdown), and pg-pool throws on a second release.
      let released = false;
      const release = (destroy?: boolean) => {
        if (released) return;
        released = true;
        next.off('notification', onNotification);
        next.off('error', onError);
        next.release(destroy);
        if (listening?.client === next) listening = undefined;
      };
      const onError = (error: Error) => {
        log.warn({ error: error.message }, 'execution waiter lost its database connection; reconnecting');
        release(true);
        scheduleReconnect();
      };
      next.on('notification', onNotification);
      next.on('error', onError);
      try {
        await next.query(`listen ${executionFinishedChannel}`);
      } catch (error) {
        release(true);
        throw error;
      }
      if (closed) {
        release();
        return;
      }
      listening = { client: next, release };
      // Whatever finished while we were not listening: check every waiter once.
      if (waiters.size > 0) void recheck([...waiters.keys()]);
    } catch (error) {
      log.warn({ error: (error as Error).message }, 'execution waiter could not listen; retrying');
      scheduleReconnect();
    }
  };
  const scheduleReconnect = () => {
    if (closed) return;
    reconnectTimer = setTimeout(() => void connect(), 1000);
  };
  const recheck = async (ids: string[]) => {
    const rows = await db
      .selectFrom('executions')
      .select('id')
      .where('id', 'in', ids)
      .where('status', 'in', finishedStatuses)
      .execute()
      .catch(() => []);
    for (const row of rows) wake(row.id);
  };

  await connect();

  return {
    wait(executionId, timeoutMs) {
      return new Promise<boolean>((resolve) => {
        let done = false;
        const finish = (value: boolean) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const set = waiters.get(executionId);
          set?.delete(finish);
          if (set?.size === 0) waiters.delete(executionId);
          resolve(value);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const set = waiters.get(executionId) ?? new Set();
        waiters.set(executionId, set);
        set.add(finish);
        // It may have finished before we started listening for it.
        void recheck([executionId]);
      });
    },
    finished: (executionId) => wake(executionId),
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      for (const id of [...waiters.keys()]) wake(id, false); // nobody waits forever on a stopping process
      const current = listening;
      if (current) {
        await current.client.query(`unlisten ${executionFinishedChannel}`).catch(() => undefined);
        current.release();
      }
    },
  };
}
