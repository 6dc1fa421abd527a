/**
 * Conversions shared by the built-in utility components (collection-tools, text-manipulation, datetime, math).
 *
 * The engine converts a step's input values to the input's declared type before `perform`, but built-ins must
 * also run when called directly (tests, code-native flows) with the raw strings a definition stores (`'10'`,
 * `'false'`, a JSON text): every helper here accepts both, and throws an Error that says which input is wrong, what
 * it received and what to give instead.
 */

/** A short, readable rendering of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? `'${value.slice(0, 57)}...'` : `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} element${value.length === 1 ? '' : 's'}`;
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

/** True for `undefined`, `null` and a string of blanks: an optional input left empty. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A number given as a number or as numeric text; `what` names the input in the error. */
export function toNumber(value: unknown, what: string): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error(`${what} must be a number; NaN is not`);
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new Error(`${what} must be a number (such as 42 or -3.5); ${describeValue(value)} is not`);
}

/** Like `toNumber`, with `fallback` when the input is left empty. */
export function toOptionalNumber(value: unknown, what: string, fallback: number): number {
  return isBlank(value) ? fallback : toNumber(value, what);
}

/** A whole number, optionally at least `min`. */
export function toInteger(value: unknown, what: string, min?: number): number {
  const number = toNumber(value, what);
  if (!Number.isInteger(number)) throw new Error(`${what} must be a whole number; ${number} is not`);
  if (min !== undefined && number < min) throw new Error(`${what} must be at least ${min}; got ${number}`);
  return number;
}

/** A boolean given as a boolean or as the text `true` / `false` (an empty input is `fallback`). */
export function toBoolean(value: unknown, what: string, fallback = false): boolean {
  if (typeof value === 'boolean') return value;
  if (isBlank(value)) return fallback;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  throw new Error(`${what} must be true or false; ${describeValue(value)} is not`);
}

/** Text: strings as they are, numbers and booleans written out, nothing as ''. Objects are refused. */
export function toText(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new Error(`${what} must be text; got ${describeValue(value)}`);
}

/** Parses JSON text when the value is a string that holds an object or a list; other values are returned as is. */
export function parseJsonText(value: unknown, what: string): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} looks like JSON but does not parse: ${(error as Error).message}`);
  }
}

/** A list: an array, or JSON text of one. */
export function toList(value: unknown, what: string): unknown[] {
  const parsed = parseJsonText(value, what);
  if (Array.isArray(parsed)) return parsed;
  throw new Error(
    `${what} must be a list (an array, usually a reference to an earlier step's result); got ${describeValue(value)}`,
  );
}

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** An object: a plain object, or JSON text of one. */
export function toObject(value: unknown, what: string): PlainObject {
  const parsed = parseJsonText(value, what);
  if (isPlainObject(parsed)) return parsed;
  throw new Error(`${what} must be an object (key/value pairs); got ${describeValue(value)}`);
}

export interface Pair {
  key: string;
  value: unknown;
}

/**
 * Key/value pairs: a list of `{key, value}` (a keyvaluelist input, or `{name, value}` as some exports write it),
 * an object (each property a pair), or JSON text of either.
 */
export function toPairs(value: unknown, what: string): Pair[] {
  if (isBlank(value)) return [];
  const parsed = parseJsonText(value, what);
  if (isPlainObject(parsed)) return Object.entries(parsed).map(([key, entry]) => ({ key, value: entry }));
  if (Array.isArray(parsed)) {
    return parsed.map((entry, index) => {
      if (isPlainObject(entry) && ('key' in entry || 'name' in entry)) {
        const key = 'key' in entry ? entry.key : entry.name;
        if (typeof key !== 'string' && typeof key !== 'number')
          throw new Error(`${what}: element ${index} has a key that is not text (${describeValue(key)})`);
        return { key: String(key), value: entry.value };
      }
      throw new Error(`${what}: element ${index} must be a {key, value} pair; got ${describeValue(entry)}`);
    });
  }
  throw new Error(`${what} must be a list of {key, value} pairs or an object; got ${describeValue(value)}`);
}

/** Structural equality of JSON-like values (arrays, plain objects, primitives, dates). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** The current time in epoch milliseconds: the context's clock when the engine gives one, else `Date.now()`. */
export function nowMillis(context: unknown): number {
  const clock = (context as { clock?: { now?: () => number } } | undefined)?.clock;
  return typeof clock?.now === 'function' ? clock.now() : Date.now();
}

/** `record[key]` when the record has that key itself (never an inherited `constructor` or `toString`). */
export function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
