import { action, component, input } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { type ExecutionResult, runFlow } from '../src/index.js';
import { cancelWhileSleeping, integration, ports } from './support/flows.js';

const log = (name: string, message: string, level = 'info') => `      - name: ${name}
        action: {key: writeLog, component: {key: log}}
        inputs:
          level: {type: value, value: ${level}}
          message: ${message}
`;

function messages(result: ExecutionResult): string[] {
  return result.logs.filter((entry) => entry.stepKey).map((entry) => entry.message);
}

/** A test component: `echo` returns its input; `fail` fails the first N calls; `hang` never answers. */
function testComponent(calls: { count: number } = { count: 0 }) {
  return component({
    key: 'test',
    display: { label: 'Test', description: 'test actions' },
    actions: {
      echo: action({
        display: { label: 'Echo', description: 'returns its input' },
        inputs: {
          value: input({ label: 'Value', type: 'data' }),
          count: input({ label: 'Count', type: 'number' }),
          flag: input({ label: 'Flag', type: 'boolean' }),
        },
        perform: async (_context, params) => ({ data: params }),
      }),
      fail: action({
        display: { label: 'Fail', description: 'fails the first N calls' },
        inputs: { times: input({ label: 'Times', type: 'number', default: '1000' }) },
        perform: async (_context, { times }) => {
          calls.count += 1;
          if (calls.count <= (times ?? 0)) throw new Error(`failure number ${calls.count}`);
          return { data: { succeededOnCall: calls.count } };
        },
      }),
      hang: action({
        display: { label: 'Hang', description: 'never answers, and ignores the abort signal' },
        inputs: {},
        perform: () => new Promise(() => {}),
      }),
      big: action({
        display: { label: 'Big', description: 'returns a large result' },
        inputs: { bytes: input({ label: 'Bytes', type: 'number' }) },
        perform: async (_context, { bytes }) => ({ data: 'x'.repeat(bytes ?? 0) }),
      }),
    },
  });
}

describe('steps, inputs and references', () => {
  it('runs steps in series; later steps read earlier results, the trigger request, templates and config values', async () => {
    const flow = integration(
      `      - name: Echo Body
        action: {key: echo, component: {key: test}}
        inputs:
          value: {type: reference, value: trigger.results.body.data.order}
          count: {type: value, value: "42"}
          flag: {type: configVar, value: Dry Run}
${log('Say', '{type: template, value: "order {{$echoBody.results.value.id}} for {{#Region}} (count {{$echoBody.results.count}})"}')}`,
      {
        top: `requiredConfigVars:
  - {key: Region, dataType: string, defaultValue: eu}
  - {key: Dry Run, dataType: boolean, defaultValue: "true"}
`,
      },
    );
    const { ports: enginePorts } = ports({}, testComponent());
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: {
        body: { data: { order: { id: 7, total: 12.5 } }, contentType: 'application/json' },
        headers: { 'x-a': '1' },
      },
      configVars: { Region: 'us' },
      ports: enginePorts,
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.echoBody).toEqual({ value: { id: 7, total: 12.5 }, count: 42, flag: true });
    expect(messages(result)).toEqual(['order 7 for us (count 42)']);
    expect((result.steps.trigger as { headers: Record<string, string> }).headers).toEqual({ 'x-a': '1' });
    expect(result.stepRecords.map((record) => [record.key, record.status])).toEqual([
      ['trigger', 'succeeded'],
      ['echoBody', 'succeeded'],
      ['say', 'succeeded'],
    ]);
  });

  it('fails a step whose input cannot take the declared type, naming input, step and value', async () => {
    const flow = integration(`      - name: Loop N Times
        action: {key: loopNTimes, component: {key: loop}}
        inputs:
          iterationCount: {type: reference, value: trigger.results.body.data.n}
        steps: []
`);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: { n: 'ten' } } },
      ...ports(),
    });
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      code: 'INPUT_INVALID',
      message: "input 'iterationCount' of step 'Loop N Times' expects a number, got 'ten'",
      stepKey: 'loopNTimes',
    });
  });
});

