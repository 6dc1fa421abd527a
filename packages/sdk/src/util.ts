/**
 * `util.types`: Spectral's checks and conversions for input values, to use as inputs' `clean` functions
 * (`clean: util.types.toInt`) or in `perform`. Inputs arrive as the platform resolved them (text typed by a
 * builder, an earlier step's result, a config variable), so the conversions accept the usual spellings; where
 * Spectral would guess (`toBool('maybe')` is true there, `toString({})` is "[object Object]") these throw, with a
 * message that shows the value and says what was expected. `clean` errors are prefixed with the input's key and label.
 */
import type { ComponentConnection } from './component.js';
import type {
  Connection,
  DataPayload,
  Element,
  JSONForm,
  ObjectFieldMap,
  ObjectSelection,
} from './inputs.js';

/** The value as an error message shows it: text quoted, long values cut. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? "'' (empty text)" : `'${cut(value)}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return String(value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (value instanceof Date)
    return `the date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  const kind = Array.isArray(value) ? 'a list' : 'an object';
  return json === undefined ? kind : `${kind}: ${cut(json)}`;
}

function cut(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Inputs a builder left empty arrive as undefined, null or ''. */
function isEmpty(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || value === '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasTruthyKeys(value: unknown, keys: string[]): boolean {
  return isRecord(value) && keys.every((key) => Boolean(value[key]));
}

function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const trueWords = new Set(['true', 't', 'yes', 'y', '1']);
const falseWords = new Set(['false', 'f', 'no', 'n', '0']);

function isBool(value: unknown): value is boolean {
  return value === true || value === false;
}

/** true/false, yes/no, t/f, y/n, 1/0 (any case) and numbers; empty gives `defaultValue` (else false). */
function toBool(value: unknown, defaultValue?: boolean): boolean {
  if (isBool(value)) return value;
  if (isEmpty(value)) return defaultValue ?? false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (trueWords.has(word)) return true;
    if (falseWords.has(word)) return false;
  }
  throw new Error(`expected true or false (or yes/no, t/f, y/n, 1/0), got ${shown(value)}`);
}

function isInt(value: unknown): value is number {
  return Number.isInteger(value);
}

function numberFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value.trim());
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/** A whole number (decimals are truncated, as in Spectral); empty gives `defaultValue` (else 0). */
function toInt(value: unknown, defaultValue?: number): number {
  if (isInt(value)) return value;
  if (isEmpty(value)) return defaultValue ?? 0;
  const number = numberFrom(value);
  if (number === undefined) throw new Error(`expected a whole number, got ${shown(value)}`);
  return Math.trunc(number);
}

function isNumber(value: unknown): boolean {
  return numberFrom(value) !== undefined;
}

/** A finite number, from a number or numeric text; empty gives `defaultValue` (else 0). */
function toNumber(value: unknown, defaultValue?: number): number {
  if (isEmpty(value)) return defaultValue ?? 0;
  const number = numberFrom(value);
  if (number === undefined) throw new Error(`expected a number, got ${shown(value)}`);
  return number;
}

function isBigInt(value: unknown): value is bigint {
  return typeof value === 'bigint';
}

