import {
  type ActionContext,
  applyStateOperation,
  type StateStoreField,
  type StateUpdater,
  setStateValue,
  stateValue,
} from '@weft/sdk';
import type { StateChanges, StatePort, StateScope, StateWrites } from './ports.js';

/**
 * How a step's state writes are found and kept (see `StatePort`):
 *
 * - Plain writes are per key. A step is given a copy of each store; what it returns (Spectral's contract: the whole
 *   store) or, for code-native and custom code, leaves changed in place on the context, is compared with the store
 *   it was given, key by key. Only the keys it set or removed are written (with the step's record on the server),
 *   so two executions writing different keys of one store never overwrite each other.
 * - Read-modify-write operations (`context.updateState`: persist-data's increment, append, add to set, remove from
 *   list) go to the port while the step runs and are applied there atomically: committed at once (not with the
 *   step), visible to every other execution, with the value after the operation as their answer. Execution state is
 *   the run's own, so its operations are applied here and written like plain ones.
 */

/** The context field of each store. */
export const stateFields: ReadonlyArray<readonly [StateStoreField, StateScope]> = [
  ['instanceState', 'flow'],
  ['crossFlowState', 'crossFlow'],
  ['executionState', 'execution'],
  ['integrationState', 'integration'],
];
const scopeOfField = new Map<string, StateScope>(stateFields);

/** Operations applied in the run rather than by the port (execution state, or no port), per step context. */
const localWrites = new WeakMap<object, StateWrites>();

/**
 * A step's own copy of a store: plain objects and lists copied all the way down, so a step that changes a nested
 * value in place (`context.crossFlowState.seen.push(x)`) changes its copy, and the change is seen when its store is
 * compared with the run's. Binary data, dates and other objects are shared. Keys are written as own properties
 * (`__proto__` too).
 */
export function copyOfStore(store: Record<string, unknown>): Record<string, unknown> {
  return copyOfValue(store, 0) as Record<string, unknown>;
}

function copyOfValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 2000) return value;
  if (Array.isArray(value)) return value.map((item) => copyOfValue(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: copyOfValue((value as Record<string, unknown>)[key], depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** The keys `after` set or removed compared with `before`; undefined when none. A key set to undefined is removed. */
export function diffState(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): StateChanges | undefined {
  const set: Record<string, unknown> = {};
  const deleted: string[] = [];
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) {
      if (Object.hasOwn(before, key)) deleted.push(key);
    } else if (!Object.hasOwn(before, key) || !sameJson(before[key], value)) {
      setStateValue(set, key, value);
    }
  }
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) deleted.push(key);
  return Object.keys(set).length > 0 || deleted.length > 0 ? { set, deleted } : undefined;
}

/** `later` after `earlier`, as one set of changes (into `earlier`). */
function mergeChanges(earlier: StateChanges, later: StateChanges): StateChanges {
  for (const [key, value] of Object.entries(later.set)) {
    setStateValue(earlier.set, key, value);
    earlier.deleted = earlier.deleted.filter((name) => name !== key);
  }
  for (const key of later.deleted) {
    delete earlier.set[key];
    if (!earlier.deleted.includes(key)) earlier.deleted.push(key);
  }
  return earlier;
}

/** `context.updateState` for one step: `states` are the run's stores, kept current with what the operation did. */
export function stateUpdater(
  states: Record<StateScope, Record<string, unknown>>,
  port: StatePort | undefined,
  context: () => ActionContext,
): StateUpdater {
  return async (store, key, operation) => {
    const scope = scopeOfField.get(store);
    if (!scope) throw new Error(`there is no state store '${String(store)}'`);
    if (typeof key !== 'string' || key === '') throw new Error('the state key is empty');
    let value: unknown;
    if (port && scope !== 'execution') {
      value = await port.update(scope, key, operation);
    } else {
      value = applyStateOperation(key, stateValue(states[scope], key), operation);
      const step = context();
      const writes = localWrites.get(step) ?? {};
      localWrites.set(step, writes);
      writes[scope] = mergeChanges(writes[scope] ?? { set: {}, deleted: [] }, {
        set: { [key]: value },
        deleted: [],
      });
    }
    setStateValue(states[scope], key, value);
    // The step's own copy follows, so a whole store it returns afterwards does not undo the operation.
    const copy = context()[store] as Record<string, unknown> | undefined;
    if (copy && typeof copy === 'object') setStateValue(copy, key, structuredClone(value));
    return structuredClone(value);
  };
}

/**
 * The state writes of a step that ended: its operations applied in the run, then the keys its returned stores
 * (`result.instanceState`, ...) set or removed compared with the run's stores, which are brought up to date.
 */
export function collectStateWrites(
  states: Record<StateScope, Record<string, unknown>>,
  result: Record<string, unknown> | undefined,
  context: ActionContext,
): StateWrites | undefined {
  const local = localWrites.get(context);
  localWrites.delete(context);
  let writes: StateWrites | undefined;
  for (const [field, scope] of stateFields) {
    let changes = local?.[scope];
    const returned = result?.[field];
    if (returned && typeof returned === 'object' && !Array.isArray(returned)) {
      const diff = diffState(states[scope], returned as Record<string, unknown>);
      if (diff) {
        diff.set = structuredClone(diff.set);
        const store = states[scope];
        for (const key of diff.deleted) delete store[key];
        Object.assign(store, diff.set);
        changes = changes ? mergeChanges(changes, diff) : diff;
      }
    }
    if (!changes || (Object.keys(changes.set).length === 0 && changes.deleted.length === 0)) continue;
    writes ??= {};
    writes[scope] = changes;
  }
  return writes;
}
