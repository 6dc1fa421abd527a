// persist-data's save actions as Prismatic's exports call them: newer exports pass several values at once in
// `dynamicValues` (often an empty list), beside the single key and value.
import { applyStateOperation, invokeAction, type StateUpdater } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { persistDataComponent } from '../src/components/persist-data.js';

describe('persist-data save actions', () => {
  it('saves the key and value when dynamicValues is the empty list an export writes', async () => {
    const saved = await invokeAction(persistDataComponent, 'saveCrossFlowValue', {
      keyInput: 'cursor',
      valueInput: 42,
      keyValuesInput: [],
      dynamicValues: [],
    });
    expect(saved.crossFlowState).toEqual({ cursor: 42 });
    expect(saved.result?.data).toBe(42);
  });

  it('saves every pair given in dynamicValues', async () => {
    const saved = await invokeAction(
      persistDataComponent,
      'saveInstanceValue',
      {
        keyValuesInput: [],
        dynamicValues: [
          { key: 'lastSync', value: '2026-12-01' },
          { key: 'page', value: 3 },
        ],
      },
      { instanceState: { kept: true } },
    );
    expect(saved.instanceState).toEqual({ kept: true, lastSync: '2026-12-01', page: 3 });
    expect(saved.result?.data).toEqual({ lastSync: '2026-12-01', page: 3 });
  });
});

describe('persist-data read-modify-write actions', () => {
  /** A context whose `updateState` records the operations and applies them to `stores`. */
  function atomicContext(stores: Record<string, Record<string, unknown>>) {
    const calls: unknown[] = [];
    const updateState: StateUpdater = async (store, key, operation) => {
      calls.push([store, key, operation]);
      stores[store] ??= {};
      const target = stores[store] as Record<string, unknown>;
      target[key] = applyStateOperation(key, target[key], operation);
      return target[key];
    };
    return { calls, stores, overrides: { updateState, ...stores } };
  }

  it('are atomic operations on the platform, answering the value after them and returning no whole store', async () => {
    const { calls, stores, overrides } = atomicContext({ instanceState: { count: 4 } });
    const incremented = await invokeAction(
      persistDataComponent,
      'incrementInstanceValue',
      { keyInput: 'count', amountInput: 3 },
      overrides,
    );
    expect(incremented.result).toEqual({ data: 7 });
    const appended = await invokeAction(
      persistDataComponent,
      'appendCrossFlowValuesToList',
      { keyInput: 'seen', valuesInput: ['a'], dynamicValuesInput: [['b', ['c']]], flattenValuesInput: true },
      overrides,
    );
    expect(appended.result).toEqual({ data: ['b', 'c', 'a'] });
    await invokeAction(persistDataComponent, 'decrementIntegrationValue', { keyInput: 'left' }, overrides);
    await invokeAction(
      persistDataComponent,
      'addCrossFlowValueToSet',
      { keyInput: 'seen', valueInput: 'a' },
      overrides,
    );
    await invokeAction(
      persistDataComponent,
      'removeCrossFlowValueFromList',
      { keyInput: 'seen', valueInput: 'c' },
      overrides,
    );
    await invokeAction(
      persistDataComponent,
      'removeCrossFlowValueFromSet',
      { keyInput: 'seen', valueInput: 'b' },
      overrides,
    );
    expect(calls).toEqual([
      ['instanceState', 'count', { type: 'add', amount: 3 }],
      ['crossFlowState', 'seen', { type: 'append', values: ['b', 'c', 'a'] }],
      ['integrationState', 'left', { type: 'add', amount: -1 }],
      ['crossFlowState', 'seen', { type: 'addToSet', value: 'a' }],
      ['crossFlowState', 'seen', { type: 'removeFromList', value: 'c' }],
      ['crossFlowState', 'seen', { type: 'removeFromList', value: 'b', all: true }],
    ]);
    expect(stores.crossFlowState).toEqual({ seen: ['a'] });
    expect(stores.integrationState).toEqual({ left: -1 });
  });

  it('read and return the whole store where the context has no updateState (Spectral hosts)', async () => {
    const counted = await invokeAction(
      persistDataComponent,
      'incrementInstanceValue',
      { keyInput: 'count', amountInput: 2 },
      { instanceState: { count: '5', other: true } },
    );
    expect(counted.result?.data).toBe(7);
    expect(counted.instanceState).toEqual({ count: 7, other: true });
    const added = await invokeAction(
      persistDataComponent,
      'addExecutionValueToSet',
      { keyInput: 'tags', valueInput: { a: 1 } },
      { executionState: { tags: [{ a: 1 }] } },
    );
    expect(added.executionState).toEqual({ tags: [{ a: 1 }] });
  });

  it('name the store and key when the stored value is of the wrong kind', async () => {
    const { overrides } = atomicContext({ crossFlowState: { list: 'text', count: [1] } });
    await expect(
      invokeAction(
        persistDataComponent,
        'appendCrossFlowValueToList',
        { keyInput: 'list', valueInput: 1 },
        overrides,
      ),
    ).rejects.toThrow(`the cross-flow value 'list' is not a list`);
    await expect(
      invokeAction(persistDataComponent, 'incrementCrossFlowValue', { keyInput: 'count' }, overrides),
    ).rejects.toThrow(`the cross-flow value 'count' is [1], not a number`);
  });
});
