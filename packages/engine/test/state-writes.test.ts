// State writes (issue 14): a step's changes are written per key, and read-modify-write operations go to the state
// port atomically, so concurrent executions sharing one store lose nothing. The in-memory port behaves as the
// server's does.
import { action, component, input } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { runFlow, type StepEvent } from '../src/index.js';
import { integration, ports } from './support/flows.js';

/** A Spectral-style component: reads the whole cross-flow store, returns it whole with one key changed. */
const wholeState = component({
  key: 'whole-state',
  display: { label: 'Whole State', description: 'Returns the whole cross-flow state' },
  actions: {
    setKey: action({
      display: { label: 'Set Key', description: 'Sets one key, returning the whole store' },
      inputs: {
        name: input({ label: 'Name', type: 'string', required: true }),
        value: input({ label: 'Value', type: 'data' }),
      },
      perform: async (context, { name, value }) => {
        const state = { ...context.crossFlowState };
        // Let the other executions run between this read and the write.
        await new Promise((resolve) => setImmediate(resolve));
        state[name] = value;
        return { data: null, crossFlowState: state };
      },
    }),
  },
});

/** A Spectral component that changes nested values of the store in place, then returns the store. */
const inPlace = component({
  key: 'in-place',
  display: { label: 'In Place', description: 'Changes nested state in place' },
  actions: {
    remember: action({
      display: { label: 'Remember', description: 'Pushes to a list and bumps a nested counter, in place' },
      inputs: { item: input({ label: 'Item', type: 'string', required: true }) },
      perform: async (context, { item }) => {
        const state = context.crossFlowState as { seen?: string[]; meta?: { count: number } };
        state.seen ??= [];
        state.seen.push(item as string);
        state.meta ??= { count: 0 };
        state.meta.count += 1;
        return { data: null, crossFlowState: context.crossFlowState };
      },
    }),
  },
});

const concurrentFlow = integration(`      - name: Count
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: count}
          amountInput: {type: value, value: "2"}
      - name: Count Cross
        action: {key: incrementCrossFlowValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: total}
      - name: Remember
        action: {key: appendCrossFlowValueToList, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: seen}
          valueInput: {type: reference, value: trigger.results.body.data}
      - name: Own Key
        action: {key: setKey, component: {key: whole-state}}
        inputs:
          name: {type: template, value: "key-{{$trigger.results.body.data}}"}
          value: {type: reference, value: trigger.results.body.data}
`);

describe('state writes', () => {
  it('lose nothing when executions run concurrently over one store', async () => {
    const { ports: enginePorts, state } = ports({}, wholeState);
    const n = 40;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runFlow({
          integration: concurrentFlow,
          flowName: 'Main',
          trigger: { body: { data: i } },
          ports: enginePorts,
        }),
      ),
    );
    for (const result of results) expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(state.stores.flow).toEqual({ count: 2 * n });
    expect(state.stores.crossFlow.total).toBe(n);
    expect([...(state.stores.crossFlow.seen as number[])].sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i),
    );
    for (let i = 0; i < n; i += 1) expect(state.stores.crossFlow[`key-${i}`]).toBe(i);
    // Each increment answered the value after it: every one of them, once.
    expect(results.map((result) => result.steps.count).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: n }, (_, i) => 2 * (i + 1)),
    );
  });

  it('write only the keys a step changed, and a set before an increment counts', async () => {
    const events: StepEvent[] = [];
    const flow = integration(`      - name: Reset
        action: {key: saveInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: count}
          valueInput: {type: value, value: 10}
      - name: Count
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: count}
      - name: Forget
        action: {key: removeInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: old}
      - name: Scratch
        action: {key: appendExecutionValueToList, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: list}
          valueInput: {type: value, value: x}
`);
    const { ports: enginePorts, state } = ports({ onStep: (event) => events.push(event) });
    state.stores.flow = { count: 3, old: true, other: 'kept' };
    const result = await runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.steps.count).toBe(11);
    expect(state.stores.flow).toEqual({ count: 11, other: 'kept' });
    const byStep = Object.fromEntries(
      events.flatMap((event) => (event.type === 'finished' ? [[event.stepKey, event.state]] : [])),
    );
    expect(byStep.reset).toEqual({ flow: { set: { count: 10 }, deleted: [] } });
    expect(byStep.count).toBeUndefined();
    expect(byStep.forget).toEqual({ flow: { set: {}, deleted: ['old'] } });
    // Execution state is the run's own: its operations are applied in the run and written like plain changes.
    expect(byStep.scratch).toEqual({ execution: { set: { list: ['x'] }, deleted: [] } });
  });

  it('keep nested values a step changed in place, run after run', async () => {
    const flow = integration(`      - name: Remember
        action: {key: remember, component: {key: in-place}}
        inputs:
          item: {type: reference, value: trigger.results.body.data}
`);
    const { ports: enginePorts, state } = ports({}, inPlace);
    for (const item of ['a', 'b', 'c']) {
      const result = await runFlow({
        integration: flow,
        flowName: 'Main',
        trigger: { body: { data: item } },
        ports: enginePorts,
      });
      expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    }
    expect(state.stores.crossFlow).toEqual({ seen: ['a', 'b', 'c'], meta: { count: 3 } });
  });

  it('store a key named __proto__ as the key it is (a webhook body may carry one)', async () => {
    const flow = integration(`      - name: Save
        action: {key: saveCrossFlowValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: __proto__}
          valueInput: {type: value, value: kept}
      - name: Append
        action: {key: appendCrossFlowValueToList, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: constructor}
          valueInput: {type: value, value: x}
`);
    const { ports: enginePorts, state } = ports();
    const result = await runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(Object.getOwnPropertyDescriptor(state.stores.crossFlow, '__proto__')?.value).toBe('kept');
    expect(Object.getPrototypeOf(state.stores.crossFlow)).toBe(Object.prototype);
    expect(state.stores.crossFlow.constructor).toEqual(['x']);
  });

  it('apply operations in the run when there is no state port', async () => {
    const flow = integration(`      - name: Count
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: count}
      - name: Again
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: count}
          amountInput: {type: value, value: "5"}
`);
    const { ports: enginePorts } = ports();
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      ports: { ...enginePorts, state: undefined },
    });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    expect(result.steps.again).toBe(6);
  });

  it('refuse an operation on a value of the wrong kind, naming the store and key', async () => {
    const flow = integration(`      - name: Count
        action: {key: incrementCrossFlowValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: name}
`);
    const { ports: enginePorts, state } = ports();
    state.stores.crossFlow = { name: 'Ada' };
    const result = await runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toContain(`the cross-flow value 'name' is "Ada", not a number`);
    expect(state.stores.crossFlow).toEqual({ name: 'Ada' });
  });
});
