import { performance } from 'node:perf_hooks';
import { type ActionContext, action, component, input } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import {
  type Clock,
  createFakeClock,
  fakeClockStart,
  runFlow,
  type StepEvent,
  systemClock,
} from '../src/index.js';
import { integration, ports } from './support/flows.js';

const at = (ms: number) => new Date(fakeClockStart + ms).toISOString();

describe('the fake clock', () => {
  it('stands still until advanced, then wakes the sleeps that end on the way, soonest first, each at its end', async () => {
    const clock = createFakeClock();
    const signal = new AbortController().signal;
    const woken: Array<[number, number]> = [];
    for (const ms of [300, 100, 200]) void clock.sleep(ms, signal).then(() => woken.push([ms, clock.now()]));
    expect(clock.now()).toBe(fakeClockStart);
    expect(clock.waiting()).toEqual([100, 200, 300]);
    await clock.advance(250);
    expect(woken).toEqual([
      [100, fakeClockStart + 100],
      [200, fakeClockStart + 200],
    ]);
    expect(clock.now()).toBe(fakeClockStart + 250);
    expect(clock.waiting()).toEqual([50]);
    await clock.advance(50);
    expect(woken.at(-1)).toEqual([300, fakeClockStart + 300]);
    expect(clock.sleeps).toEqual([300, 100, 200]);
  });

  it('wakes, in the same advance, sleeps that woken work starts and that end within it', async () => {
    const clock = createFakeClock({ now: 0 });
    const signal = new AbortController().signal;
    const times: number[] = [];
    const chain = (async () => {
      for (const ms of [10, 20, 40]) {
        await clock.sleep(ms, signal);
        times.push(clock.now());
      }
    })();
    await clock.advance(70);
    await chain;
    expect(times).toEqual([10, 30, 70]);
  });

  it('ends a sleep of no time at once, and an aborted sleep with the signal’s reason', async () => {
    const clock = createFakeClock();
    await clock.sleep(0, new AbortController().signal);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.waiting()).toEqual([1_000]);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.waiting()).toEqual([]);
    await expect(clock.sleep(5, controller.signal)).rejects.toThrow('stop');
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  it('tells when a sleep of a given length starts', async () => {
    const clock = createFakeClock();
    const signal = new AbortController().signal;
    let told = false;
    const waiting = clock.untilSleeping(500).then(() => {
      told = true;
    });
    void clock.sleep(100, signal);
    await clock.advance(0);
    expect(told).toBe(false);
    void clock.sleep(500, signal);
    await waiting;
    expect(told).toBe(true);
  });
});

