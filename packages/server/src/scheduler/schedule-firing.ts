import type { TriggerRequest } from '@weft/engine';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import { isWeftError } from '../errors.js';
import { queueExecutionIn } from '../executions/execution-queue.js';
import type { WeftMetrics } from '../monitoring/metrics.js';
import { nextTick, planTick } from './schedule-ticks.js';

/**
 * Firing due schedules. Each due row is handled in one transaction: the row is claimed (`for update skip locked`,
 * so two firers never hold the same row), the tick's execution and its job are queued, and the row moves on to its
 * next fire time, all committed together. A tick is therefore one execution however many processes fire at once;
 * the unique index on executions (instance, flow, scheduled_for) backs this up.
 */

export interface FiringOptions {
  /** Ticks due longer ago than this were missed (no scheduler ran): only the latest of them runs. */
  misfireMs: number;
  /** Transactions firing side by side (each claims a different row). */
  lanes?: number;
  /** Checked before each row: false stops firing (leadership lost, process stopping). */
  shouldContinue?: () => boolean;
  /** Records each fired tick's lag behind its due time (`weft_schedule_lag_seconds`). */
  metrics?: WeftMetrics;
}

/** Where a schedule whose expression never fires again is parked (the column is not nullable). */
export const neverFires = new Date('9999-12-31T00:00:00.000Z');

/** How long a schedule that cannot be fired (an invalid expression or time zone) waits before the next try. */
const brokenRetryMs = 60 * 60 * 1000;

export function scheduleTrigger(tick: Date): TriggerRequest {
  return {
    headers: {},
    queryParameters: {},
    body: { data: { scheduledFor: tick.toISOString() }, contentType: 'application/json' },
  };
}

/** Fires every due schedule; returns how many rows were handled (fired or skipped). */
export async function fireDueSchedules(
  db: Kysely<Database>,
  log: Logger,
  options: FiringOptions,
): Promise<number> {
  const shouldContinue = options.shouldContinue ?? (() => true);
  let handled = 0;
  const lane = async () => {
    while (shouldContinue() && (await fireNextDue(db, log, options.misfireMs, options.metrics))) handled += 1;
  };
  await Promise.all(Array.from({ length: Math.max(1, options.lanes ?? 1) }, lane));
  return handled;
}

/** Milliseconds (by the database's clock) until the earliest fire time; undefined when there is no schedule. */
export async function msUntilNextDue(db: Kysely<Database>): Promise<number | undefined> {
  const { rows } = await sql<{ ms: number | null }>`
    select (extract(epoch from (min(next_fire_at) - now())) * 1000)::float8 as ms from instance_schedules
  `.execute(db);
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : ms;
}

interface ClaimedRow {
  instance_id: string;
  flow_stable_key: string;
  org_id: string;
  cron: string;
  time_zone: string;
  singleton: boolean;
  next_fire_at: Date;
  last_execution_id: string | null;
  enabled: boolean;
  deployed: boolean;
  now: Date;
}

/**
 * Claims and fires the earliest due row nobody else holds. Returns false when no row is due (or all due rows are
 * held by other transactions). Throws only for trouble that is worth retrying as is (the database, a deadlock).
 */
export async function fireNextDue(
  db: Kysely<Database>,
  log: Logger,
  misfireMs: number,
  metrics?: WeftMetrics,
): Promise<boolean> {
  let claimed: ClaimedRow | undefined;
  try {
    const lagMs = await db.transaction().execute(async (trx) => {
      claimed = await claimDue(trx);
      if (!claimed) return false;
      return fireClaimed(trx, claimed, log, misfireMs);
    });
    if (lagMs === false) return false;
    // Counted once committed: a tick whose transaction rolled back did not fire.
    if (lagMs !== undefined) metrics?.scheduleTickFired(lagMs / 1000);
    return true;
  } catch (error) {
    if (!claimed || isTransient(error)) throw error;
    // Something about this row fails every time: move it on so it neither blocks nor spins, and say so.
    const row = claimed;
    const scheduleLog = log.child({ instanceId: row.instance_id, flow: row.flow_stable_key });
    const next =
      safeNextTick(row.cron, row.time_zone, row.now) ?? new Date(row.now.getTime() + brokenRetryMs);
    scheduleLog.error(
      { error: (error as Error).message, dueAt: row.next_fire_at, nextFireAt: next },
      'a schedule tick could not be fired; skipped to the next tick',
    );
    await db
      .updateTable('instance_schedules')
      .set({ next_fire_at: next })
      .where('instance_id', '=', row.instance_id)
      .where('flow_stable_key', '=', row.flow_stable_key)
      .where('next_fire_at', '=', row.next_fire_at)
      .execute();
    return true;
  }
}

/**
 * The earliest due schedule row, locked. The instance row is held too (key share, as the execution's foreign key
 * would), taken in the same statement and skipped when busy: a deploy or delete that holds its instance locks it
 * before the schedule rows, and taking them in the other order could deadlock with it.
 */
async function claimDue(trx: Transaction<Database>): Promise<ClaimedRow | undefined> {
  const { rows } = await sql<ClaimedRow>`
    select s.instance_id, s.flow_stable_key, s.org_id, s.cron, s.time_zone, s.singleton, s.next_fire_at,
           s.last_execution_id, i.enabled, i.deployed_version_id is not null as deployed, now() as now
      from instance_schedules s
      join instances i on i.id = s.instance_id
     where s.next_fire_at <= now()
     order by s.next_fire_at
     limit 1
       for update of s skip locked
       for key share of i skip locked
  `.execute(trx);
  return rows[0];
}

