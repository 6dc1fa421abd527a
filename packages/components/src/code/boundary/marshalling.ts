import type { Intrinsics } from './intrinsics.js';
import type { Encoded, ExecutionSettings, HostCall, HostReply, Mark } from './types.js';

/**
 * Runs inside QuickJS (see intrinsics.ts). Returns `encode`, which copies a value out for the host: { json, list },
 * binary data being { [bytesTag]: i } in the JSON and its bytes the i-th ArrayBuffer of the list (the same object
 * twice is one entry). BigInts become strings, other typed arrays arrays of numbers. Throws what JSON.stringify
 * throws.
 */
export function makeEncode(
  intrinsics: Intrinsics,
  bytesOf: (value: unknown) => ArrayBuffer | undefined,
  whileSerializing: <T>(serialize: () => T) => T,
  settings: ExecutionSettings,
) {
  const { stringify, apply, isView, ArrayBufferCtor, ArrayFrom, StringCtor, MapCtor, mapGet, mapSet } =
    intrinsics;
  const { defineProperty } = intrinsics;

  return function encode(value: unknown): Encoded {
    const list: ArrayBuffer[] = [];
    const seen = new MapCtor();
    function replacer(_key: string, value: unknown) {
      if (typeof value === 'bigint') return StringCtor(value);
      if (value === null || typeof value !== 'object') return value;
      if (!isView(value) && !(value instanceof ArrayBufferCtor)) return value;
      let index = apply(mapGet, seen, [value]);
      if (index === undefined) {
        const bytes = bytesOf(value);
        if (bytes === undefined)
          return isView(value) ? ArrayFrom(value as unknown as ArrayLike<unknown>) : value;
        index = list.length;
        defineProperty(list, index, { value: bytes, writable: true, enumerable: true, configurable: true });
        apply(mapSet, seen, [value, index]);
      }
      return { [settings.bytesTag]: index };
    }
    return whileSerializing(() => ({ json: stringify(value, replacer), list: list }));
  };
}

/**
 * Runs inside QuickJS (see intrinsics.ts). Host functions for the sandbox: `bridge(index)` is a function that calls
 * the host's function at that index with copies of its arguments and returns a copy of its result (a promise when
 * the host answers later: `settle` then resolves or rejects it).
 *
 * A host reply is a string of JSON, or [json, ArrayBuffer...] when binary data comes with it; its tags (see
 * ExecutionSettings) are revived as Buffers over those ArrayBuffers (the same index twice: the same Buffer) and as
 * bridged functions.
 */
export function makeHostFunctionBridge(
  intrinsics: Intrinsics,
  encode: (value: unknown) => Encoded,
  bufferOver: (arrayBuffer: ArrayBuffer) => Uint8Array,
  settings: ExecutionSettings,
  hostCall: HostCall,
) {
  const { parse, apply, hasOwn, isArray, Uint8ArrayCtor, StringCtor, ErrorCtor, PromiseCtor } = intrinsics;
  const { MapCtor, mapGet, mapSet, mapDelete } = intrinsics;

  // The host's replies being revived: [json, ArrayBuffer...] and the Buffers made so far, by index.
  let revived: { list: HostReply; buffers: Uint8Array[] } | undefined;

  function reviver(_key: string, value: unknown) {
    if (value !== null && typeof value === 'object' && !isArray(value)) {
      const tagged = value as Record<string, number>;
      if (apply(hasOwn, value, [settings.bytesTag])) {
        const index = tagged[settings.bytesTag] as number;
        const arrayBuffer = revived === undefined ? undefined : (revived.list[index + 1] as ArrayBuffer);
        if (arrayBuffer === undefined) return new Uint8ArrayCtor(0);
        revived!.buffers[index] = revived!.buffers[index] || bufferOver(arrayBuffer);
        return revived!.buffers[index];
      }
      if (apply(hasOwn, value, [settings.functionTag])) return bridge(tagged[settings.functionTag] as number);
    }
    return value;
  }

  /** A host reply, parsed. */
  function decode(reply: HostReply) {
    const was = revived;
    revived = typeof reply === 'string' ? undefined : { list: reply, buffers: [] };
    try {
      return parse(typeof reply === 'string' ? reply : reply[0], reviver);
    } finally {
      revived = was;
    }
  }

  // Promises handed out for host functions that answered asynchronously, by id.
  const pending = new MapCtor();

  function bridge(index: number) {
    return function () {
      const args: unknown[] = [];
      // biome-ignore lint/complexity/noArguments: copied with push, as ever (a rest parameter is not the same array)
      for (let i = 0; i < arguments.length; i++) args.push(arguments[i]);
      let encoded: Encoded;
      try {
        encoded = encode(args);
      } catch (_error) {
        // Loggers get what can be shown; other host functions get the error.
        encoded = encode(
          args.map((arg) => {
            try {
              encode(arg);
              return arg;
            } catch (_e) {
              return StringCtor(arg);
            }
          }),
        );
      }
      const reply = decode(hostCall(index, encoded.json as string, encoded.list));
      if (apply(hasOwn, reply, ['error'])) throw new ErrorCtor(reply.error);
      if (apply(hasOwn, reply, ['promise'])) {
        return new PromiseCtor((resolve, reject) => {
          apply(mapSet, pending, [reply.promise, { resolve: resolve, reject: reject }]);
        });
      }
      return reply.value;
    };
  }

  function settle(id: number, ok: boolean, payload: HostReply) {
    const entry = apply(mapGet, pending, [id]);
    if (!entry) return;
    apply(mapDelete, pending, [id]);
    const reply = decode(payload);
    if (ok) entry.resolve(reply.value);
    else entry.reject(new ErrorCtor(reply.error));
  }

  return { bridge: bridge, settle: settle };
}

/**
 * Runs inside QuickJS (see intrinsics.ts). Returns `applyMarks`, which puts into the arguments (parsed from plain
 * JSON) what the host marked (see Mark): 'b' the index of an ArrayBuffer in binaries (one Buffer over each, however
 * many places it goes), 'f' of a host function (bridged). The JSON holds neither, so that data from outside (an HTTP
 * response in a step result) cannot pass for one.
 */
export function makeApplyMarks(
  intrinsics: Intrinsics,
  bufferOver: (arrayBuffer: ArrayBuffer) => Uint8Array,
  bridge: (index: number) => (...args: unknown[]) => unknown,
) {
  const { defineProperty } = intrinsics;
  return function applyMarks(root: unknown, marks: Mark[], binaries: ArrayBuffer[]) {
    const box: Record<string, unknown> = { '': root };
    const buffers: Uint8Array[] = [];
    for (let i = 0; i < marks.length; i++) {
      const path = (marks[i] as Mark)[0];
      let holder = box;
      for (let j = 0; j < path.length - 1; j++) holder = holder[path[j] as string] as Record<string, unknown>;
      const index = (marks[i] as Mark)[2];
      let value: unknown;
      if ((marks[i] as Mark)[1] === 'b') {
        buffers[index] = buffers[index] || bufferOver(binaries[index] as ArrayBuffer);
        value = buffers[index];
      } else value = bridge(index);
      defineProperty(holder, path[path.length - 1] as string, {
        value: value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return box[''];
  };
}