function toBigInt(value: unknown): bigint {
  if (isBigInt(value)) return value;
  if (isInt(value)) return BigInt(value);
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return BigInt(value.trim());
  throw new Error(`expected a whole number (for a bigint), got ${shown(value)}`);
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

// ISO 8601 dates and date-times: what date and timestamp inputs hold (Date.parse alone accepts much more).
const isoDate = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A Date, from a Date, Unix seconds (a number or numeric text) or ISO 8601 text (`2024-05-01T12:00:00Z`). */
function toDate(value: unknown): Date {
  if (isDate(value)) return value;
  const seconds = numberFrom(value);
  if (seconds !== undefined) return new Date(seconds * 1000);
  if (typeof value === 'string' && isoDate.test(value.trim())) {
    const date = new Date(value.trim());
    if (isDate(date)) return date;
  }
  throw new Error(
    `expected a date (ISO 8601, such as 2024-05-01T12:00:00Z, or Unix seconds), got ${shown(value)}`,
  );
}

/** An absolute http(s) URL. */
function isUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isBufferDataPayload(value: unknown): value is DataPayload {
  return isRecord(value) && Buffer.isBuffer(value.data);
}

/**
 * Binary data with its content type: text becomes UTF-8 (`text/plain`), a Buffer or byte array is kept
 * (`application/octet-stream`), `{data, contentType}` (a trigger's body) keeps its content type, and other
 * objects become JSON (`application/json`).
 */
function toBufferDataPayload(value: unknown): DataPayload {
  if (isBufferDataPayload(value)) return value;
  if (typeof value === 'string') return { data: Buffer.from(value, 'utf-8'), contentType: 'text/plain' };
  if (value instanceof Uint8Array)
    return { data: Buffer.from(value), contentType: 'application/octet-stream' };
  if (isRecord(value) && typeof value.contentType === 'string' && 'data' in value) {
    const { data, contentType } = value;
    if (typeof data === 'string') return { data: Buffer.from(data, 'utf-8'), contentType };
    if (data instanceof Uint8Array) return { data: Buffer.from(data), contentType };
  }
  if (typeof value === 'object' && value !== null) {
    return { data: Buffer.from(JSON.stringify(value), 'utf-8'), contentType: 'application/json' };
  }
  throw new Error(`expected data (text, a Buffer, or {data, contentType}), got ${shown(value)}`);
}

function isString(value: unknown): value is string {
  return typeof value === 'string' || value instanceof String;
}

/** Text, from text, numbers, booleans, bigints, dates (ISO 8601) or a Buffer (UTF-8); empty gives `defaultValue`. */
function toText(value: unknown, defaultValue = ''): string {
  if (value === undefined || value === null) return defaultValue;
  if (isString(value)) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (isDate(value)) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf-8');
  throw new Error(`expected text, got ${shown(value)}; use util.types.toJSON to turn an object into text`);
}

/**
 * A key/value list (`[{key: 'a', value: 1}]`, what a `keyvaluelist` input holds) as an object (`{a: 1}`), each value
 * passed through `valueConverter` when given; an object is taken as already converted. Empty gives `{}`.
 */
function keyValPairListToObject<TValue = unknown>(
  kvpList: unknown,
  valueConverter?: (value: unknown) => TValue,
): Record<string, TValue> {
  const convert = valueConverter ?? ((value: unknown) => value as TValue);
  if (isEmpty(kvpList)) return {};
  const list = fromJsonText(kvpList);
  if (isRecord(list)) {
    return Object.fromEntries(Object.entries(list).map(([key, value]) => [key, convert(value)]));
  }
  if (!Array.isArray(list)) throw new Error(`expected a list of key/value pairs, got ${shown(kvpList)}`);
  const result: Record<string, TValue> = {};
  list.forEach((entry: unknown, index) => {
    if (!isRecord(entry) || typeof entry.key !== 'string') {
      throw new Error(`expected a list of {key, value} pairs, but entry ${index + 1} is ${shown(entry)}`);
    }
    result[entry.key] = convert(entry.value);
  });
  return result;
}

function isJSON(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** Keys sorted (unless `retainKeyOrder`) so that equal objects give equal text; cycles and functions are left out. */
function jsonReady(value: unknown, retainKeyOrder: boolean, ancestors: object[]): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  const withToJSON = value as { toJSON?: () => unknown };
  if (typeof withToJSON.toJSON === 'function')
    return jsonReady(withToJSON.toJSON(), retainKeyOrder, ancestors);
  if (ancestors.includes(value)) return undefined;
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => jsonReady(item, retainKeyOrder, inner) ?? null);
  const keys = Object.keys(value);
  if (!retainKeyOrder) keys.sort();
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const entry = jsonReady((value as Record<string, unknown>)[key], retainKeyOrder, inner);
    if (entry !== undefined) result[key] = entry;
  }
  return result;
}

/** JSON text of any value: indented unless `prettyPrint` is false, keys sorted unless `retainKeyOrder`. */
function toJSON(value: unknown, prettyPrint = true, retainKeyOrder = false): string {
  return JSON.stringify(jsonReady(value, retainKeyOrder, []), null, prettyPrint ? 2 : undefined) ?? '';
}

/** The headers with their names in lower case (HTTP header names are case-insensitive). */
function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function isElement(value: unknown): value is Element {
  return hasTruthyKeys(value, ['key']);
}

function isObjectSelection(value: unknown): value is ObjectSelection {
  const parsed = fromJsonText(value);
  return Array.isArray(parsed) && parsed.every((item) => hasTruthyKeys(item, ['object']));
}

