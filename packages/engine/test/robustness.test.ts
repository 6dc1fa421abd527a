import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { action, component, input } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { type Clock, configValues, runFlow, type StepEvent, systemClock } from '../src/index.js';
import { cancelWhileSleeping, integration, ports } from './support/flows.js';

/** `odd` returns or throws whatever the test hands it through `behaviours[kind]`. */
function oddComponent(behaviours: Record<string, () => unknown>) {
  return component({
    key: 'odd',
    display: { label: 'Odd', description: 'returns or throws odd values' },
    actions: {
      run: action({
        display: { label: 'Run', description: 'runs a behaviour' },
        inputs: { kind: input({ label: 'Kind', type: 'string' }) },
        // Not async on purpose: a behaviour that throws does so synchronously.
        perform: ((_context: unknown, { kind }: { kind: string }) => behaviours[kind]?.()) as never,
      }),
    },
  });
}

const oddFlow = (kind: string, extra = '') =>
  integration(`      - name: Odd
        action: {key: run, component: {key: odd}}
        inputs:
          kind: {type: value, value: ${kind}}
${extra}`);

/** Refers to itself from two places (as an axios response does: `request.res` and `config`): no walk may branch. */
const cyclic = () => {
  const value: Record<string, unknown> = { a: 1 };
  value.self = value;
  value.again = { back: value };
  return value;
};

describe('odd values from components', () => {
  it.each([
    [
      'throwsText',
      () => {
        throw 'plain text';
      },
      'plain text',
    ],
    [
      'throwsNothing',
      () => {
        throw undefined;
      },
      'the step failed without a message',
    ],
    [
      'throwsCyclic',
      () => {
        throw cyclic();
      },
      '[object Object]',
    ],
    [
      'throwsBigInt',
      () => {
        throw 10n;
      },
      '[object BigInt]',
    ],
    [
      'throwsSync',
      () => {
        throw new Error('sync failure');
      },
      'sync failure',
    ],
  ])('%s: the execution fails with a message and runFlow resolves', async (kind, behaviour, message) => {
    const { ports: enginePorts } = ports({}, oddComponent({ [kind]: behaviour }));
    const result = await runFlow({ integration: oddFlow(kind), flowName: 'Main', ports: enginePorts });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toContain(message);
    expect(result.stepRecords.find((record) => record.key === 'odd')?.status).toBe('failed');
  });

  it('takes a bare value (nothing, text, a list, a Buffer) as the step data; bytes become a file', async () => {
    const values: Record<string, unknown> = {
      nothing: null,
      text: 'hello',
      list: [1, 2],
      buffer: Buffer.from('bytes'),
    };
    const expectations: Record<string, unknown> = {
      ...values,
      buffer: { data: Buffer.from('bytes'), contentType: 'application/octet-stream' },
    };
    for (const [kind, expected] of Object.entries(expectations)) {
      const behaviour = () => (kind === 'nothing' ? undefined : values[kind]);
      const { ports: enginePorts } = ports({}, oddComponent({ [kind]: behaviour }));
      const result = await runFlow({ integration: oddFlow(kind), flowName: 'Main', ports: enginePorts });
      expect(result.status, kind).toBe('succeeded');
      expect(result.steps.odd, kind).toEqual(expected);
    }
  });

  it('refuses a result that refers to itself with a clear error instead of storing it', async () => {
    const { ports: enginePorts } = ports({}, oddComponent({ cyclic: () => ({ data: cyclic() }) }));
    const result = await runFlow({ integration: oddFlow('cyclic'), flowName: 'Main', ports: enginePorts });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_OUTPUT_INVALID', stepKey: 'odd' });
  });

  it('counts Buffers inside a result by their bytes, not their JSON spelling', async () => {
    const behaviour = () => ({ data: { file: Buffer.alloc(900, 255) } });
    const { ports: enginePorts } = ports({}, oddComponent({ file: behaviour }));
    const result = await runFlow({
      integration: oddFlow('file'),
      flowName: 'Main',
      ports: enginePorts,
      limits: { stepOutputBytes: 1000 },
    });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
  });
});