describe('loops', () => {
  it('loops over items and N times, nested, with currentItem and index, and collects each iteration', async () => {
    const flow = integration(`      - name: Each Order
        action: {key: loopOverItems, component: {key: loop}}
        inputs:
          items: {type: reference, value: trigger.results.body.data.orders}
        steps:
          - name: Twice
            action: {key: loopNTimes, component: {key: loop}}
            inputs:
              iterationCount: {type: value, value: "2"}
            steps:
              - name: Line
                action: {key: writeLog, component: {key: log}}
                inputs:
                  message: {type: template, value: "{{$eachOrder.currentItem.id}}/{{$twice.index}} at {{$eachOrder.index}}"}
`);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: { orders: [{ id: 'a' }, { id: 'b' }] } } },
      ...ports(),
    });
    expect(result.status).toBe('succeeded');
    expect(messages(result)).toEqual(['a/0 at 0', 'a/1 at 0', 'b/0 at 1', 'b/1 at 1']);
    expect(result.steps.eachOrder).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(result.stepRecords.find((record) => record.key === 'eachOrder')?.iterations).toBe(2);
  });

  it('leaves the innermost loop at breakLoop', async () => {
    const flow = integration(`      - name: Count
        action: {key: loopNTimes, component: {key: loop}}
        inputs:
          iterationCount: {type: value, value: "100"}
        steps:
          - name: Third
            action: {key: branchOnExpression, component: {key: branch}}
            inputs:
              conditions:
                type: complex
                value:
                  - name: Stop
                    type: complex
                    value: [and, [greaterThanOrEqual, {type: reference, value: count.index}, {type: value, value: "3"}]]
            branches:
              - name: Stop
                steps:
                  - name: Break
                    action: {key: breakLoop, component: {key: loop}}
              - name: Else
                steps:
                  - name: Tick
                    action: {key: writeLog, component: {key: log}}
                    inputs:
                      message: {type: template, value: "tick {{$count.index}}"}
`);
    const result = await runFlow({ integration: flow, flowName: 'Main', ...ports() });
    expect(result.status).toBe('succeeded');
    expect(messages(result)).toEqual(['tick 0', 'tick 1', 'tick 2']);
    expect(result.stepRecords.find((record) => record.key === 'count')?.iterations).toBe(3);
  });
});

describe('branches', () => {
  const flow = integration(`      - name: Route
        action: {key: branchOnValue, component: {key: branch}}
        inputs:
          inputValue: {type: reference, value: trigger.results.body.data.event}
          branchValueMappings:
            type: complex
            value:
              - {name: Created, type: value, value: order.created}
              - {name: Refunded, type: value, value: order.refunded}
        branches:
          - name: Created
            steps:
${log('Log Created', '{type: value, value: created}').replace(/^ {6}/gm, '              ')}          - name: Else
            steps:
${log('Log Other', '{type: value, value: other}').replace(/^ {6}/gm, '              ')}      - name: Check Total
        action: {key: branchOnExpression, component: {key: branch}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Big
                type: complex
                value: [and, [greaterThan, {type: reference, value: trigger.results.body.data.total}, {type: value, value: "100"}], [dateTimeAfter, {type: reference, value: trigger.results.body.data.at}, {type: value, value: "2026-01-01T00:00:00Z"}]]
              - name: Named
                type: complex
                value: [or, [startsWith, {type: value, value: order.}, {type: reference, value: trigger.results.body.data.event}], [in, {type: value, value: x}, {type: value, value: xyz}]]
        branches:
          - name: Big
            steps:
${log('Log Big', '{type: value, value: big}').replace(/^ {6}/gm, '              ')}          - name: Named
            steps:
${log('Log Named', '{type: value, value: named}').replace(/^ {6}/gm, '              ')}`);

  it.each([
    [{ event: 'order.created', total: 500, at: '2026-06-01T00:00:00Z' }, ['created', 'big']],
    // Refunded is a mapped value without a branch of steps: nothing runs for it (not Else).
    [
      { event: 'order.refunded', total: 5, at: '2026-06-01T00:00:00Z' },
      ["step 'Route' chose branch 'Refunded', which has no steps", 'named'],
    ],
    [{ event: 'ping', total: '101', at: '2025-06-01T00:00:00Z' }, ['other', 'named']],
  ])('%j runs %j', async (data, expected) => {
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data } },
      ...ports(),
    });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(messages(result)).toEqual(expected);
  });
});

