/**
 * persist-data: key/value state kept by the platform. Four stores share one set of actions: Execution (this run),
 * Instance (this flow of the instance), CrossFlow (every flow of the instance) and Integration (every instance).
 * Each action returns the store it changed; the platform saves it with the step.
 */
import type { ActionContext, ActionDefinition } from '@weft/sdk';
import { action, component, input } from '@weft/sdk';

const stores = {
  Execution: { field: 'executionState', label: 'execution' },
  Instance: { field: 'instanceState', label: 'flow' },
  CrossFlow: { field: 'crossFlowState', label: 'cross-flow' },
  Integration: { field: 'integrationState', label: 'integration' },
} as const;
type StoreName = keyof typeof stores;

const key = input({
  label: 'Key',
  type: 'data',
  required: true,
  comments: 'The name the value is stored under.',
});
const optionalKey = input({ label: 'Key', type: 'data', comments: 'The name the value is stored under.' });
const value = input({ label: 'Value', type: 'data', required: true, comments: 'The value to store.' });
const optionalValue = input({ label: 'Value', type: 'data', comments: 'The value to store.' });
const amount = input({
  label: 'Amount',
  type: 'number',
  default: '1',
  comments: 'How much to add or subtract.',
});

function keyText(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '')
    throw new Error('Key is empty: give the name to store the value under');
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// biome-ignore lint/suspicious/noExplicitAny: each action declares its own inputs
function storeActions(name: StoreName): Record<string, ActionDefinition<any>> {
  const { field, label } = stores[name];
  const read = (context: ActionContext): Record<string, unknown> => ({
    ...(context[field] as Record<string, unknown>),
  });
  const changed = (state: Record<string, unknown>, data: unknown) => ({ data, [field]: state });
  const listAt = (state: Record<string, unknown>, at: string): unknown[] => {
    const current = state[at];
    if (current === undefined || current === null) return [];
    if (!Array.isArray(current)) throw new Error(`the ${label} value '${at}' is not a list`);
    return [...current];
  };
  const display = (verb: string, description: string) => ({ label: `${verb} (${label})`, description });
  const step = (current: Record<string, unknown>, at: string, by: number) => {
    const before = current[at] ?? 0;
    const number = typeof before === 'number' ? before : Number(before);
    if (!Number.isFinite(number))
      throw new Error(`the ${label} value '${at}' is ${JSON.stringify(before)}, not a number`);
    current[at] = number + by;
    return current[at];
  };
  return {
    [`save${name}Value`]: action({
      display: display('Save Value', `Store a value (or several key/value pairs) in the ${label} state.`),
      inputs: {
        keyInput: optionalKey,
        valueInput: optionalValue,
        keyValuesInput: input({
          label: 'Key/Values',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'Several values at once.',
        }),
        // Prismatic's name for the same list, as its newer exports write it.
        dynamicValues: input({
          label: 'Dynamic Values',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'Several values at once, as key/value pairs or an object (saved besides Key/Values).',
        }),
      },
      perform: async (context, { keyInput, valueInput, keyValuesInput, dynamicValues }) => {
        const state = read(context);
        const pairs = [
          ...(keyValuesInput as Array<{ key: string; value: unknown }>),
          ...(dynamicValues as Array<{ key: string; value: unknown }>),
        ];
        if (pairs.length === 0) state[keyText(keyInput)] = valueInput;
        for (const pair of pairs) state[pair.key] = pair.value;
        return changed(
          state,
          pairs.length === 0 ? valueInput : Object.fromEntries(pairs.map((pair) => [pair.key, pair.value])),
        );
      },
    }),
    [`get${name}Value`]: action({
      display: display('Get Value', `Read a value from the ${label} state.`),
      inputs: {
        keyInput: key,
        defaultValueInput: input({
          label: 'Default Value',
          type: 'data',
          comments: 'Returned when the key has no value.',
        }),
      },
      perform: async (context, { keyInput, defaultValueInput }) => {
        const stored = read(context)[keyText(keyInput)];
        return { data: stored === undefined ? (defaultValueInput ?? null) : stored };
      },
    }),
    [`list${name}Keys`]: action({
      display: display('List Keys', `The keys of the ${label} state.`),
      inputs: {},
      perform: async (context) => ({ data: Object.keys(read(context)) }),
    }),
    [`remove${name}Value`]: action({
      display: display('Remove Value', `Remove one or several keys from the ${label} state.`),
      inputs: {
        keyInput: optionalKey,
        multipleKeysInput: input({
          label: 'Keys',
          type: 'string',
          collection: 'valuelist',
          comments: 'Several keys at once.',
        }),
      },
      perform: async (context, { keyInput, multipleKeysInput }) => {
        const state = read(context);
        const keys = (multipleKeysInput as unknown[]).map(keyText);
        if (keyInput !== undefined && keyInput !== null && keyInput !== '') keys.push(keyText(keyInput));
        if (keys.length === 0) throw new Error('name the key (or keys) to remove');
        for (const name of keys) delete state[name];
        return changed(state, null);
      },
    }),
    [`remove${name}State`]: action({
      display: display('Remove All Values', `Empty the ${label} state.`),
      inputs: {},
      perform: async () => changed({}, null),
    }),
    [`append${name}ValueToList`]: action({
      display: display('Append Value to List', `Append a value to a list in the ${label} state.`),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) => {
        const state = read(context);
        const at = keyText(keyInput);
        state[at] = [...listAt(state, at), valueInput];
        return changed(state, state[at]);
      },
    }),
    [`append${name}ValuesToList`]: action({
      display: display('Append Values to List', `Append several values to a list in the ${label} state.`),
      inputs: {
        keyInput: key,
        dynamicValuesInput: input({
          label: 'Dynamic Values',
          type: 'data',
          comments: 'A list of values (a reference).',
        }),
        valuesInput: input({
          label: 'Values',
          type: 'data',
          collection: 'valuelist',
          comments: 'Values to append.',
        }),
        flattenValuesInput: input({
          label: 'Flatten Values',
          type: 'boolean',
          default: 'false',
          comments: 'Append the items of nested lists.',
        }),
      },
      perform: async (context, { keyInput, dynamicValuesInput, valuesInput, flattenValuesInput }) => {
        const state = read(context);
        const at = keyText(keyInput);
        const dynamic =
          dynamicValuesInput === undefined || dynamicValuesInput === null
            ? []
            : Array.isArray(dynamicValuesInput)
              ? dynamicValuesInput
              : [dynamicValuesInput];
        let values = [...dynamic, ...(valuesInput as unknown[])];
        if (flattenValuesInput) values = values.flat(Number.POSITIVE_INFINITY);
        state[at] = [...listAt(state, at), ...values];
        return changed(state, state[at]);
      },
    }),
    [`add${name}ValueToSet`]: action({
      display: display(
        'Add Value to Set',
        `Add a value to a list in the ${label} state unless it is there already.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) => {
        const state = read(context);
        const at = keyText(keyInput);
        const list = listAt(state, at);
        if (!list.some((entry) => same(entry, valueInput))) list.push(valueInput);
        state[at] = list;
        return changed(state, list);
      },
    }),
    [`remove${name}ValueFromList`]: action({
      display: display(
        'Remove Value from List',
        `Remove the first occurrence of a value from a list in the ${label} state.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) => {
        const state = read(context);
        const at = keyText(keyInput);
        const list = listAt(state, at);
        const index = list.findIndex((entry) => same(entry, valueInput));
        if (index >= 0) list.splice(index, 1);
        state[at] = list;
        return changed(state, list);
      },
    }),
    [`remove${name}ValueFromSet`]: action({
      display: display(
        'Remove Value from Set',
        `Remove every occurrence of a value from a list in the ${label} state.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) => {
        const state = read(context);
        const at = keyText(keyInput);
        state[at] = listAt(state, at).filter((entry) => !same(entry, valueInput));
        return changed(state, state[at]);
      },
    }),
    [`increment${name}Value`]: action({
      display: display('Increment Value', `Add to a number in the ${label} state.`),
      inputs: { keyInput: key, amountInput: amount },
      perform: async (context, { keyInput, amountInput }) => {
        const state = read(context);
        return changed(state, step(state, keyText(keyInput), amountInput ?? 1));
      },
    }),
    [`decrement${name}Value`]: action({
      display: display('Decrement Value', `Subtract from a number in the ${label} state.`),
      inputs: { keyInput: key, amountInput: amount },
      perform: async (context, { keyInput, amountInput }) => {
        const state = read(context);
        return changed(state, step(state, keyText(keyInput), -(amountInput ?? 1)));
      },
    }),
    [`save${name}CurrentTime`]: action({
      display: display('Save Current Time', `Store the current time (ISO 8601) in the ${label} state.`),
      inputs: { keyInput: key },
      perform: async (context, { keyInput }) => {
        const state = read(context);
        const now = new Date().toISOString();
        state[keyText(keyInput)] = now;
        return changed(state, now);
      },
    }),
  };
}

export const persistDataComponent = component({
  key: 'persist-data',
  public: true,
  display: {
    label: 'Persist Data',
    description: 'Keep values between steps, executions, flows and instances',
  },
  actions: {
    ...storeActions('CrossFlow'),
    ...storeActions('Execution'),
    ...storeActions('Instance'),
    ...storeActions('Integration'),
    getUsage: action({
      display: { label: 'Get Usage', description: 'How many bytes each state store holds.' },
      inputs: {},
      perform: async (context) => ({
        data: Object.fromEntries(
          (Object.keys(stores) as StoreName[]).map((name) => [
            stores[name].field,
            Buffer.byteLength(JSON.stringify(context[stores[name].field] ?? {})),
          ]),
        ),
      }),
    }),
  },
});