function toObjectSelection(value: unknown): ObjectSelection {
  const parsed = fromJsonText(value);
  if (isObjectSelection(parsed)) return parsed;
  throw new Error(`expected an object selection (a list of {object, fields}), got ${shown(value)}`);
}

function isObjectFieldMap(value: unknown): value is ObjectFieldMap {
  const parsed = fromJsonText(value);
  return (
    isRecord(parsed) &&
    Array.isArray(parsed.fields) &&
    parsed.fields.every(
      (item) => hasTruthyKeys(item, ['field']) && isElement((item as { field: unknown }).field),
    )
  );
}

function toObjectFieldMap(value: unknown): ObjectFieldMap {
  const parsed = fromJsonText(value);
  if (isObjectFieldMap(parsed)) return parsed;
  throw new Error(`expected an object field map ({fields: [{field: {key}}]}), got ${shown(value)}`);
}

function isJSONForm(value: unknown): value is JSONForm {
  return hasTruthyKeys(fromJsonText(value), ['schema', 'uiSchema', 'data']);
}

function toJSONForm(value: unknown): JSONForm {
  const parsed = fromJsonText(value);
  if (isJSONForm(parsed)) return parsed;
  throw new Error(`expected a JSON form ({schema, uiSchema, data}), got ${shown(value)}`);
}

function isPicklist(value: unknown): boolean {
  return Array.isArray(value) && (value.every(isString) || value.every(isElement));
}

function isSchedule(value: unknown): boolean {
  return hasTruthyKeys(value, ['value']);
}

/** A connection as a component declares it, in the platform's shape (`{key, label, inputs}`), as in Spectral. */
function isConnection(value: unknown): value is ComponentConnection {
  const parsed = fromJsonText(value);
  return (
    hasTruthyKeys(parsed, ['key', 'label']) && typeof (parsed as { inputs?: unknown }).inputs === 'object'
  );
}

/** Weft: a connection input's value (`{key, configVarKey, fields, token?}`). */
function isConnectionValue(value: unknown): value is Connection {
  return isRecord(value) && typeof value.key === 'string' && isRecord(value.fields);
}

/** Weft: a connection input's value, checked; `clean: util.types.toConnection` on connection inputs. */
function toConnection(value: unknown): Connection {
  if (isConnectionValue(value)) return value;
  throw new Error(
    `expected a connection (the value of a connection config variable: {key, fields}), got ${isRecord(value) && 'fields' in value ? 'an object whose fields are not an object' : shown(value)}`,
  );
}

/**
 * An object (or list), from one or from JSON text; empty gives `defaultValue` when there is one. Text that is not
 * JSON, and JSON that is not an object or a list, is an error.
 */
function toObject(value: unknown, defaultValue?: object): object {
  if (isEmpty(value) && defaultValue !== undefined) return defaultValue;
  if (typeof value === 'object' && value !== null) return value;
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new Error(`expected an object or JSON text, got ${shown(value)}: ${(error as Error).message}`);
    }
    if (typeof parsed === 'object' && parsed !== null) return parsed;
    throw new Error(`expected JSON text of an object or a list, got ${shown(value)}`);
  }
  throw new Error(`expected an object or JSON text, got ${shown(value)}`);
}

/** The object without the entries `predicate` picks (by default: undefined, null and empty text). */
function cleanObject(
  object: Record<string, unknown>,
  predicate: (value: unknown) => boolean = isEmpty,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => !predicate(value)));
}

/** Spectral's `util`: `util.types` checks (`is...`) and conversions (`to...`) of input values. */
export const util = {
  types: {
    isBool,
    toBool,
    isInt,
    toInt,
    isNumber,
    toNumber,
    isBigInt,
    toBigInt,
    isDate,
    toDate,
    isUrl,
    isBufferDataPayload,
    toBufferDataPayload,
    isData: isBufferDataPayload,
    toData: toBufferDataPayload,
    isString,
    toString: toText,
    keyValPairListToObject,
    isJSON,
    toJSON,
    lowerCaseHeaders,
    isObjectSelection,
    toObjectSelection,
    isObjectFieldMap,
    toObjectFieldMap,
    isJSONForm,
    toJSONForm,
    isPicklist,
    isSchedule,
    isConnection,
    isConnectionValue,
    toConnection,
    isElement,
    toObject,
    cleanObject,
  },
};