describe('error handling', () => {
  const failing = (config: string, times: number) =>
    integration(`      - name: Flaky
        action: {key: fail, component: {key: test}}
        inputs:
          times: {type: value, value: "${times}"}
        errorConfig: ${config}
${log('After', '{type: reference, value: flaky.results}')}`);

  it('fail (the default) ends the execution with the step error', async () => {
    const result = await runFlow({
      integration: failing('{errorHandlerType: fail}', 1),
      flowName: 'Main',
      ...ports({}, testComponent()),
    });
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      code: 'STEP_FAILED',
      message: "step 'Flaky' failed: failure number 1",
      stepKey: 'flaky',
    });
    // The log says it too, at the step: the only line, since After never ran.
    expect(messages(result)).toEqual(["step 'Flaky' failed: failure number 1"]);
    expect(result.logs).toMatchObject([{ level: 'error', stepKey: 'flaky' }]);
  });

  it('ignore makes the error the step result and goes on', async () => {
    const result = await runFlow({
      integration: failing('{errorHandlerType: ignore}', 1),
      flowName: 'Main',
      ...ports({}, testComponent()),
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.flaky).toEqual({ error: { code: 'STEP_FAILED', message: 'failure number 1' } });
    expect(result.stepRecords.find((record) => record.key === 'flaky')?.status).toBe('ignored');
  });

  it('retry records every attempt and waits with exponential backoff', async () => {
    const { ports: enginePorts, clock } = ports({}, testComponent());
    const running = runFlow({
      integration: failing(
        '{errorHandlerType: retry, maxAttempts: 4, delaySeconds: 2, usesExponentialBackoff: true}',
        3,
      ),
      flowName: 'Main',
      ports: enginePorts,
    });
    // The delays pass on the fake clock: 2 s, then 4 s, then 8 s.
    await clock.advance(2_000 + 4_000 + 8_000);
    const result = await running;
    expect(result.status).toBe('succeeded');
    expect(result.steps.flaky).toEqual({ succeededOnCall: 4 });
    const attempts = result.stepRecords.find((record) => record.key === 'flaky')?.attempts ?? [];
    expect(attempts.map((attempt) => attempt.error?.message ?? 'ok')).toEqual([
      'failure number 1',
      'failure number 2',
      'failure number 3',
      'ok',
    ]);
    // The first sleep is the execution's time limit (15 minutes by default).
    expect(clock.sleeps).toEqual([900_000, 2000, 4000, 8000]);
  });

  it('retry gives up after maxAttempts, and ignoreFinalError lets the flow go on', async () => {
    const givesUp = await runFlow({
      integration: failing('{errorHandlerType: retry, maxAttempts: 2, delaySeconds: 0}', 5),
      flowName: 'Main',
      ...ports({}, testComponent()),
    });
    expect(givesUp.status).toBe('failed');
    expect(givesUp.stepRecords.find((record) => record.key === 'flaky')?.attempts).toHaveLength(2);
    const ignored = await runFlow({
      integration: failing(
        '{errorHandlerType: retry, maxAttempts: 2, delaySeconds: 0, ignoreFinalError: true}',
        5,
      ),
      flowName: 'Main',
      ...ports({}, testComponent()),
    });
    expect(ignored.status).toBe('succeeded');
    expect(ignored.steps.flaky).toEqual({ error: { code: 'STEP_FAILED', message: 'failure number 2' } });
  });
});

