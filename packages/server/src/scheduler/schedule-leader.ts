import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../database/connection.js';
import type { WeftMetrics } from '../monitoring/metrics.js';
import { fireDueSchedules, msUntilNextDue } from './schedule-firing.js';

/**
 * The `scheduler` role runs in many processes for availability, but only one fires schedules: the leader, the
 * process holding a PostgreSQL session advisory lock on a connection of its own. If the leader dies, its session
 * ends, the lock is freed, and another scheduler takes over at its next attempt; a leader that stops cleanly tells
 * the others (NOTIFY), so they take over at once. Leadership only saves work: firing claims each schedule row in
 * its own transaction, so even two processes firing at once queue one execution per tick.
 */
export interface ScheduleLeader {
  /** Whether this process holds the leadership now. */
  readonly isLeader: boolean;
  /** Stops firing (after the row being fired commits), gives up the leadership and tells the other schedulers. */
  stop(): Promise<void>;
}

export interface ScheduleLeaderOptions {
  /** How often a scheduler that is not the leader tries to become it. */
  retryMs?: number;
  /** The longest the leader sleeps between looks at the schedules, so a new schedule is picked up quickly. */
  maxSleepMs?: number;
  /** Ticks due longer ago than this were missed (no scheduler ran) and collapse into one execution. */
  misfireMs?: number;
  /** Rows fired side by side, each in its own transaction. */
  lanes?: number;
  /** Where the lag of each fired tick is recorded (`weft_schedule_lag_seconds`). */
  metrics?: WeftMetrics;
}

export const scheduleLeaderDefaults = {
  retryMs: 5000,
  maxSleepMs: 1000,
  misfireMs: 60_000,
  lanes: 4,
} as const satisfies Required<Omit<ScheduleLeaderOptions, 'metrics'>>;

const leaderLockKey = [2003133044, 2] as const; // 'weft', scheduler
const handoverChannel = 'weft_scheduler_leader';
/** Shortest sleep between looks, for due rows that other transactions hold (a deploy replacing them). */
const minSleepMs = 20;

export function startScheduleLeader(
  database: Pick<DatabaseHandle, 'pool' | 'db'>,
  log: Logger,
  options: ScheduleLeaderOptions = {},
): ScheduleLeader {
  const { retryMs, maxSleepMs, misfireMs, lanes } = { ...scheduleLeaderDefaults, ...options };
  const { metrics } = options;
  const { pool, db } = database;
  const schedulerLog = log.child({ component: 'scheduler' });
  let client: pg.PoolClient | undefined;
  let leader = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let attempting: Promise<void> = Promise.resolve();
  let firing: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  /** Counts leaderships won, so a firing loop of an earlier one never outlives it. */
  let term = 0;

  const dropClient = () => {
    const dropped = client;
    client = undefined;
    leader = false;
    if (!dropped) return;
    dropped.off('error', onConnectionError);
    dropped.off('notification', onNotification);
    // Never back into the pool: the connection LISTENs, and may still hold the lock.
    dropped.release(true);
  };

  const retryLater = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      tryForLeadership();
    }, retryMs);
  };

  const tryForLeadership = () => {
    attempting = attempting.then(attempt);
  };

  function onConnectionError(error: Error) {
    if (leader) schedulerLog.warn({ error: error.message }, 'scheduler leader lost its database connection');
    dropClient();
    wake?.(); // a sleeping firing loop sees it is no longer the leader
    retryLater();
  }

  function onNotification() {
    if (stopped || leader) return;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    tryForLeadership();
  }

  const attempt = async () => {
    if (stopped || leader) return;
    try {
      if (!client) {
        const fresh = await pool.connect();
        if (stopped) {
          fresh.release();
          return;
        }
        client = fresh;
        fresh.on('error', onConnectionError);
        fresh.on('notification', onNotification);
        await fresh.query(`listen ${handoverChannel}`);
        // If this machine vanishes without closing the connection, the server should notice within about
        // half a minute and free the lock, rather than after the system's two-hour TCP keepalive.
        await fresh
          .query(
            `select set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false),
                    set_config('tcp_keepalives_count', '3', false)`,
          )
          .catch(() => undefined);
      }
      const result = await client.query<{ acquired: boolean }>(
        'select pg_try_advisory_lock($1, $2) as acquired',
        [...leaderLockKey],
      );
      if (result.rows[0]?.acquired) {
        leader = true;
        if (stopped) return; // stop() gives it back
        schedulerLog.info('this process is the scheduler leader');
        term += 1;
        const previous = firing;
        const current = term;
        firing = previous.then(() => fireWhileLeader(current));
        return;
      }
    } catch (error) {
      if (!stopped) {
        schedulerLog.warn({ error: (error as Error).message }, 'scheduler could not try for leadership');
      }
      dropClient();
    }
    retryLater();
  };

  /** Waits `ms`, or less when `wake()` is called (leadership lost, shutdown, a schedule changed). */
  const sleep = async (ms: number) => {
    const waker = new AbortController();
    wake = () => waker.abort();
    await delay(ms, undefined, { signal: waker.signal }).catch(() => undefined);
    wake = undefined;
  };

  const fireWhileLeader = async (ownTerm: number) => {
    const stillLeader = () => leader && !stopped && term === ownTerm;
    while (stillLeader()) {
      let waitMs = maxSleepMs;
      try {
        await fireDueSchedules(db, schedulerLog, {
          misfireMs,
          lanes,
          shouldContinue: stillLeader,
          ...(metrics ? { metrics } : {}),
        });
        const untilNext = await msUntilNextDue(db);
        if (untilNext !== undefined)
          waitMs = Math.min(maxSleepMs, Math.max(minSleepMs, Math.ceil(untilNext)));
      } catch (error) {
        if (stillLeader()) {
          schedulerLog.error(
            { error: (error as Error).message },
            'schedules could not be fired; trying again shortly',
          );
        }
      }
      if (!stillLeader()) break;
      await sleep(waitMs);
    }
    if (!stopped) schedulerLog.info('this process stopped firing schedules: it is no longer the leader');
  };

  tryForLeadership();

  return {
    get isLeader() {
      return leader && !stopped;
    },
    stop: async () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      wake?.();
      await attempting;
      await firing;
      if (client && leader) {
        const released = client;
        await released
          .query('select pg_advisory_unlock($1, $2)', [...leaderLockKey])
          .then(() => released.query(`select pg_notify('${handoverChannel}', '')`))
          .catch(() => undefined);
        schedulerLog.info('this process gave up the scheduler leadership');
      }
      dropClient();
    },
  };
}
