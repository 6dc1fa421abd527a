import type { Clock } from './ports.js';

/**
 * A clock for tests: its time stands still until the test moves it, and its sleeps end only when time passes
 * their end. Retry delays, the execution time limit and the sleep component then take no real time, and every
 * timestamp and duration an execution records is exact.
 */
export interface FakeClock extends Clock {
  /** Every duration `sleep` was asked for, in order (the execution time limit's, and sleeps later aborted, too). */
  readonly sleeps: readonly number[];
  /** How long each sleep still waiting has to go, soonest first. */
  waiting(): number[];
  /**
   * Moves time forward `ms`, waking the sleeps that end on the way one at a time, soonest first, each at its end.
   * Before each wake-up the work already under way runs until it waits again (one turn of the event loop), so a
   * sleep started by work a wake-up resumed wakes too when it ends within `ms`: a retry's successive delays pass
   * in one call.
   */
  advance(ms: number): Promise<void>;
  /**
   * Resolves once a sleep is waiting (a sleep of `ms`, when given): for acting at the moment a step waits, such as
   * cancelling during a retry delay.
   */
  untilSleeping(ms?: number): Promise<void>;
}

/** Where a fake clock's time starts unless told: a fixed moment, so what tests record does not depend on the day. */
export const fakeClockStart = Date.parse('2026-01-01T00:00:00.000Z');

interface Sleeper {
  ms: number;
  endsAt: number;
  wake(): void;
}

export function createFakeClock(options: { now?: number } = {}): FakeClock {
  let now = options.now ?? fakeClockStart;
  // Soonest first; sleeps ending together keep the order they started in.
  const sleepers: Sleeper[] = [];
  const sleeps: number[] = [];
  const watchers = new Set<() => void>();

  const remove = (sleeper: Sleeper) => {
    const index = sleepers.indexOf(sleeper);
    if (index >= 0) sleepers.splice(index, 1);
  };
  // Lets the work under way (promise continuations, and whatever they queue) run until it waits again.
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    sleeps,
    now: () => now,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal.aborted) return Promise.reject(signal.reason);
      // Nothing has to pass for a sleep of no time.
      if (!(ms > 0)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          ms,
          endsAt: now + ms,
          wake: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          remove(sleeper);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const after = sleepers.findIndex((other) => other.endsAt > sleeper.endsAt);
        sleepers.splice(after < 0 ? sleepers.length : after, 0, sleeper);
        for (const watcher of [...watchers]) watcher();
      });
    },
    waiting: () => sleepers.map((sleeper) => sleeper.endsAt - now),
    async advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`a fake clock moves forward only, not by ${ms} ms`);
      const target = now + ms;
      await settle();
      for (let next = sleepers[0]; next && next.endsAt <= target; next = sleepers[0]) {
        sleepers.shift();
        now = next.endsAt;
        next.wake();
        await settle();
      }
      now = target;
    },
    untilSleeping(ms) {
      const found = () => sleepers.some((sleeper) => ms === undefined || sleeper.ms === ms);
      if (found()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const watcher = () => {
          if (!found()) return;
          watchers.delete(watcher);
          resolve();
        };
        watchers.add(watcher);
      });
    },
  };
}
