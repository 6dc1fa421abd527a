import { createHash } from 'node:crypto';

/**
 * Binary data (files) in flow values, and how it crosses a JSON boundary.
 *
 * In a running flow a file is what Prismatic's components return: `{data: Buffer, contentType}` (seed 003,
 * "Returning binary data from a code step"); a bare Buffer is binary data without a content type. Steps, loops,
 * code steps and components hand these on as they are: bytes stay bytes.
 *
 * Where a value must become JSON (a step result stored with its execution, a trigger payload queued, state
 * persisted, an API answer), every Buffer becomes a **binary mark**: an object whose one key is `$binary`:
 *
 * - `{"$binary": {"base64": "…", "size": 12}}`: small binary data, inline;
 * - `{"$binary": {"sha256": "…", "size": 10485760}}`: larger data, whose bytes the caller stores once under that
 *   digest (the executions API serves them from `/api/executions/{id}/files/{sha256}`);
 * - `{"$binary": {"literal": {...}}}`: not binary at all — user data that happened to have the shape of a mark,
 *   kept as it was.
 *
 * A mark for a file's `data` also carries the file's `contentType`, so a stored file can be served with its type.
 */

/** The bytes of a value, when it is binary data (a Buffer or any other byte view). */
export function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return undefined;
}

export function isBinary(value: unknown): boolean {
  return Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof ArrayBuffer;
}

/** A file as steps hand it on. */
export interface FileValue {
  data: Buffer;
  contentType: string;
}

/** `{data: <bytes>, contentType?}` (Prismatic's file object), or undefined. */
export function fileOf(value: unknown): FileValue | undefined {
  if (value === null || typeof value !== 'object' || isBinary(value) || Array.isArray(value))
    return undefined;
  const record = value as { data?: unknown; contentType?: unknown };
  const data = bytesOf(record.data);
  if (!data) return undefined;
  return {
    data,
    contentType:
      typeof record.contentType === 'string' && record.contentType !== ''
        ? record.contentType
        : 'application/octet-stream',
  };
}

export interface BinaryMark {
  $binary:
    | { base64: string; size: number; contentType?: string }
    | { sha256: string; size: number; contentType?: string }
    | { literal: unknown };
}

/** True for an object with one key, `$binary` (a mark, or user data that looks like one). */
function hasMarkShape(value: object): boolean {
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key !== '$binary' || ++keys > 1) return false;
  }
  return keys === 1;
}

/** A stored binary value: the digest the bytes are stored under. */
export interface StoredBytes {
  sha256: string;
  bytes: Buffer;
  contentType?: string;
}

export interface EncodeOptions {
  /**
   * Binary data of at least this many bytes is stored aside (`onStore`) and marked by digest; smaller data is
   * inline base64. Without `onStore`, everything is inline.
   */
  storeFromBytes?: number;
  onStore?: (stored: StoredBytes) => void;
}

export const defaultStoreFromBytes = 512;

/**
 * The JSON text of a value with its binary data as marks (undefined for undefined). Throws as JSON.stringify does
 * for values that have no JSON form (cycles, BigInt).
 */
export function binaryJson(value: unknown, options: EncodeOptions = {}): string | undefined {
  return JSON.stringify(binaryMarked(value, options));
}

/** The value with its binary data as marks, ready for JSON.stringify (the value itself when it holds none). */
export function binaryMarked(value: unknown, options: EncodeOptions = {}): unknown {
  // Most values hold no binary data: a read-only look is cheaper than the copying walk.
  if (!needsMarks(value, new Set())) return value;
  const storeFrom = options.onStore ? (options.storeFromBytes ?? defaultStoreFromBytes) : Infinity;
  return replaceBinary(value, (bytes, contentType) =>
    markFor(bytes, contentType, storeFrom, options.onStore),
  );
}

/**
 * The value with each piece of binary data replaced by what `replace` makes of it (given the file's content type
 * when the bytes are a file's `data`), and user objects shaped like a mark wrapped as literals. Containers on
 * the way are copied; a value with neither is returned as it is. Buffers never reach JSON.stringify: their
 * `toJSON` spells every byte out as a number (a 10 MB file becomes a 40 MB array).
 */
export function replaceBinary(
  value: unknown,
  replace: (bytes: Buffer, contentType: string | undefined) => unknown,
): unknown {
  return replaced(value, replace, undefined, new Set());
}

/**
 * How deep the walks go. Deeper values are refused as JSON.stringify refuses cycles (it would overflow the stack a
 * little further down anyway), rather than passed on with their binary data unmarked.
 */
const maxDepth = 2000;

