import { Cron } from 'croner';

/**
 * The times a cron schedule fires, in the schedule's time zone (empty: UTC). Croner follows the wall clock of the
 * zone across daylight-saving changes: a time skipped when clocks go forward (02:30 on the spring-forward night in
 * New York) fires at the moment the clocks jump (03:00 local), and a time that happens twice when clocks go back
 * (01:30 on the fall-back night) fires once, the first time. Schedules by the minute or hour keep their real-time
 * pace through the change.
 */

/** The next tick strictly after `after`. Undefined when the expression never fires again (February 30th). */
export function nextTick(cron: string, timeZone: string, after: Date): Date | undefined {
  const schedule = new Cron(cron, { paused: true, timezone: timeZone || 'UTC' });
  try {
    return schedule.nextRun(after) ?? undefined;
  } finally {
    schedule.stop();
  }
}

/** The last tick at or before `at`; undefined when there is none. */
export function latestTick(cron: string, timeZone: string, at: Date): Date | undefined {
  const schedule = new Cron(cron, { paused: true, timezone: timeZone || 'UTC' });
  try {
    // previousRuns looks strictly before its reference: one millisecond on includes `at` itself.
    return schedule.previousRuns(1, new Date(at.getTime() + 1))[0];
  } finally {
    schedule.stop();
  }
}

/** What firing a due schedule does. */
export interface TickPlan {
  /** The tick the execution is queued for (`scheduled_for`). */
  fireFor: Date;
  /** The schedule's next fire time after this one; undefined when the expression never fires again. */
  next: Date | undefined;
  /** True when ticks were missed (due longer ago than the misfire threshold) and only the latest one runs. */
  collapsed: boolean;
}

/**
 * The missed-tick policy. A schedule was due at `due` and it is now `now`:
 * - due no more than `misfireMs` ago (the scheduler is merely late: a busy database, a leader failing over): fire
 *   `due`, and continue from the tick after it, so every tick of a short delay still runs, in order;
 * - due longer ago (no scheduler ran: Weft was down): the ticks in between are missed; fire once, for the most
 *   recent tick at or before now, and continue from the first tick after now.
 * Throws on an invalid expression or time zone.
 */
export function planTick(cron: string, timeZone: string, due: Date, now: Date, misfireMs: number): TickPlan {
  if (now.getTime() - due.getTime() <= misfireMs) {
    return { fireFor: due, next: nextTick(cron, timeZone, due), collapsed: false };
  }
  const latest = latestTick(cron, timeZone, now);
  const fireFor = latest && latest.getTime() > due.getTime() ? latest : due;
  return { fireFor, next: nextTick(cron, timeZone, now), collapsed: fireFor !== due };
}