/**
 * Fires (or skips) the claimed row's tick. Answers, when it queued an execution, how many milliseconds after the tick
 * was due (both times by the database's clock): the schedule lag.
 */
async function fireClaimed(
  trx: Transaction<Database>,
  row: ClaimedRow,
  log: Logger,
  misfireMs: number,
): Promise<number | undefined> {
  const scheduleLog = log.child({ instanceId: row.instance_id, flow: row.flow_stable_key });
  const advance = async (next: Date, fired?: { tick: Date; executionId: string }) => {
    const result = await trx
      .updateTable('instance_schedules')
      .set({
        next_fire_at: next,
        ...(fired ? { last_fired_at: fired.tick, last_execution_id: fired.executionId } : {}),
      })
      .where('instance_id', '=', row.instance_id)
      .where('flow_stable_key', '=', row.flow_stable_key)
      .where('next_fire_at', '=', row.next_fire_at)
      .executeTakeFirst();
    // The row is locked, so this holds; if it ever does not, nothing of this firing may commit.
    if (Number(result.numUpdatedRows) !== 1)
      throw new Error('the schedule row changed while it was being fired');
  };

  let plan: ReturnType<typeof planTick>;
  try {
    plan = planTick(row.cron, row.time_zone, row.next_fire_at, row.now, misfireMs);
  } catch (error) {
    const retryAt = new Date(row.now.getTime() + brokenRetryMs);
    scheduleLog.error(
      { cron: row.cron, timeZone: row.time_zone, error: (error as Error).message, retryAt },
      'a schedule has an invalid cron expression or time zone; redeploy the instance with a valid one',
    );
    await advance(retryAt);
    return;
  }
  const next = plan.next ?? neverFires;
  if (!plan.next) scheduleLog.info({ cron: row.cron }, 'a schedule fires for the last time');
  const tickLog = scheduleLog.child({ scheduledFor: plan.fireFor.toISOString() });
  if (plan.collapsed) {
    tickLog.warn(
      { dueAt: row.next_fire_at.toISOString(), nextFireAt: next.toISOString() },
      'schedule ticks were missed while no scheduler ran; running the most recent one only',
    );
  }

  if (!row.enabled || !row.deployed) {
    tickLog.debug(
      { reason: row.enabled ? 'not deployed' : 'paused' },
      'schedule tick skipped: the instance runs nothing',
    );
    await advance(next);
    return;
  }
  if (row.singleton && row.last_execution_id !== null) {
    const last = row.last_execution_id;
    const busy = await trx
      .selectFrom('executions')
      .select(['id', 'status'])
      .where((eb) => eb.or([eb('id', '=', last), eb('retry_of_id', '=', last)]))
      .where('status', 'in', ['queued', 'running'])
      .limit(1)
      .executeTakeFirst();
    if (busy) {
      tickLog.info(
        { runningExecutionId: busy.id, status: busy.status },
        'schedule tick skipped: the previous execution of this singleton flow is still running',
      );
      await advance(next);
      return;
    }
  }
  const existing = await trx
    .selectFrom('executions')
    .select('id')
    .where('instance_id', '=', row.instance_id)
    .where('flow_stable_key', '=', row.flow_stable_key)
    .where('scheduled_for', '=', plan.fireFor)
    .executeTakeFirst();
  if (existing) {
    // Only if a redeploy computed a next fire time at or before a tick already fired (clocks apart).
    tickLog.warn({ executionId: existing.id }, 'schedule tick already has its execution');
    await advance(next);
    return;
  }
  try {
    const queued = await queueExecutionIn(trx, {
      orgId: row.org_id,
      instanceId: row.instance_id,
      flowStableKey: row.flow_stable_key,
      trigger: scheduleTrigger(plan.fireFor),
      kind: 'schedule',
      requireDeployed: true,
      scheduledFor: plan.fireFor,
    });
    await advance(next, { tick: plan.fireFor, executionId: queued.executionId });
    tickLog.debug({ executionId: queued.executionId }, 'schedule tick queued its execution');
    return row.now.getTime() - plan.fireFor.getTime();
  } catch (error) {
    // These are found by reads before anything is written, so the transaction is still good.
    if (!isWeftError(error)) throw error;
    if (error.code === 'FLOW_NOT_FOUND') {
      tickLog.warn('schedule tick skipped: the deployed version has no such flow');
    } else if (error.code === 'INSTANCE_PAUSED' || error.code === 'INSTANCE_NOT_DEPLOYED') {
      tickLog.debug({ reason: error.code }, 'schedule tick skipped: the instance runs nothing');
    } else {
      throw error;
    }
    await advance(next);
    return undefined;
  }
}

function safeNextTick(cron: string, timeZone: string, after: Date): Date | undefined {
  try {
    return nextTick(cron, timeZone, after) ?? neverFires;
  } catch {
    return undefined;
  }
}

/**
 * Database trouble worth retrying unchanged (connection loss, shutdown, too many connections, serialization
 * failures and deadlocks), as opposed to a problem of the row itself.
 */
function isTransient(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(08|40|53|57)[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNRESET, ECONNREFUSED...
  return typeof message === 'string' && /connection|terminated|timeout/i.test(message);
}