/** Refuses a value that refers to itself (`path` holds the objects being walked) or nests past `maxDepth`. */
function enter(value: object, path: Set<object>): void {
  if (path.has(value)) throw new TypeError('the value refers to itself (a cycle); it has no JSON form');
  // A RangeError, as the stack overflow JSON.stringify would end in a little further down.
  if (path.size >= maxDepth) throw new RangeError(`the value nests deeper than ${maxDepth} levels`);
  path.add(value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function replaced(
  value: unknown,
  replace: (bytes: Buffer, contentType: string | undefined) => unknown,
  contentType: string | undefined,
  path: Set<object>,
): unknown {
  if (value === null || typeof value !== 'object') return value;
  const bytes = bytesOf(value);
  if (bytes) return replace(bytes, contentType);
  if (Array.isArray(value)) {
    enter(value, path);
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      const next = replaced(item, replace, undefined, path);
      if (next !== item) {
        copy ??= value.slice();
        copy[index] = next;
      }
    }
    path.delete(value);
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value; // a Date, a class: JSON decides
  enter(value, path);
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const itemType =
      key === 'data' && typeof record.contentType === 'string' && record.contentType !== ''
        ? record.contentType
        : undefined;
    const next = replaced(item, replace, itemType, path);
    if (next !== item) {
      copy ??= { ...record };
      copy[key] = next;
    }
  }
  path.delete(value);
  const result = copy ?? record;
  return hasMarkShape(result) ? { $binary: { literal: result.$binary } } : result;
}

/** True when a value holds binary data or an object with a `$binary` key (which must be escaped). */
export function needsBinaryMarks(value: unknown): boolean {
  return needsMarks(value, new Set());
}

/** Throws as `replaced` does on a cycle or past `maxDepth` (JSON.stringify would refuse such a value too). */
function needsMarks(value: unknown, path: Set<object>): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return false;
  enter(value, path);
  let found = false;
  if (isArray) {
    for (let index = 0; index < value.length && !found; index++) found = needsMarks(value[index], path);
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (key === '$binary' || needsMarks((value as Record<string, unknown>)[key], path)) {
        found = true;
        break;
      }
    }
  }
  path.delete(value);
  return found;
}

function markFor(
  bytes: Buffer,
  contentType: string | undefined,
  storeFrom: number,
  onStore: EncodeOptions['onStore'],
): BinaryMark {
  const typed = contentType ? { contentType } : {};
  if (bytes.length < storeFrom || !onStore) {
    return { $binary: { base64: bytes.toString('base64'), size: bytes.length, ...typed } };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  onStore({ sha256, bytes, ...typed });
  return { $binary: { sha256, size: bytes.length, ...typed } };
}

/**
 * A value read back from JSON with its marks turned into Buffers again. Marks by digest take their bytes from
 * `stored` (see `storedDigests`); one whose bytes are missing stays a mark. Returns the value itself when it
 * holds no mark (no copy).
 */
export function withBinaryData(value: unknown, stored?: ReadonlyMap<string, Buffer>): unknown {
  return revive(value, stored, 0);
}

function revive(value: unknown, stored: ReadonlyMap<string, Buffer> | undefined, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > maxDepth) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      const revived = revive(item, stored, depth + 1);
      if (revived !== item) {
        copy ??= value.slice();
        copy[index] = revived;
      }
    }
    return copy ?? value;
  }
  if (isBinary(value)) return value;
  if (hasMarkShape(value)) {
    const mark = (value as BinaryMark).$binary as Record<string, unknown> | null;
    if (mark && typeof mark === 'object') {
      if ('literal' in mark) return { $binary: revive(mark.literal, stored, depth + 1) };
      if (typeof mark.base64 === 'string') return Buffer.from(mark.base64, 'base64');
      if (typeof mark.sha256 === 'string') return stored?.get(mark.sha256) ?? value;
    }
    return value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const revived = revive(item, stored, depth + 1);
    if (revived !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = revived;
    }
  }
  return copy ?? value;
}

/** The digests of the stored binary data a JSON value marks (to fetch their bytes before `withBinaryData`). */
export function storedDigests(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (item: unknown, depth: number): void => {
    if (item === null || typeof item !== 'object' || depth > maxDepth) return;
    if (Array.isArray(item)) {
      for (const entry of item) visit(entry, depth + 1);
      return;
    }
    if (hasMarkShape(item)) {
      const mark = (item as BinaryMark).$binary as Record<string, unknown> | null;
      if (mark && typeof mark === 'object' && 'literal' in mark) {
        visit(mark.literal, depth + 1);
        return;
      }
      if (mark && typeof mark.sha256 === 'string') found.add(mark.sha256);
      return;
    }
    for (const entry of Object.values(item)) visit(entry, depth + 1);
  };
  visit(value, 0);
  return [...found];
}