describe('state, logs, responses and cross-flow calls', () => {
  it('keeps flow, cross-flow and integration state across executions through the port; execution state per run', async () => {
    const flow = integration(`      - name: Count Runs
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: runs}
      - name: Remember
        action: {key: appendCrossFlowValueToList, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: seen}
          valueInput: {type: reference, value: trigger.results.body.data}
      - name: Scratch
        action: {key: incrementExecutionValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: scratch}
      - name: Read Back
        action: {key: getCrossFlowValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: seen}
`);
    const { ports: enginePorts, state } = ports();
    await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: 'a' } },
      ports: enginePorts,
    });
    state.stores.execution = {};
    const second = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: 'b' } },
      ports: enginePorts,
    });
    expect(second.steps.countRuns).toBe(2);
    expect(second.steps.scratch).toBe(1);
    expect(second.steps.readBack).toEqual(['a', 'b']);
    expect(state.stores.flow).toEqual({ runs: 2 });
  });

  it('keeps logs with their levels and steps', async () => {
    const flow = integration(
      `${log('Debug', '{type: value, value: d}', 'debug')}${log('Warn', '{type: value, value: w}', 'warn')}${log('Error', '{type: value, value: e}', 'error')}`,
    );
    const result = await runFlow({ integration: flow, flowName: 'Main', ...ports() });
    expect(result.logs.map((entry) => [entry.level, entry.message, entry.stepKey])).toEqual([
      ['debug', 'd', 'debug'],
      ['warn', 'w', 'warn'],
      ['error', 'e', 'error'],
    ]);
  });

  it('stop-execution ends the flow with its HTTP response', async () => {
    const flow = integration(`      - name: Stop
        action: {key: stopExecution, component: {key: stop-execution}}
        inputs:
          statusCode: {type: value, value: "418"}
          jsonBody: {type: value, value: '{"teapot": true}'}
          headers: {type: complex, value: [{name: X-Why, type: value, value: tea}]}
${log('Never', '{type: value, value: never}')}`);
    const result = await runFlow({ integration: flow, flowName: 'Main', ...ports() });
    expect(result.status).toBe('succeeded');
    expect(result.response).toEqual({
      statusCode: 418,
      headers: { 'X-Why': 'tea' },
      contentType: 'application/json',
      body: '{"teapot": true}',
    });
    expect(messages(result)).toEqual([]);
  });

  it('invokes another flow through the port and gets its result; runaway recursion stops at the depth limit', async () => {
    const flows = `  - name: Double
    steps:
      - name: Called
        isTrigger: true
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Answer
        action: {key: echo, component: {key: test}}
        inputs:
          value: {type: reference, value: called.results.body.data.n}
  - name: Forever
    steps:
      - name: Again
        isTrigger: true
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Call Self
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: Forever}
`;
    const flow = integration(
      `      - name: Call
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: Double}
          data: {type: reference, value: trigger.results.body.data}
`,
      { flows },
    );
    const { ports: enginePorts } = ports({}, testComponent());
    enginePorts.flows = {
      invoke: async (flowName, data, { depth }) => {
        const inner = await runFlow({
          integration: flow,
          flowName,
          trigger: { body: { data } },
          ports: enginePorts,
          crossFlowDepth: depth,
          limits: { crossFlowDepth: 3 },
        });
        if (inner.status !== 'succeeded') throw new Error(inner.error?.message);
        return { status: 200, headers: {}, data: inner.response?.body };
      },
    };
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: { n: 21 } } },
      ports: enginePorts,
    });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.steps.call).toEqual({ value: 21 });
    const runaway = await runFlow({
      integration: flow,
      flowName: 'Forever',
      ports: enginePorts,
      limits: { crossFlowDepth: 3 },
    });
    expect(runaway.status).toBe('failed');
    expect(runaway.error?.message, runaway.error?.message).toMatch(
      /invokes flow 'Forever' 4 levels deep; the limit is 3/,
    );
  });
});