describe('loops end cleanly', () => {
  const loopFlow = (child: string) =>
    integration(`      - name: Each
        action: {key: loopOverItems, component: {key: loop}}
        inputs:
          items: {type: reference, value: trigger.results.body.data}
        steps:
${child}      - name: After
        action: {key: writeLog, component: {key: log}}
        inputs:
          message: {type: value, value: after}
`);

  it('records the loop (failed, with its iterations) when a child step fails', async () => {
    const events: StepEvent[] = [];
    const { ports: enginePorts } = ports(
      { onStep: (event) => events.push(event) },
      oddComponent({
        failOnB: () => {
          throw new Error('bad item');
        },
      }),
    );
    const flow = loopFlow(`          - name: Odd
            action: {key: run, component: {key: odd}}
            inputs:
              kind: {type: template, value: "{{$each.currentItem}}"}
`);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: ['ok', 'failOnB', 'never'] } },
      ports: enginePorts,
    });
    expect(result.status).toBe('failed');
    expect(result.stepRecords.find((record) => record.key === 'each')).toMatchObject({
      status: 'failed',
      iterations: 1,
    });
    expect(events.filter((event) => event.stepKey === 'each').map((event) => event.type)).toEqual([
      'started',
      'finished',
    ]);
  });

  it('stop-execution inside a loop ends the whole flow with its response', async () => {
    const flow = loopFlow(`          - name: Stop
            action: {key: stopExecution, component: {key: stop-execution}}
            inputs:
              statusCode: {type: value, value: "202"}
              jsonBody: {type: template, value: "stopped at {{$each.index}}"}
`);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: [1, 2, 3] } },
      ...ports(),
    });
    expect(result.status).toBe('succeeded');
    expect(result.response).toMatchObject({ statusCode: 202, body: 'stopped at 0' });
    expect(result.logs.some((entry) => entry.message === 'after')).toBe(false);
    expect(result.stepRecords.find((record) => record.key === 'each')?.iterations).toBe(0);
  });

  // Its speed is bench/engine.js's business (no wall-clock assertion here): this checks it completes, whole.
  it('runs a loop over 100,000 items', async () => {
    const flow = loopFlow(`          - name: Keep
            action: {key: selectExecutedStepResult, component: {key: branch}}
            inputs:
              stepResults: {type: complex, value: [{type: reference, value: each.currentItem}]}
`);
    const items = Array.from({ length: 100_000 }, (_, index) => index);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: items } },
      ...ports(),
    });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.steps.each).toHaveLength(100_000);
    expect((result.steps.each as unknown[])[99_999]).toBe(99_999);
  }, 60_000);
});

describe('resources', () => {
  it('cancels during a retry delay at once, and records the step', async () => {
    const flow = oddFlow(
      'fails',
      '        errorConfig: {errorHandlerType: retry, maxAttempts: 3, delaySeconds: 60}\n',
    );
    const { ports: enginePorts, clock } = ports(
      {},
      oddComponent({
        fails: () => {
          throw new Error('flaky');
        },
      }),
    );
    const result = await cancelWhileSleeping(flow, enginePorts, clock, 60_000);
    expect(result.status).toBe('cancelled');
    expect(result.durationMs).toBe(0);
    expect(clock.waiting()).toEqual([]);
    expect(result.stepRecords.find((record) => record.key === 'odd')?.attempts).toHaveLength(1);
  });

  it('cancels during a retry delay on the system clock at once, and records the step', async () => {
    const flow = oddFlow(
      'fails',
      '        errorConfig: {errorHandlerType: retry, maxAttempts: 3, delaySeconds: 60}\n',
    );
    const controller = new AbortController();
    // The real clock, cancelled as soon as the 60 s delay starts: its timer goes, and the step is in the result.
    const clock: Clock = {
      now: systemClock.now,
      sleep: (ms, signal) => {
        const sleeping = systemClock.sleep(ms, signal);
        if (ms === 60_000) queueMicrotask(() => controller.abort());
        return sleeping;
      },
    };
    const { ports: enginePorts } = ports(
      { clock },
      oddComponent({
        fails: () => {
          throw new Error('flaky');
        },
      }),
    );
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const timersBefore = timers();
    const started = performance.now();
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      ports: enginePorts,
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe('cancelled');
    expect(result.stepRecords.find((record) => record.key === 'odd')?.attempts).toHaveLength(1);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });

  it('leaves no abort listeners or timers behind after 10,000 executions', async () => {
    const flow = integration(`      - name: Say
        action: {key: writeLog, component: {key: log}}
        inputs:
          message: {type: value, value: hi}
`);
    const controller = new AbortController();
    const timersBefore = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    for (let index = 0; index < 10_000; index += 1) {
      const result = await runFlow({
        integration: flow,
        flowName: 'Main',
        signal: controller.signal,
        // The real clock: each execution's time limit is a real timer, which must go when the execution ends.
        ports: ports({ clock: systemClock }).ports,
      });
      expect(result.status).toBe('succeeded');
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const timersAfter = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  }, 60_000);
});

describe('config values', () => {
  it('turns defaults into the value of each data type', () => {
    const configVar = (key: string, dataType: string, defaultValue?: string, collectionType?: string) => ({
      key,
      stableKey: key,
      dataType,
      orgOnly: false,
      ...(defaultValue === undefined ? {} : { defaultValue }),
      ...(collectionType ? { collectionType } : {}),
    });
    const values = configValues(
      {
        name: 'Config',
        flows: [],
        configVars: [
          configVar('Flag', 'boolean', 'True'),
          configVar('Unset Flag', 'boolean'),
          configVar('Count', 'number', '12'),
          configVar('Bad Count', 'number', 'twelve'),
          configVar('Empty Count', 'number', ''),
          configVar('Form', 'jsonForm', '{"a":1}'),
          configVar('Ids', 'string', '["a","b"]', 'valuelist'),
          configVar('Pairs', 'string', '[{"key":"k","value":"v"}]', 'keyvaluelist'),
          configVar('When', 'date', '2026-01-01'),
          configVar('Given', 'string', 'default'),
        ],
      } as never,
      { Given: 'given', Extra: 5 },
    );
    expect(values).toEqual({
      Flag: true,
      'Unset Flag': false,
      Count: 12,
      'Bad Count': 'twelve',
      'Empty Count': undefined,
      Form: { a: 1 },
      Ids: ['a', 'b'],
      Pairs: [{ key: 'k', value: 'v' }],
      When: '2026-01-01',
      Given: 'given',
      Extra: 5,
    });
  });
});
