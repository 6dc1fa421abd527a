import type { Intrinsics } from './intrinsics.js';
import type { BufferExports } from './types.js';

/**
 * Runs inside QuickJS (see intrinsics.ts). Installs Node's `Buffer` (the npm `buffer` package, evaluated before the
 * bootstrap) with what that package lacks: the 'base64url' encoding. Returns its prototype, `bufferOver` (a Buffer
 * over an ArrayBuffer that came from the host, no copy) and `whileSerializing`: while the host's copy of a value is
 * made, Buffers stay Buffers rather than become { type, data: [...] }, so that they cross as bytes.
 */
export function installBuffer(intrinsics: Intrinsics, bufferExports: BufferExports) {
  const { G, apply, defineProperty, setPrototypeOf, toLowerCase, replace, Uint8ArrayCtor } = intrinsics;
  const BufferCtor = bufferExports.Buffer;
  const BufferProto = BufferCtor.prototype;
  let serializing = false;
  const bufferToJSON = BufferProto.toJSON;
  BufferProto.toJSON = function toJSON(this: unknown) {
    return serializing ? this : apply(bufferToJSON as () => unknown, this, []);
  };
  function isBase64Url(encoding: unknown) {
    return typeof encoding === 'string' && apply(toLowerCase, encoding, []) === 'base64url';
  }
  function base64Instead(args: ArrayLike<unknown>, from: number) {
    const copy: unknown[] = [];
    for (let i = 0; i < args.length; i++) copy[i] = i >= from && isBase64Url(args[i]) ? 'base64' : args[i];
    return copy;
  }
  function withBase64Url(holder: Record<string, unknown>, name: string, from: number) {
    const original = holder[name] as (...args: unknown[]) => unknown;
    defineProperty(holder, name, {
      value: function (this: unknown, ...args: unknown[]) {
        return apply(original, this, base64Instead(args, from));
      },
      writable: true,
      configurable: true,
    });
  }
  // Decoding base64 accepts the URL-safe alphabet already; encoding needs the translation.
  withBase64Url(BufferCtor, 'from', 1);
  withBase64Url(BufferCtor, 'alloc', 2);
  withBase64Url(BufferCtor, 'byteLength', 1);
  withBase64Url(BufferProto, 'write', 1);
  withBase64Url(BufferProto, 'fill', 1);
  const isEncoding = BufferCtor.isEncoding;
  // A function (not an arrow), as the package's own: user code sees it.
  // biome-ignore lint/complexity/useArrowFunction: see above
  BufferCtor.isEncoding = function (encoding: unknown) {
    return isBase64Url(encoding) || isEncoding(encoding);
  };
  const bufferToString = BufferProto.toString as (...args: unknown[]) => string;
  // Named and shaped as the package's own (user code sees its name and length); every argument passed on as given.
  // biome-ignore lint/suspicious/noShadowRestrictedNames: the method's own name
  BufferProto.toString = function toString(this: unknown, encoding: unknown, start: unknown, end: unknown) {
    // biome-ignore lint/complexity/noArguments: all of them, however many, without the iteration a spread would do
    if (!isBase64Url(encoding)) return apply(bufferToString, this, arguments);
    const base64 = apply(bufferToString, this, ['base64', start, end]);
    return apply(replace, apply(replace, apply(replace, base64, [/\+/g, '-']), [/\//g, '_']), [/=+$/, '']);
  };
  BufferProto.toLocaleString = BufferProto.toString as () => string;
  G.Buffer = BufferCtor;

  /** A Buffer over all of an ArrayBuffer (no copy). */
  function bufferOver(arrayBuffer: ArrayBuffer): Uint8Array {
    return setPrototypeOf(new Uint8ArrayCtor(arrayBuffer), BufferProto);
  }

  /** Runs `serialize` with Buffers left as they are by JSON.stringify (see toJSON above). */
  function whileSerializing<T>(serialize: () => T): T {
    const was = serializing;
    serializing = true;
    try {
      return serialize();
    } finally {
      serializing = was;
    }
  }

  return { BufferProto: BufferProto as object, bufferOver: bufferOver, whileSerializing: whileSerializing };
}

/**
 * Runs inside QuickJS (see intrinsics.ts). Returns `bytesOf`: the bytes of binary data (a Uint8Array, Buffers
 * included, an ArrayBuffer or a DataView) as an ArrayBuffer holding exactly them: its own buffer when it spans all
 * of it, else a copy of its part. Undefined for anything else (other typed arrays included).
 */
export function makeBytesOf(intrinsics: Intrinsics) {
  const { apply, isView, ArrayBufferCtor, Uint8ArrayCtor, typedArraySet } = intrinsics;
  const { typedArrayName, typedArrayBuffer, typedArrayOffset, typedArrayLength } = intrinsics;
  const { dataViewBuffer, dataViewOffset, dataViewLength, arrayBufferLength } = intrinsics;

  /** A fresh ArrayBuffer with a copy of the bytes. */
  function copyOf(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer {
    const copy = new Uint8ArrayCtor(length);
    apply(typedArraySet, copy, [new Uint8ArrayCtor(buffer, offset, length)]);
    return apply(typedArrayBuffer, copy, []);
  }

  return function bytesOf(value: unknown): ArrayBuffer | undefined {
    let buffer: ArrayBuffer;
    let offset: number;
    let length: number;
    if (isView(value)) {
      const name = apply(typedArrayName, value, []);
      if (name === 'Uint8Array') {
        buffer = apply(typedArrayBuffer, value, []);
        offset = apply(typedArrayOffset, value, []);
        length = apply(typedArrayLength, value, []);
      } else if (name === undefined) {
        buffer = apply(dataViewBuffer, value, []);
        offset = apply(dataViewOffset, value, []);
        length = apply(dataViewLength, value, []);
      } else return undefined;
    } else {
      try {
        length = apply(arrayBufferLength, value, []);
      } catch (_e) {
        return undefined;
      }
      return length === 0 ? new ArrayBufferCtor(0) : (value as ArrayBuffer);
    }
    if (length === 0) return new ArrayBufferCtor(0);
    let whole = -1;
    try {
      whole = apply(arrayBufferLength, buffer, []);
    } catch (_e) {
      // A SharedArrayBuffer: copied.
    }
    return offset === 0 && length === whole ? buffer : copyOf(buffer, offset, length);
  };
}
