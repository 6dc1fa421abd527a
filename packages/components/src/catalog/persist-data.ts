import type { CatalogOperation } from '@weft/definition';
import { bool, component, data, keyValueList, operation, str, valueList } from './define.js';

/**
 * Persisted key/value state at four levels, each with the same set of actions:
 * - Execution: this execution only (key infix `Execution`);
 * - Flow: one flow of one instance, across executions (key infix `Instance`, its historical name);
 * - Cross Flow: every flow of one instance (infix `CrossFlow`);
 * - Integration: every instance of the integration (infix `Integration`).
 *
 * The single-value inputs (`keyInput`, `valueInput`, `defaultValueInput`, `amountInput`) are the keys real
 * definitions use. The documentation does not print the keys of the multi-value inputs (`dynamicValuesInput`,
 * `valuesInput`, `flattenValuesInput`, `multipleKeysInput`, `keyValuesInput`); those follow the same naming.
 */
const levels = [
  { infix: 'CrossFlow', label: 'Cross Flow', scope: 'every flow of this instance' },
  { infix: 'Execution', label: 'Execution', scope: 'this execution' },
  { infix: 'Instance', label: 'Flow', scope: 'this flow of this instance' },
  { infix: 'Integration', label: 'Integration', scope: 'every instance of this integration' },
] as const;

const key = (required: boolean) => data('keyInput', 'Key', required ? { required } : {});
const value = (required: boolean) => data('valueInput', 'Value', required ? { required } : {});
const amount = str('amountInput', 'Amount', { default: '1' });

function levelActions({ infix: L, label, scope }: (typeof levels)[number]): CatalogOperation[] {
  return [
    operation(
      `add${L}ValueToSet`,
      `${label} - Add Value To Set`,
      `Add a value to a set stored for ${scope}.`,
      [key(true), value(true)],
    ),
    operation(
      `append${L}ValuesToList`,
      `${label} - Append Multiple Values To a List`,
      `Append several values to a list stored for ${scope}.`,
      [
        key(true),
        data('dynamicValuesInput', 'Dynamic Values'),
        valueList('valuesInput', 'Values', 'data'),
        bool('flattenValuesInput', 'Flatten Values', { default: 'false' }),
      ],
    ),
    operation(
      `append${L}ValueToList`,
      `${label} - Append Value To List`,
      `Append a value to a list stored for ${scope}.`,
      [key(true), value(true)],
    ),
    operation(`remove${L}State`, `${label} - Clear All State`, `Delete all state stored for ${scope}.`),
    operation(
      `decrement${L}Value`,
      `${label} - Decrement Value`,
      `Decrement an integer stored for ${scope}.`,
      [key(true), amount],
    ),
    operation(`get${L}Value`, `${label} - Get Value`, `Get a value stored for ${scope}, or the default.`, [
      key(true),
      data('defaultValueInput', 'Default Value'),
    ]),
    operation(
      `increment${L}Value`,
      `${label} - Increment Value`,
      `Increment an integer stored for ${scope}.`,
      [key(true), amount],
    ),
    operation(`list${L}Keys`, `${label} - List Keys`, `List the keys stored for ${scope}.`),
    operation(
      `remove${L}Value`,
      `${label} - Remove Value`,
      `Remove a value (or several) stored for ${scope}.`,
      [key(false), valueList('multipleKeysInput', 'Multiple Keys')],
    ),
    operation(
      `remove${L}ValueFromList`,
      `${label} - Remove Value From List`,
      `Remove a value from a list stored for ${scope}.`,
      [key(true), value(true)],
    ),
    operation(
      `remove${L}ValueFromSet`,
      `${label} - Remove Value From Set`,
      `Remove a value from a set stored for ${scope}.`,
      [key(true), value(true)],
    ),
    operation(
      `save${L}CurrentTime`,
      `${label} - Save Current Time`,
      `Save the current UTC time under a key for ${scope}.`,
      [key(true)],
    ),
    operation(`save${L}Value`, `${label} - Save Value`, `Save a value (or several) for ${scope}.`, [
      key(false),
      value(false),
      keyValueList('keyValuesInput', 'Key/Values', 'data'),
      keyValueList('dynamicValues', 'Dynamic Values', 'data'),
    ]),
  ];
}

export const persistData = component('persist-data', 'Persist Data', {
  actions: [
    ...levels.flatMap(levelActions),
    operation(
      'getUsage',
      'Get Persist Data Usage Metrics',
      'Get the size of the persisted flow, cross-flow and integration data (64 MB in total at most).',
    ),
  ],
});
