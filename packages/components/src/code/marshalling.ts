/**
 * Values crossing the boundary, host side. Arguments are copied in as JSON. Functions found in them (`logger.info`,
 * `debug.timeElapsed.mark`, `invokeFlow`...) become bridged host functions: their arguments come out as JSON copies
 * and their result goes back in as a JSON copy (a promise result becomes a promise in the sandbox). The result is
 * copied out as JSON.
 *
 * Binary data is kept binary and crosses as bytes (copied straight between the host and the QuickJS heap, see
 * quickjs-heap.ts): a `Buffer`/`Uint8Array`/`ArrayBuffer`/`DataView` in the arguments (or a host function's reply)
 * arrives as a `Buffer` (the same object twice arrives as the same Buffer, its bytes copied once), and a
 * `Uint8Array`/`ArrayBuffer`/`DataView` (Buffers included) returned by the code comes out as a Node `Buffer`.
 * `BigInt`s become strings; other typed arrays become arrays of numbers; functions and `undefined` are dropped as
 * `JSON.stringify` drops them. The sandbox's side of this is boundary/marshalling.ts and boundary/module.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Mark } from './boundary/types.js';

/** Binary data's bytes (a view, no copy), or undefined if the value is not binary data. */
function bytesOf(value: object): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/** Deepest nesting of objects and arrays copied into the sandbox. */
const MAX_DEPTH = 2000;

interface Substitutes {
  /** What goes in the JSON instead of binary data (its bytes are the index-th binary). */
  binary(index: number, path: readonly string[]): unknown;
  /** What goes in the JSON instead of a function. */
  function(fn: HostFunctionValue, path: readonly string[]): unknown;
}

type HostFunctionValue = (...values: unknown[]) => unknown;

/** Whether a value may hold something to substitute (anything but a primitive JSON writes as it is). */
function mayNeedSubstitutes(item: unknown): boolean {
  return (
    item !== null && (typeof item === 'object' || typeof item === 'function' || typeof item === 'bigint')
  );
}

/**
 * Prepares a value for `JSON.stringify` on its way into the sandbox: binary data (Buffer, Uint8Array, ArrayBuffer,
 * DataView) and functions replaced by substitutes, `BigInt`s by strings, other typed arrays by arrays of numbers.
 * Containers that hold any of these are copied (shallow, as plain objects and arrays holding the same own
 * enumerable properties, which is what JSON.stringify writes); others are kept as they are, as are objects with a
 * `toJSON` method (a Date). `JSON.stringify` with a replacer would not do: it calls `Buffer.prototype.toJSON`
 * before the replacer, turning a 10 MB file into an array of 10 million numbers first.
 *
 * The binaries are kept each once however many times they appear (by object).
 */
class SandboxPreparation {
  readonly binaries: Uint8Array[] = [];
  private readonly indexes = new Map<object, number>();
  /** The containers being walked: meeting one again is a cycle. */
  private readonly active = new Set<object>();

  constructor(
    /** The path of the value being walked, from the root: pushed and popped as the walk goes. */
    private readonly path: string[],
    private readonly substitutes: Substitutes,
  ) {}

  walk(value: unknown, depth: number): unknown {
    if (typeof value === 'function') return this.substitutes.function(value as HostFunctionValue, this.path);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') return value;
    let index = this.indexes.get(value);
    if (index === undefined) {
      const bytes = bytesOf(value);
      if (bytes) {
        index = this.binaries.push(bytes) - 1;
        this.indexes.set(value, index);
      }
    }
    if (index !== undefined) return this.substitutes.binary(index, this.path);
    if (ArrayBuffer.isView(value)) {
      return Array.from(value as unknown as ArrayLike<unknown>, (item) =>
        typeof item === 'bigint' ? item.toString() : item,
      );
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
    if (this.active.has(value)) throw new TypeError('Converting circular structure to JSON');
    if (depth >= MAX_DEPTH) throw new TypeError(`nested more than ${MAX_DEPTH} levels deep`);
    this.active.add(value);
    const copy = Array.isArray(value)
      ? this.walkArray(value, depth)
      : this.walkObject(value as Record<string, unknown>, depth);
    this.active.delete(value);
    return copy ?? value;
  }

  /** A copy of the array with its items prepared, or undefined if none changed. */
  private walkArray(array: unknown[], depth: number): unknown[] | undefined {
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      const item: unknown = array[i];
      if (!mayNeedSubstitutes(item)) continue;
      this.path.push(String(i));
      const next = this.walk(item, depth + 1);
      this.path.pop();
      if (next !== item) {
        copy ??= array.slice();
        copy[i] = next;
      }
    }
    return copy;
  }

