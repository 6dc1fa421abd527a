// persist-data's save actions as Prismatic's exports call them: newer exports pass several values at once in
// `dynamicValues` (often an empty list), beside the single key and value.
import { invokeAction } from '@weft/sdk';
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
