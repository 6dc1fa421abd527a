/**
 * Conversions shared by the http, change-data-format and csv components: binary payloads (`{data: Buffer,
 * contentType}`), text and JSON inputs, key/value lists, and number and boolean inputs that a definition stores as
 * strings (`'0'`, `'false'`, `''`). Each accepts the raw string and the converted value alike.
 */

/** A Prismatic binary payload: a file's bytes and its MIME type. */
export interface BinaryPayload {
  data: Buffer;
  contentType: string;
}

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Shows a value in an error message without dumping a whole document into it. */
export function preview(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = `'${value}'`;
  else if (Buffer.isBuffer(value)) text = `<${value.length} bytes>`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `true`/`false`, `'true'`/`'false'` (any case), `1`/`0`; blank gives the fallback. */
export function toBool(value: unknown, fallback = false): boolean {
  if (typeof value === 'boolean') return value;
  if (isBlank(value)) return fallback;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', 't', 'yes', 'y', '1', 'on'].includes(text)) return true;
    if (['false', 'f', 'no', 'n', '0', 'off'].includes(text)) return false;
  }
  throw new Error(`expected true or false, got ${preview(value)}`);
}

/** A number input stored as a string (Prismatic's `timeout`, `maxRetries`): blank gives undefined. */
export function toOptionalNumber(value: unknown): number | undefined {
  if (isBlank(value)) return undefined;
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number)) throw new Error(`expected a number, got ${preview(value)}`);
  return number;
}

/** A count or a duration: a whole number, zero or more. */
export function toNonNegativeInt(value: unknown, fallback: number): number {
  const number = toOptionalNumber(value);
  if (number === undefined) return fallback;
  if (number < 0 || !Number.isInteger(number)) {
    throw new Error(`expected a whole number of 0 or more, got ${preview(value)}`);
  }
  return number;
}

/** Bytes and text as UTF-8 text; other values unchanged. */
export function decodeBinary(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (isBinaryPayload(value)) return decodeBinary(value.data);
  if (isSerializedBuffer(value)) return Buffer.from(value.data).toString('utf8');
  return value;
}

/** `{data: Buffer | Uint8Array, contentType?}`: a file as Prismatic passes it between steps. */
export function isBinaryPayload(
  value: unknown,
): value is { data: Buffer | Uint8Array; contentType?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { data?: unknown }).data instanceof Uint8Array &&
    Object.keys(value).every((key) => key === 'data' || key === 'contentType')
  );
}

/** A Buffer after a trip through JSON: `{type: 'Buffer', data: [bytes]}`. */
export function isSerializedBuffer(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

/** Bytes of a binary input: a Buffer, a binary payload, a serialized Buffer, or text (UTF-8). */
export function toBytes(value: unknown): { data: Buffer; contentType?: string } {
  if (Buffer.isBuffer(value)) return { data: value };
  if (value instanceof Uint8Array) return { data: Buffer.from(value) };
  if (isBinaryPayload(value)) return { data: Buffer.from(value.data), contentType: value.contentType };
  if (isSerializedBuffer(value)) return { data: Buffer.from(value.data) };
  if (typeof value === 'string') return { data: Buffer.from(value, 'utf8') };
  if (typeof value === 'number' || typeof value === 'boolean') return { data: Buffer.from(String(value)) };
  if (value !== null && typeof value === 'object') return { data: Buffer.from(JSON.stringify(value)) };
  throw new Error(`expected file data (bytes or text), got ${preview(value)}`);
}

/**
 * Text of a text input: strings as they are, bytes decoded as UTF-8. Anything else is an error naming what was
 * given, since silently stringifying an object would hide a wrong reference.
 */
export function toText(value: unknown, what = 'text'): string {
  const decoded = decodeBinary(value);
  if (typeof decoded === 'string') return decoded.replace(/^\uFEFF/, '');
  if (typeof decoded === 'number' || typeof decoded === 'boolean') return String(decoded);
  if (decoded === undefined || decoded === null) throw new Error(`expected ${what}, got nothing`);
  throw new Error(
    `expected ${what}, got ${Array.isArray(decoded) ? 'an array' : 'an object'} ${preview(decoded)}`,
  );
}

/** A key/value list (`[{key, value}]`) or a plain object, as entries; blank keys are skipped. */
export function keyValueEntries(value: unknown): Array<[string, unknown]> {
  if (isBlank(value)) return [];
  if (Array.isArray(value)) {
    const entries: Array<[string, unknown]> = [];
    for (const item of value) {
      if (item === null || typeof item !== 'object' || !('key' in item)) {
        throw new Error(`expected a list of {key, value} pairs, got an element ${preview(item)}`);
      }
      const key = String((item as { key: unknown }).key ?? '');
      if (key !== '') entries.push([key, (item as { value?: unknown }).value]);
    }
    return entries;
  }
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>);
  throw new Error(`expected a list of {key, value} pairs, got ${preview(value)}`);
}

/** A value as a header or query string value. */
export function scalarText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  const decoded = decodeBinary(value);
  if (typeof decoded === 'string') return decoded;
  return JSON.stringify(value);
}

/** Parses JSON text, or keeps a value that is already parsed; a parse error says where. */
export function parseJsonValue(value: unknown, what = 'JSON'): unknown {
  const decoded = decodeBinary(value);
  if (typeof decoded !== 'string') return decoded;
  const text = decoded.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new Error(`expected ${what} text, got an empty value`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`the value is not valid ${what} (${(error as Error).message}): ${preview(text)}`);
  }
}