  /** A copy of the object with its values prepared, or undefined if none changed. */
  private walkObject(object: Record<string, unknown>, depth: number): Record<string, unknown> | undefined {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(object)) {
      const item = object[key];
      if (!mayNeedSubstitutes(item)) continue;
      this.path.push(key);
      const next = this.walk(item, depth + 1);
      this.path.pop();
      if (next !== item) {
        copy ??= { ...object };
        // Defined, not assigned: a key named __proto__ stays an own property.
        Object.defineProperty(copy, key, {
          value: next,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
    return copy;
  }
}

let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Fresh random bytes (each handed out once), drawn from the system in batches. */
export function randomChunk(size: number): Buffer {
  if (randomOffset + size > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += size;
  return randomPool.subarray(randomOffset - size, randomOffset);
}

/** The arguments for the bootstrap's run(): plain JSON, the marks, and the binary data the marks point at. */
export interface EncodedArguments {
  json: string;
  marks: Mark[];
  binaries: Uint8Array[];
}

/**
 * The values of one execution crossing the boundary: its tags (`<tag>bytes`, `<tag>function`, with a random nonce
 * so that data from outside cannot forge one) and the host functions the sandbox can reach, by index.
 */
export class BoundaryCodec {
  readonly tag: string;
  private readonly bytesTag: string;
  private readonly functionTag: string;
  /** Host functions reachable from the sandbox, by index. */
  readonly functions: HostFunctionValue[] = [];

  constructor(nonce: Buffer) {
    this.tag = `weft:${nonce.toString('hex')}:`;
    this.bytesTag = `${this.tag}bytes`;
    this.functionTag = `${this.tag}function`;
  }

  /**
   * The arguments as plain JSON, where binary data and host functions go in them (see the bootstrap's run()), and
   * the binary data, each once. Throws a TypeError when they cannot be copied.
   */
  encodeArguments(args: unknown[]): EncodedArguments {
    const marks: Mark[] = [];
    try {
      const prepared = new SandboxPreparation([''], {
        binary: (index, path) => {
          marks.push([[...path], 'b', index]);
          return 0;
        },
        function: (fn, path) => {
          marks.push([[...path], 'f', this.functions.push(fn) - 1]);
          return 0;
        },
      });
      const json = JSON.stringify(prepared.walk(args, 0));
      return { json, marks, binaries: prepared.binaries };
    } catch (error) {
      throw new TypeError(
        `the code step's arguments cannot be copied into the sandbox: ${(error as Error).message}`,
      );
    }
  }

  /** A value for the sandbox (a host function's reply): JSON with tags, and the binaries the tags point at. */
  encode(value: unknown): { json: string; binaries: Uint8Array[] } {
    const prepared = new SandboxPreparation([], {
      binary: (index) => ({ [this.bytesTag]: index }),
      function: (fn) => ({ [this.functionTag]: this.functions.push(fn) - 1 }),
    });
    const json = JSON.stringify(prepared.walk(value, 0)) ?? '{}';
    return { json, binaries: prepared.binaries };
  }

  /** A host function's result for the sandbox, as { value } ({} for undefined). */
  encodeReply(value: unknown): { json: string; binaries: Uint8Array[] } {
    if (value === undefined) return { json: '{}', binaries: [] };
    const encoded = this.encode(value);
    return { json: `{"value":${encoded.json}}`, binaries: encoded.binaries };
  }

  /** Parses JSON from the sandbox, its byte tags pointing into `binaries` (the same tag twice: the same Buffer). */
  decode(json: string, binaries: readonly Buffer[]): unknown {
    const { bytesTag } = this;
    // The tag is plain ASCII, which JSON.stringify writes as is: no tag in the text, nothing to revive.
    if (!json.includes(bytesTag)) return JSON.parse(json);
    return JSON.parse(json, (_key, value: unknown) => {
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.hasOwn(value, bytesTag)
      ) {
        const bytes = binaries[(value as Record<string, number>)[bytesTag] as number];
        if (!bytes) throw new Error('binary data missing');
        return bytes;
      }
      return value;
    });
  }
}