describe('the system clock', () => {
  it('sleeps on a real timer, and ends a sleep at once with the signal’s reason when it aborts, leaving no timer', async () => {
    const started = performance.now();
    await systemClock.sleep(20, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);

    const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    await expect(systemClock.sleep(60_000, controller.signal)).rejects.toThrow('cancelled');
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

/** `wait` takes `ms` of the clock; `flaky` takes 100 ms and fails its first `times` calls; `hang` never answers. */
function timedComponent() {
  let calls = 0;
  const clockOf = (context: ActionContext) => (context as ActionContext & { clock: Clock }).clock;
  const signalOf = (context: ActionContext) => (context as ActionContext & { signal: AbortSignal }).signal;
  return component({
    key: 'timed',
    display: { label: 'Timed', description: 'takes time on the clock' },
    actions: {
      wait: action({
        display: { label: 'Wait', description: 'waits on the clock' },
        inputs: { ms: input({ label: 'Milliseconds', type: 'number' }) },
        perform: async (context, { ms }) => {
          await clockOf(context).sleep(ms ?? 0, signalOf(context));
          return { data: { now: new Date(clockOf(context).now()).toISOString() } };
        },
      }),
      flaky: action({
        display: { label: 'Flaky', description: 'takes 100 ms and fails the first N calls' },
        inputs: { times: input({ label: 'Times', type: 'number' }) },
        perform: async (context, { times }) => {
          await clockOf(context).sleep(100, signalOf(context));
          calls += 1;
          if (calls <= (times ?? 0)) throw new Error(`failure number ${calls}`);
          return { data: { succeededOnCall: calls } };
        },
      }),
      hang: action({
        display: { label: 'Hang', description: 'never answers, and ignores the abort signal' },
        inputs: {},
        perform: () => new Promise(() => {}),
      }),
    },
  });
}

describe('execution time on the clock', () => {
  it('retries with exponential backoff without real waiting; attempts, log lines and durations carry clock time', async () => {
    const events: StepEvent[] = [];
    const { ports: enginePorts, clock } = ports({ onStep: (event) => events.push(event) }, timedComponent());
    const flow = integration(`      - name: Flaky
        action: {key: flaky, component: {key: timed}}
        inputs:
          times: {type: value, value: "2"}
        errorConfig: {errorHandlerType: retry, maxAttempts: 3, delaySeconds: 1, usesExponentialBackoff: true}
`);
    const realStart = performance.now();
    const running = runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    // Three attempts of 100 ms, with 1 s and then 2 s between them: 3.3 s of clock time.
    await clock.advance(3_300);
    const result = await running;
    expect(performance.now() - realStart).toBeLessThan(3_000);

    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.steps.flaky).toEqual({ succeededOnCall: 3 });
    expect(result.startedAt).toBe(at(0));
    expect(result.durationMs).toBe(3_300);
    const attempts = result.stepRecords.find((record) => record.key === 'flaky')?.attempts;
    expect(attempts).toEqual([
      {
        attempt: 1,
        startedAt: at(0),
        durationMs: 100,
        error: { code: 'STEP_FAILED', message: 'failure number 1', stepKey: 'flaky' },
      },
      {
        attempt: 2,
        startedAt: at(1_100),
        durationMs: 100,
        error: { code: 'STEP_FAILED', message: 'failure number 2', stepKey: 'flaky' },
      },
      { attempt: 3, startedAt: at(3_200), durationMs: 100 },
    ]);
    expect(result.logs.map((entry) => [entry.timestamp, entry.message])).toEqual([
      [at(100), "step 'Flaky' failed (attempt 1 of 3): failure number 1; retrying in 1000 ms"],
      [at(1_200), "step 'Flaky' failed (attempt 2 of 3): failure number 2; retrying in 2000 ms"],
    ]);
    const finished = events.find((event) => event.type === 'finished' && event.stepKey === 'flaky');
    // A step's duration is its attempts', not the delays between them.
    expect(finished).toMatchObject({ status: 'succeeded', durationMs: 300 });
  });

  it('stops the execution when its time limit passes on the clock, and not before', async () => {
    const { ports: enginePorts, clock } = ports({}, timedComponent());
    const flow = integration(`      - name: Stuck
        action: {key: hang, component: {key: timed}}
`);
    let ended = false;
    const running = runFlow({
      integration: flow,
      flowName: 'Main',
      ports: enginePorts,
      limits: { executionTimeMs: 5_000 },
    }).finally(() => {
      ended = true;
    });
    await clock.advance(4_999);
    expect(ended).toBe(false);
    await clock.advance(1);
    const result = await running;
    expect(result.error).toEqual({
      code: 'EXECUTION_TIMEOUT',
      message: 'the execution ran longer than 5000 ms and was stopped',
    });
    expect(result.durationMs).toBe(5_000);
    // The execution's time limit was its only sleep, and it is over.
    expect(clock.sleeps).toEqual([5_000]);
    expect(clock.waiting()).toEqual([]);
  });

  it('ends a step sleeping past the time limit, whatever the step waits for', async () => {
    const { ports: enginePorts, clock } = ports({}, timedComponent());
    const flow = integration(`      - name: Nap
        action: {key: wait, component: {key: timed}}
        inputs:
          ms: {type: value, value: "60000"}
`);
    const running = runFlow({
      integration: flow,
      flowName: 'Main',
      ports: enginePorts,
      limits: { executionTimeMs: 30_000 },
    });
    await clock.advance(30_000);
    const result = await running;
    expect(result.error?.code).toBe('EXECUTION_TIMEOUT');
    expect(result.durationMs).toBe(30_000);
    expect(clock.waiting()).toEqual([]);
  });

  it('takes every step’s startedAt and durationMs, and the execution’s, from the clock', async () => {
    const events: StepEvent[] = [];
    const { ports: enginePorts, clock } = ports({ onStep: (event) => events.push(event) }, timedComponent());
    const wait = (name: string, ms: number) => `      - name: ${name}
        action: {key: wait, component: {key: timed}}
        inputs:
          ms: {type: value, value: "${ms}"}
`;
    const flow = integration(`${wait('First', 1_500)}${wait('Second', 250)}`);
    const running = runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    await clock.advance(1_750);
    const result = await running;
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.startedAt).toBe(at(0));
    expect(result.durationMs).toBe(1_750);
    expect((result.steps.trigger as { startedAt: string }).startedAt).toBe(at(0));
    expect(result.stepRecords.map((record) => [record.key, record.attempts])).toEqual([
      ['trigger', [{ attempt: 1, startedAt: at(0), durationMs: 0 }]],
      ['first', [{ attempt: 1, startedAt: at(0), durationMs: 1_500 }]],
      ['second', [{ attempt: 1, startedAt: at(1_500), durationMs: 250 }]],
    ]);
    // Steps read the same clock through their context.
    expect(result.steps.second).toEqual({ now: at(1_750) });
    expect(
      events.flatMap((event) => (event.type === 'finished' ? [[event.stepKey, event.durationMs]] : [])),
    ).toEqual([
      ['trigger', 0],
      ['first', 1_500],
      ['second', 250],
    ]);
  });
});
