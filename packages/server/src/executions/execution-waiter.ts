import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';

/**
 * Lets a process wait for executions to finish wherever they run: the worker that finishes an execution sends
 * `pg_notify(executionFinishedChannel, id)` in the transaction that stores its outcome, and every waiting process
 * hears it on one LISTEN connection. Synchronous webhooks, cross-flow calls and instance removal wait this way.
 * Asynchronous webhooks whose trigger may set the HTTP response wait for less: the trigger step, which the worker
 * announces on `executionTriggeredChannel` once it stored the trigger's response.
 */
export const executionFinishedChannel = 'weft_execution_finished';
export const executionTriggeredChannel = 'weft_execution_triggered';

export interface ExecutionWaiter {
  /** Resolves true once the execution has finished (succeeded, failed or cancelled), false after `timeoutMs`. */
  wait(executionId: string, timeoutMs: number): Promise<boolean>;
  /** Resolves true once the execution's trigger step ran (`triggered_at` set) or it finished; false after `timeoutMs`. */
  waitForTrigger(executionId: string, timeoutMs: number): Promise<boolean>;
  /** Wakes local waiters at once (an execution this process ran itself). */
  finished(executionId: string): void;
  /** Wakes local trigger waiters at once (a trigger this process ran itself). */
  triggered(executionId: string): void;
  close(): Promise<void>;
}

/** The statuses an execution ends in. */
export const finishedStatuses = ['succeeded', 'failed', 'cancelled'] as const;

interface Waiting {
  resolve(value: boolean): void;
  /** Also woken by the trigger step. */
  trigger: boolean;
}

export async function startExecutionWaiter(
  pool: pg.Pool,
  db: Kysely<Database>,
  log: Logger,
): Promise<ExecutionWaiter> {
  const waiters = new Map<string, Set<Waiting>>();
  let listening: { client: pg.PoolClient; release(destroy?: boolean): void } | undefined;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  /** `finished`: every waiter of the execution; `triggered`: its trigger waiters; `closing`: every one, with false. */
  const wake = (executionId: string, what: 'finished' | 'triggered' | 'closing' = 'finished') => {
    const set = waiters.get(executionId);
    if (!set) return;
    for (const waiting of [...set]) {
      if (what === 'triggered' && !waiting.trigger) continue;
      set.delete(waiting);
      waiting.resolve(what !== 'closing');
    }
    if (set.size === 0) waiters.delete(executionId);
  };

  const connect = async (): Promise<void> => {
    try {
      const next = await pool.connect();
      const onNotification = (message: pg.Notification) => {
        if (!message.payload) return;
        if (message.channel === executionFinishedChannel) wake(message.payload);
        else if (message.channel === executionTriggeredChannel) wake(message.payload, 'triggered');
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
        await next.query(`listen ${executionFinishedChannel}; listen ${executionTriggeredChannel}`);
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
      .select(['id', 'status', 'triggered_at'])
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('status', 'in', finishedStatuses), eb('triggered_at', 'is not', null)]))
      .execute()
      .catch(() => []);
    for (const row of rows) {
      wake(row.id, (finishedStatuses as readonly string[]).includes(row.status) ? 'finished' : 'triggered');
    }
  };

  const waitFor = (executionId: string, timeoutMs: number, trigger: boolean) =>
    new Promise<boolean>((resolve) => {
      const waiting: Waiting = {
        trigger,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
      const timer = setTimeout(() => {
        const set = waiters.get(executionId);
        set?.delete(waiting);
        if (set?.size === 0) waiters.delete(executionId);
        resolve(false);
      }, timeoutMs);
      const set = waiters.get(executionId) ?? new Set();
      waiters.set(executionId, set);
      set.add(waiting);
      // It may have got there before we started listening for it.
      void recheck([executionId]);
    });

  await connect();

  return {
    wait: (executionId, timeoutMs) => waitFor(executionId, timeoutMs, false),
    waitForTrigger: (executionId, timeoutMs) => waitFor(executionId, timeoutMs, true),
    finished: (executionId) => wake(executionId),
    triggered: (executionId) => wake(executionId, 'triggered'),
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      for (const id of [...waiters.keys()]) wake(id, 'closing'); // nobody waits forever on a stopping process
      const current = listening;
      if (current) {
        await current.client
          .query(`unlisten ${executionFinishedChannel}; unlisten ${executionTriggeredChannel}`)
          .catch(() => undefined);
        current.release();
      }
    },
  };
}
