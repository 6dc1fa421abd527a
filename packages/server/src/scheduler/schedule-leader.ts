import type pg from 'pg';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../database/connection.js';

/**
 * The `scheduler` role runs in many processes for availability, but only one may fire schedules: the leader,
 * the process holding a PostgreSQL session advisory lock. If the leader dies, its session ends, the lock is
 * freed, and another scheduler takes over at its next attempt.
 */
export interface ScheduleLeader {
  stop(): Promise<void>;
}

const leaderLockKey = [2003133044, 2] as const; // 'weft', scheduler

export function startScheduleLeader(
  database: Pick<DatabaseHandle, 'pool' | 'db'>,
  log: Logger,
  retryMs = 5000,
): ScheduleLeader {
  const { pool } = database;
  let client: pg.PoolClient | undefined;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempting: Promise<void> = Promise.resolve();

  const dropClient = (broken: boolean) => {
    client?.release(broken);
    client = undefined;
    leader = false;
  };

  const attempt = async () => {
    try {
      client ??= await pool.connect();
      if (stopped) return; // stop() ran while we were connecting; it releases the client after awaiting us
      const result = await client.query<{ acquired: boolean }>(
        'select pg_try_advisory_lock($1, $2) as acquired',
        [...leaderLockKey],
      );
      if (result.rows[0]?.acquired) {
        leader = true;
        log.info('this process is the scheduler leader');
        // Losing the connection loses the lock: give it up and try again on a fresh connection.
        client.once('error', (error) => {
          log.warn({ error: error.message }, 'scheduler leader lost its database connection');
          dropClient(true);
          schedule();
        });
        return;
      }
    } catch (error) {
      log.warn({ error: (error as Error).message }, 'scheduler could not try for leadership');
      dropClient(true);
    }
    schedule();
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      attempting = attempt();
    }, retryMs);
  };
  attempting = attempt();

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await attempting;
      if (client && leader) {
        await client.query('select pg_advisory_unlock($1, $2)', [...leaderLockKey]).catch(() => undefined);
      }
      dropClient(false);
    },
  };
}
