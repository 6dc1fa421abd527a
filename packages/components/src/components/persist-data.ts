/**
 * persist-data: key/value state kept by the platform. Four stores share one set of actions: Execution (this run),
 * Instance (this flow of the instance), CrossFlow (every flow of the instance) and Integration (every instance).
 *
 * Save and remove actions return the store they changed (Spectral's contract); the platform stores the keys they
 * set or removed, per key, with the step. Read-modify-write actions (increment, decrement, append to a list, add to
 * a set, remove from a list or set) are atomic operations on one key (`context.updateState`): the platform applies
 * them to the shared store at once, so concurrent executions never lose one another's updates, and they answer
 * the value after the operation. Where the context has no `updateState` (a host other than Weft's engine), they
 * read the store and return it whole, as the others do.
 */
import type { ActionContext, ActionDefinition, StateOperation } from '@weft/sdk';
import {
  action,
  applyStateOperation,
  component,
  input,
  StateValueError,
  setStateValue,
  stateValue,
} from '@weft/sdk';

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

// biome-ignore lint/suspicious/noExplicitAny: each action declares its own inputs
function storeActions(name: StoreName): Record<string, ActionDefinition<any>> {
  const { field, label } = stores[name];
  const read = (context: ActionContext): Record<string, unknown> => ({
    ...(context[field] as Record<string, unknown>),
  });
  const changed = (state: Record<string, unknown>, data: unknown) => ({ data, [field]: state });
  const display = (verb: string, description: string) => ({ label: `${verb} (${label})`, description });
  /** One key's read-modify-write: atomic through the platform when it can, else on the whole store. */
  const update = async (context: ActionContext, at: string, operation: StateOperation) => {
    try {
      if (context.updateState) return { data: await context.updateState(field, at, operation) };
      const state = read(context);
      setStateValue(state, at, applyStateOperation(at, stateValue(state, at), operation));
      return changed(state, stateValue(state, at));
    } catch (error) {
      // By name too: the error may come from another copy of the SDK (the server's port).
      if (!(error instanceof StateValueError || (error as Error)?.name === 'StateValueError')) throw error;
      const { expected, value } = error as StateValueError;
      throw new Error(
        expected === 'number'
          ? `the ${label} value '${at}' is ${JSON.stringify(value)}, not a number`
          : `the ${label} value '${at}' is not a list`,
      );
    }
  };
  const amountOf = (raw: unknown): number => {
    const number = raw === undefined || raw === null || raw === '' ? 1 : Number(raw);
    if (!Number.isFinite(number)) throw new Error(`the amount ${JSON.stringify(raw)} is not a number`);
    return number;
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
        if (pairs.length === 0) setStateValue(state, keyText(keyInput), valueInput);
        for (const pair of pairs) setStateValue(state, pair.key, pair.value);
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
        const stored = stateValue(read(context), keyText(keyInput));
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
      perform: async (context, { keyInput, valueInput }) =>
        update(context, keyText(keyInput), { type: 'append', values: [valueInput] }),
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
        const at = keyText(keyInput);
        const dynamic =
          dynamicValuesInput === undefined || dynamicValuesInput === null
            ? []
            : Array.isArray(dynamicValuesInput)
              ? dynamicValuesInput
              : [dynamicValuesInput];
        let values = [...dynamic, ...(valuesInput as unknown[])];
        if (flattenValuesInput) values = values.flat(Number.POSITIVE_INFINITY);
        return update(context, at, { type: 'append', values });
      },
    }),
    [`add${name}ValueToSet`]: action({
      display: display(
        'Add Value to Set',
        `Add a value to a list in the ${label} state unless it is there already.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) =>
        update(context, keyText(keyInput), { type: 'addToSet', value: valueInput }),
    }),
    [`remove${name}ValueFromList`]: action({
      display: display(
        'Remove Value from List',
        `Remove the first occurrence of a value from a list in the ${label} state.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) =>
        update(context, keyText(keyInput), { type: 'removeFromList', value: valueInput }),
    }),
    [`remove${name}ValueFromSet`]: action({
      display: display(
        'Remove Value from Set',
        `Remove every occurrence of a value from a list in the ${label} state.`,
      ),
      inputs: { keyInput: key, valueInput: value },
      perform: async (context, { keyInput, valueInput }) =>
        update(context, keyText(keyInput), { type: 'removeFromList', value: valueInput, all: true }),
    }),
    [`increment${name}Value`]: action({
      display: display('Increment Value', `Add to a number in the ${label} state.`),
      inputs: { keyInput: key, amountInput: amount },
      perform: async (context, { keyInput, amountInput }) =>
        update(context, keyText(keyInput), { type: 'add', amount: amountOf(amountInput) }),
    }),
    [`decrement${name}Value`]: action({
      display: display('Decrement Value', `Subtract from a number in the ${label} state.`),
      inputs: { keyInput: key, amountInput: amount },
      perform: async (context, { keyInput, amountInput }) =>
        update(context, keyText(keyInput), { type: 'add', amount: -amountOf(amountInput) }),
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