describe('limits and cancellation', () => {
  it('stops a step that never answers at the execution time limit', async () => {
    const flow = integration(`      - name: Stuck
        action: {key: hang, component: {key: test}}
`);
    const { ports: enginePorts, clock } = ports({}, testComponent());
    let ended = false;
    const running = runFlow({
      integration: flow,
      flowName: 'Main',
      ports: enginePorts,
      limits: { executionTimeMs: 200 },
    }).finally(() => {
      ended = true;
    });
    // The limit is the clock's: it has not passed at 199 ms, it has at 200.
    await clock.advance(199);
    expect(ended).toBe(false);
    await clock.advance(1);
    const result = await running;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('EXECUTION_TIMEOUT');
    expect(result.error?.message).toBe('the execution ran longer than 200 ms and was stopped');
    expect(result.durationMs).toBe(200);
  });

  it('refuses a step result, a trigger payload and a loop larger than the limits', async () => {
    const big = integration(`      - name: Huge
        action: {key: big, component: {key: test}}
        inputs:
          bytes: {type: value, value: "2000"}
`);
    const output = await runFlow({
      integration: big,
      flowName: 'Main',
      ...ports({}, testComponent()),
      limits: { stepOutputBytes: 1000 },
    });
    expect(output.error?.code).toBe('STEP_OUTPUT_TOO_LARGE');
    expect(output.error?.message).toMatch(/step 'Huge' returned 2002 bytes; the limit is 1000 bytes/);

    const payload = await runFlow({
      integration: big,
      flowName: 'Main',
      trigger: { body: { data: 'y'.repeat(5000) } },
      ...ports({}, testComponent()),
      limits: { triggerPayloadBytes: 1000 },
    });
    expect(payload.error?.code).toBe('TRIGGER_PAYLOAD_TOO_LARGE');

    const loop = integration(`      - name: Many
        action: {key: loopNTimes, component: {key: loop}}
        inputs:
          iterationCount: {type: value, value: "50"}
        steps: []
`);
    const iterations = await runFlow({
      integration: loop,
      flowName: 'Main',
      ...ports(),
      limits: { loopIterations: 10 },
    });
    expect(iterations.error).toEqual({
      code: 'LOOP_ITERATION_LIMIT',
      message: "loop 'Many' would run 50 iterations; the limit is 10",
      stepKey: 'many',
    });
  });

  it('refuses loops nested deeper than the limit', async () => {
    const nested = (depth: number): string =>
      depth === 0
        ? ''
        : `${' '.repeat(6 + (3 - depth) * 4)}- name: Level ${depth}\n${' '.repeat(8 + (3 - depth) * 4)}action: {key: loopNTimes, component: {key: loop}}\n${' '.repeat(8 + (3 - depth) * 4)}inputs: {iterationCount: {type: value, value: "1"}}\n${' '.repeat(8 + (3 - depth) * 4)}steps:\n${depth === 1 ? `${' '.repeat(10 + (3 - depth) * 4)}[]\n` : nested(depth - 1)}`;
    const flow = integration(nested(3).replace(/steps:\n\s+\[\]/, 'steps: []'));
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      ...ports(),
      limits: { nestingDepth: 2 },
    });
    expect(result.error?.code).toBe('NESTING_TOO_DEEP');
  });

  it('cancels from outside: the running step sees the abort and the execution ends as cancelled', async () => {
    const flow = integration(`      - name: Nap
        action: {key: sleep, component: {key: sleep}}
        inputs:
          ms: {type: value, value: "60000"}
${log('After', '{type: value, value: after}')}`);
    const { ports: enginePorts, clock } = ports();
    // Cancel while the step sleeps its minute.
    const result = await cancelWhileSleeping(flow, enginePorts, clock, 60_000);
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('EXECUTION_CANCELLED');
    expect(result.durationMs).toBe(0);
    expect(clock.waiting()).toEqual([]);
    expect(messages(result)).toEqual([]);
  });
});
