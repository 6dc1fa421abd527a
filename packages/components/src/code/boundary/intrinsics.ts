import type { SandboxGlobal } from './types.js';

/**
 * Runs inside QuickJS. Like every function of this directory it is evaluated from its source text (see
 * ../boundary-source.ts): it may use its parameters and the sandbox's globals, never an import or anything else of
 * the module it is written in.
 *
 * The built-ins the boundary relies on (JSON, Promise, Reflect, the typed arrays' getters...), captured before the
 * user's code runs: whatever the code then does to the globals and prototypes, the boundary keeps using the
 * originals, so the code can break its own step but cannot reach or confuse the host. The getters check brands: they
 * read the real internal slots (or throw), whatever the user does to the prototypes.
 */
export function captureIntrinsics() {
  const getterOf = (object: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(object, key)!.get!;
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  return {
    G: globalThis as unknown as SandboxGlobal,
    stringify: JSON.stringify,
    parse: JSON.parse,
    apply: Reflect.apply,
    PromiseCtor: Promise,
    promiseThen: Promise.prototype.then,
    hasOwn: Object.prototype.hasOwnProperty,
    defineProperty: Object.defineProperty,
    getPrototypeOf: Object.getPrototypeOf,
    setPrototypeOf: Object.setPrototypeOf,
    isArray: Array.isArray,
    isView: ArrayBuffer.isView,
    ArrayBufferCtor: ArrayBuffer,
    Uint8ArrayCtor: Uint8Array,
    ArrayFrom: Array.from,
    StringCtor: String,
    toLowerCase: String.prototype.toLowerCase,
    replace: String.prototype.replace,
    ErrorCtor: Error,
    TypeErrorCtor: TypeError,
    MapCtor: Map,
    mapGet: Map.prototype.get,
    mapSet: Map.prototype.set,
    mapDelete: Map.prototype.delete,
    typedArrayName: getterOf(TypedArrayProto, Symbol.toStringTag),
    typedArrayBuffer: getterOf(TypedArrayProto, 'buffer'),
    typedArrayOffset: getterOf(TypedArrayProto, 'byteOffset'),
    typedArrayLength: getterOf(TypedArrayProto, 'byteLength'),
    typedArraySet: TypedArrayProto.set as (source: ArrayLike<number>) => void,
    dataViewBuffer: getterOf(DataView.prototype, 'buffer'),
    dataViewOffset: getterOf(DataView.prototype, 'byteOffset'),
    dataViewLength: getterOf(DataView.prototype, 'byteLength'),
    arrayBufferLength: getterOf(ArrayBuffer.prototype, 'byteLength'),
  };
}

export type Intrinsics = ReturnType<typeof captureIntrinsics>;
