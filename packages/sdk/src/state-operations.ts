/**
 * Read-modify-write operations on one key of a state store (Weft). A host that keeps state shared by concurrent
 * executions (the server: PostgreSQL) applies them atomically, so concurrent increments and appends are never lost;
 * `applyStateOperation` is the reference semantics, which in-memory hosts use as is.
 */

/** The state stores an action context carries, by their context field. */
export type StateStoreField = 'instanceState' | 'crossFlowState' | 'executionState' | 'integrationState';

export type StateOperation =
  /** Adds `amount` (negative to subtract) to a number; a missing or null value counts as 0. */
  | { type: 'add'; amount: number }
  /** Appends `values` to a list; a missing or null value counts as the empty list. */
  | { type: 'append'; values: unknown[] }
  /** Appends `value` to a list unless an equal value is in it already. */
  | { type: 'addToSet'; value: unknown }
  /** Removes the first (or with `all`, every) value equal to `value` from a list. */
  | { type: 'removeFromList'; value: unknown; all?: boolean };

/**
 * Applies a read-modify-write operation to one key of a store, atomically, and answers the key's value after it.
 * Weft hosts put it on the action context (`context.updateState`); Spectral hosts have no such thing, so callers
 * fall back to reading and returning the whole store.
 */
export type StateUpdater = (
  store: StateStoreField,
  key: string,
  operation: StateOperation,
) => Promise<unknown>;

/** The stored value is not of the kind the operation works on (a number to add to, a list to append to). */
export class StateValueError extends Error {
  constructor(
    readonly key: string,
    readonly expected: 'number' | 'list',
    readonly value: unknown,
  ) {
    super(
      expected === 'number'
        ? `the value '${key}' is ${JSON.stringify(value)}, not a number`
        : `the value '${key}' is not a list`,
    );
    this.name = 'StateValueError';
  }
}

const numericText = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The number a stored value counts as: missing or null is 0, a boolean 1 or 0, a string holding a decimal number
 * (or blank: 0) that number. Anything else is not a number (undefined). PostgreSQL's version is in the server's
 * state-store.ts; keep them alike.
 */
export function stateNumber(value: unknown): number | undefined {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return 0;
    return numericText.test(text) ? Number(text) : undefined;
  }
  return undefined;
}

/** JSON text with object keys sorted: equal values as jsonb compares them (key order does not count). */
function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : item,
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The value of `key` after `operation`, given its value before (undefined when it has none); never mutates it. */
export function applyStateOperation(key: string, before: unknown, operation: StateOperation): unknown {
  if (operation.type === 'add') {
    const number = stateNumber(before);
    if (number === undefined) throw new StateValueError(key, 'number', before);
    return number + operation.amount;
  }
  if (before !== undefined && before !== null && !Array.isArray(before))
    throw new StateValueError(key, 'list', before);
  const list = (before ?? []) as unknown[];
  switch (operation.type) {
    case 'append':
      return [...list, ...operation.values];
    case 'addToSet':
      return list.some((entry) => sameValue(entry, operation.value)) ? [...list] : [...list, operation.value];
    case 'removeFromList': {
      if (operation.all) return list.filter((entry) => !sameValue(entry, operation.value));
      const index = list.findIndex((entry) => sameValue(entry, operation.value));
      return index < 0 ? [...list] : [...list.slice(0, index), ...list.slice(index + 1)];
    }
  }
}

/** One key of a state store: its own value only (`constructor` is no list a store holds unless it was stored). */
export function stateValue(store: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(store, key) ? store[key] : undefined;
}

/**
 * Sets one key of a state store as an own property, whatever its name: `store[key] = value` would set the
 * object's prototype for a key named `__proto__` (a name a webhook body may carry) instead of storing it.
 */
export function setStateValue(store: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(store, key, { value, enumerable: true, writable: true, configurable: true });
}
