import { Cron } from 'croner';

/**
 * The next tick of a cron schedule strictly after `after`, in the schedule's time zone (empty: UTC). Undefined when
 * the expression never fires again (a date in the past).
 */
export function nextTick(cron: string, timeZone: string, after: Date): Date | undefined {
  const schedule = new Cron(cron, { paused: true, timezone: timeZone || 'UTC' });
  try {
    return schedule.nextRun(after) ?? undefined;
  } finally {
    schedule.stop();
  }
}
