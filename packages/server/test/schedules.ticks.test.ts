// Issue 5 (schedules): when a cron schedule fires, in its time zone and across daylight-saving changes, and what
// the scheduler does with ticks it is late for (the missed-tick policy, docs/schedules.md).
import { describe, expect, it } from 'vitest';
import { latestTick, nextTick, planTick } from '../src/scheduler/schedule-ticks.js';

const newYork = 'America/New_York';
const at = (iso: string) => new Date(iso);

/** The next `count` ticks, each computed from the previous one, as the scheduler chains them. */
function chain(cron: string, timeZone: string, from: string, count: number): string[] {
  const ticks: string[] = [];
  let after = at(from);
  for (let i = 0; i < count; i += 1) {
    const tick = nextTick(cron, timeZone, after);
    if (!tick) break;
    ticks.push(tick.toISOString());
    after = tick;
  }
  return ticks;
}

describe('nextTick across daylight-saving changes (America/New_York)', () => {
  it('spring forward (2026-03-08, 02:00 EST becomes 03:00 EDT): a skipped 02:00 fires once, when the clocks jump', () => {
    expect(chain('0 2 * * *', newYork, '2026-03-06T12:00:00Z', 4)).toEqual([
      '2026-03-07T07:00:00.000Z', // 02:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:00 does not exist that night
      '2026-03-09T06:00:00.000Z', // 02:00 EDT
      '2026-03-10T06:00:00.000Z',
    ]);
  });

  it('spring forward: 01:30 exists every day and keeps its wall-clock time', () => {
    expect(chain('30 1 * * *', newYork, '2026-03-06T12:00:00Z', 4)).toEqual([
      '2026-03-07T06:30:00.000Z', // 01:30 EST
      '2026-03-08T06:30:00.000Z', // 01:30 EST, half an hour before the change
      '2026-03-09T05:30:00.000Z', // 01:30 EDT
      '2026-03-10T05:30:00.000Z',
    ]);
  });

  it('fall back (2026-11-01, 02:00 EDT becomes 01:00 EST): a repeated 01:30 fires once, the first time', () => {
    expect(chain('30 1 * * *', newYork, '2026-10-30T12:00:00Z', 4)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; the 01:30 EST an hour later does not fire again
      '2026-11-02T06:30:00.000Z', // 01:30 EST
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('fall back: 02:00 happens once and keeps its wall-clock time', () => {
    expect(chain('0 2 * * *', newYork, '2026-10-30T12:00:00Z', 3)).toEqual([
      '2026-10-31T06:00:00.000Z', // 02:00 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST, 25 hours later
      '2026-11-02T07:00:00.000Z',
    ]);
  });

  it('an hourly schedule keeps its real-time pace through both changes', () => {
    expect(chain('0 * * * *', newYork, '2026-11-01T03:30:00Z', 4)).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
    expect(chain('0 * * * *', newYork, '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T08:00:00.000Z', // 04:00 EDT
    ]);
  });

  it('is strictly after its reference, supports a seconds field, and reads an empty time zone as UTC', () => {
    expect(nextTick('*/1 * * * * *', '', at('2026-01-01T00:00:10.000Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:11.000Z',
    );
    expect(nextTick('0 9 * * *', '', at('2026-06-01T09:00:00.000Z'))?.toISOString()).toBe(
      '2026-06-02T09:00:00.000Z',
    );
    expect(nextTick('0 9 * * *', 'Europe/Paris', at('2026-06-01T00:00:00.000Z'))?.toISOString()).toBe(
      '2026-06-01T07:00:00.000Z',
    );
  });

  it('is undefined for an expression that never fires, and throws on a bad expression or time zone', () => {
    expect(nextTick('0 0 30 2 *', 'UTC', at('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(() => nextTick('61 * * * *', 'UTC', at('2026-01-01T00:00:00Z'))).toThrow();
    expect(() => nextTick('* * * * *', 'Nowhere/Bad', at('2026-01-01T00:00:00Z'))).toThrow();
  });
});

describe('latestTick', () => {
  it('is the last tick at or before the reference, in the time zone', () => {
    expect(latestTick('*/1 * * * * *', 'UTC', at('2026-01-01T00:00:10.000Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:10.000Z',
    );
    expect(latestTick('*/1 * * * * *', 'UTC', at('2026-01-01T00:00:10.999Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:10.000Z',
    );
    expect(latestTick('0 2 * * *', newYork, at('2026-03-08T12:00:00Z'))?.toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });
});

describe('planTick: the missed-tick policy', () => {
  const minute = 60_000;

  it('a tick due less than the misfire threshold ago fires as itself and the schedule continues from it', () => {
    const plan = planTick(
      '*/1 * * * * *',
      'UTC',
      at('2026-01-01T00:00:00Z'),
      at('2026-01-01T00:00:05.2Z'),
      minute,
    );
    expect(plan).toEqual({
      fireFor: at('2026-01-01T00:00:00Z'),
      next: at('2026-01-01T00:00:01Z'), // already due: fired next, so a short delay loses no tick
      collapsed: false,
    });
  });

  it('ticks due longer ago collapse into one execution for the most recent one; the schedule jumps past now', () => {
    const plan = planTick(
      '*/1 * * * * *',
      'UTC',
      at('2026-01-01T00:00:00Z'),
      at('2026-01-01T00:10:00.4Z'),
      minute,
    );
    expect(plan).toEqual({
      fireFor: at('2026-01-01T00:10:00Z'),
      next: at('2026-01-01T00:10:01Z'),
      collapsed: true,
    });
  });

  it('a daily schedule down for two days runs once, for the latest day, in its time zone', () => {
    const plan = planTick(
      '0 2 * * *',
      newYork,
      at('2026-03-06T07:00:00Z'),
      at('2026-03-08T12:00:00Z'),
      minute,
    );
    expect(plan).toEqual({
      fireFor: at('2026-03-08T07:00:00Z'),
      next: at('2026-03-09T06:00:00Z'),
      collapsed: true,
    });
  });

  it('a late tick with nothing missed after it is not a collapse', () => {
    const plan = planTick('0 2 * * *', 'UTC', at('2026-03-06T02:00:00Z'), at('2026-03-06T05:00:00Z'), minute);
    expect(plan).toEqual({
      fireFor: at('2026-03-06T02:00:00Z'),
      next: at('2026-03-07T02:00:00Z'),
      collapsed: false,
    });
  });

  it('an expression that never fires again has no next tick', () => {
    const plan = planTick(
      '0 0 30 2 *',
      'UTC',
      at('2026-01-01T00:00:00Z'),
      at('2026-01-01T00:00:01Z'),
      minute,
    );
    expect(plan.fireFor).toEqual(at('2026-01-01T00:00:00Z'));
    expect(plan.next).toBeUndefined();
  });
});
