import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The JavaScript that runs inside each QuickJS context before the user's code: it installs `module`, `exports`,
 * `require` (which throws), `console`, `setTimeout`/`clearTimeout`, `Buffer`, and returns the functions the host
 * calls (`begin`, `run`, `fireTimer`, `settle`, `describe`). It does not depend on the execution, so a pristine realm
 * (see `sandbox.ts`) has it run already; `begin` then gives it the execution's tag and output limit.
 *
 * Everything it needs (JSON, Promise, Reflect, the typed arrays' getters...) is captured before the user's code runs,
 * and the host functions are only held in this closure (never on the global object), so user code that tampers with
 * globals can break its own step but cannot reach or confuse the host. Every value crossing the boundary is a
 * string, a number, or an array of ArrayBuffers (binary data, as bytes: never base64 or JSON).
 *
 * The arguments come in as plain JSON plus the host's marks (where binary data and bridged host functions go, by
 * path), so data from outside (an HTTP response in a step result) cannot pass for either; the binary data comes as
 * a list of ArrayBuffers and arrives as `Buffer`s over them (no copy; the same object twice on the host is the same
 * Buffer twice here). Elsewhere (host function arguments and replies, the result) tags mark them inside the JSON:
 * `{<tag>bytes: i}` is the i-th ArrayBuffer of the list that comes with the JSON, `{<tag>function: i}` a host
 * function; `<tag>` holds a random nonce per execution so that such data cannot forge one there either.
 */
export const BOOTSTRAP_SOURCE = String.raw`(function (hostCall, hostLog, hostTimer, hostDone, hostFail, bufferExports) {
  'use strict';
  const G = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const apply = Reflect.apply;
  const PromiseCtor = Promise;
  const then = Promise.prototype.then;
  const hasOwn = Object.prototype.hasOwnProperty;
  const defineProperty = Object.defineProperty;
  const getPrototypeOf = Object.getPrototypeOf;
  const setPrototypeOf = Object.setPrototypeOf;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const ArrayBufferCtor = ArrayBuffer;
  const Uint8ArrayCtor = Uint8Array;
  const ArrayFrom = Array.from;
  const StringCtor = String;
  const toLowerCase = String.prototype.toLowerCase;
  const replace = String.prototype.replace;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  // Brand-checking getters: they read the real internal slots (or throw), whatever the user does to the prototypes.
  const getterOf = function (object, key) { return Object.getOwnPropertyDescriptor(object, key).get; };
  const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
  const typedArrayName = getterOf(TypedArrayProto, Symbol.toStringTag);
  const typedArrayBuffer = getterOf(TypedArrayProto, 'buffer');
  const typedArrayOffset = getterOf(TypedArrayProto, 'byteOffset');
  const typedArrayLength = getterOf(TypedArrayProto, 'byteLength');
  const typedArraySet = TypedArrayProto.set;
  const dataViewBuffer = getterOf(DataView.prototype, 'buffer');
  const dataViewOffset = getterOf(DataView.prototype, 'byteOffset');
  const dataViewLength = getterOf(DataView.prototype, 'byteLength');
  const arrayBufferLength = getterOf(ArrayBuffer.prototype, 'byteLength');
  // Set by begin(), before any of the user's code runs.
  let BYTES = '';
  let FUNCTION = '';
  let maxOutputChars = 0;
  function begin(tag, maxChars) {
    BYTES = tag + 'bytes';
    FUNCTION = tag + 'function';
    maxOutputChars = maxChars;
  }

  // Node's Buffer (the npm 'buffer' package, evaluated before this), with what that package lacks: 'base64url'.
  const BufferCtor = bufferExports.Buffer;
  const BufferProto = BufferCtor.prototype;
  // While the host's copy of a value is made, Buffers stay Buffers rather than become { type, data: [...] }.
  let serializing = false;
  const bufferToJSON = BufferProto.toJSON;
  BufferProto.toJSON = function toJSON() {
    return serializing ? this : apply(bufferToJSON, this, []);
  };
  function isBase64Url(encoding) {
    return typeof encoding === 'string' && apply(toLowerCase, encoding, []) === 'base64url';
  }
  function base64Instead(args, from) {
    const copy = [];
    for (let i = 0; i < args.length; i++) copy[i] = i >= from && isBase64Url(args[i]) ? 'base64' : args[i];
    return copy;
  }
  function withBase64Url(holder, name, from) {
    const original = holder[name];
    defineProperty(holder, name, {
      value: function () { return apply(original, this, base64Instead(arguments, from)); },
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
  BufferCtor.isEncoding = function (encoding) { return isBase64Url(encoding) || isEncoding(encoding); };
  const bufferToString = BufferProto.toString;
  BufferProto.toString = function toString(encoding, start, end) {
    if (!isBase64Url(encoding)) return apply(bufferToString, this, arguments);
    const base64 = apply(bufferToString, this, ['base64', start, end]);
    return apply(replace, apply(replace, apply(replace, base64, [/\+/g, '-']), [/\//g, '_']), [/=+$/, '']);
  };
  BufferProto.toLocaleString = BufferProto.toString;
  G.Buffer = BufferCtor;

  /** A Buffer over all of an ArrayBuffer (no copy). */
  function bufferOver(arrayBuffer) {
    return setPrototypeOf(new Uint8ArrayCtor(arrayBuffer), BufferProto);
  }

  /** A fresh ArrayBuffer with a copy of the bytes. */
  function copyOf(buffer, offset, length) {
    const copy = new Uint8ArrayCtor(length);
    apply(typedArraySet, copy, [new Uint8ArrayCtor(buffer, offset, length)]);
    return apply(typedArrayBuffer, copy, []);
  }

  /**
   * The bytes of binary data (a Uint8Array, Buffers included, an ArrayBuffer or a DataView) as an ArrayBuffer holding
   * exactly them: its own buffer when it spans all of it, else a copy of its part. Undefined for anything else
   * (other typed arrays included).
   */
  function bytesOf(value) {
    let buffer;
    let offset;
    let length;
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
      } catch (e) {
        return undefined;
      }
      return length === 0 ? new ArrayBufferCtor(0) : value;
    }
    if (length === 0) return new ArrayBufferCtor(0);
    let whole = -1;
    try {
      whole = apply(arrayBufferLength, buffer, []);
    } catch (e) {
      // A SharedArrayBuffer: copied.
    }
    return offset === 0 && length === whole ? buffer : copyOf(buffer, offset, length);
  }

  /**
   * Copies a value out for the host: { json, list }, binary data being { [BYTES]: i } in the JSON and its bytes the
   * i-th ArrayBuffer of the list (the same object twice is one entry). Throws what JSON.stringify throws.
   */
  function encode(value) {
    const list = [];
    const seen = new MapCtor();
    function replacer(key, value) {
      if (typeof value === 'bigint') return StringCtor(value);
      if (value === null || typeof value !== 'object') return value;
      if (!isView(value) && !(value instanceof ArrayBufferCtor)) return value;
      let index = apply(mapGet, seen, [value]);
      if (index === undefined) {
        const bytes = bytesOf(value);
        if (bytes === undefined) return isView(value) ? ArrayFrom(value) : value;
        index = list.length;
        defineProperty(list, index, { value: bytes, writable: true, enumerable: true, configurable: true });
        apply(mapSet, seen, [value, index]);
      }
      return { [BYTES]: index };
    }
    const was = serializing;
    serializing = true;
    try {
      return { json: stringify(value, replacer), list: list };
    } finally {
      serializing = was;
    }
  }

  // The host's replies being revived: [json, ArrayBuffer...] and the Buffers made so far, by index.
  let revived;

  function reviver(key, value) {
    if (value !== null && typeof value === 'object' && !isArray(value)) {
      if (apply(hasOwn, value, [BYTES])) {
        const index = value[BYTES];
        const arrayBuffer = revived === undefined ? undefined : revived.list[index + 1];
        if (arrayBuffer === undefined) return new Uint8ArrayCtor(0);
        revived.buffers[index] = revived.buffers[index] || bufferOver(arrayBuffer);
        return revived.buffers[index];
      }
      if (apply(hasOwn, value, [FUNCTION])) return bridge(value[FUNCTION]);
    }
    return value;
  }

  /** A host reply: a string of JSON, or [json, ArrayBuffer...] when binary data comes with it. */
  function decode(reply) {
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

  function bridge(index) {
    return function () {
      const args = [];
      for (let i = 0; i < arguments.length; i++) args.push(arguments[i]);
      let encoded;
      try {
        encoded = encode(args);
      } catch (error) {
        // Loggers get what can be shown; other host functions get the error.
        encoded = encode(args.map(function (arg) {
          try { encode(arg); return arg; } catch (e) { return StringCtor(arg); }
        }));
      }
      const reply = decode(hostCall(index, encoded.json, encoded.list));
      if (apply(hasOwn, reply, ['error'])) throw new ErrorCtor(reply.error);
      if (apply(hasOwn, reply, ['promise'])) {
        return new PromiseCtor(function (resolve, reject) {
          apply(mapSet, pending, [reply.promise, { resolve: resolve, reject: reject }]);
        });
      }
      return reply.value;
    };
  }

  function settle(id, ok, payload) {
    const entry = apply(mapGet, pending, [id]);
    if (!entry) return;
    apply(mapDelete, pending, [id]);
    const reply = decode(payload);
    if (ok) entry.resolve(reply.value);
    else entry.reject(new ErrorCtor(reply.error));
  }

  /** Binary data as a console shows it: <Buffer 68 69>, the first 50 bytes. */
  function showBytes(value) {
    const bytes = bytesOf(value);
    const view = new Uint8ArrayCtor(bytes);
    const shown = view.length > 50 ? 50 : view.length;
    let text = '<' + (getPrototypeOf(value) === BufferProto ? 'Buffer' : value instanceof ArrayBufferCtor ? 'ArrayBuffer' : isView(value) && apply(typedArrayName, value, []) === undefined ? 'DataView' : 'Uint8Array');
    for (let i = 0; i < shown; i++) text += (view[i] < 16 ? ' 0' : ' ') + view[i].toString(16);
    if (view.length > shown) text += ' ... ' + (view.length - shown) + ' more bytes';
    return text + '>';
  }

  function showReplacer(key, value) {
    if (typeof value === 'bigint') return StringCtor(value);
    if (value !== null && typeof value === 'object' && (isView(value) || value instanceof ArrayBufferCtor)) {
      return bytesOf(value) === undefined ? (isView(value) ? ArrayFrom(value) : value) : showBytes(value);
    }
    return value;
  }

  function show(value) {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorCtor) return value.stack ? value.name + ': ' + value.message + '\n' + value.stack : StringCtor(value);
    const was = serializing;
    serializing = true;
    try {
      if (value !== null && typeof value === 'object' && bytesOf(value) !== undefined) return showBytes(value);
      const json = stringify(value, showReplacer);
      return json === undefined ? StringCtor(value) : json;
    } catch (error) {
      return StringCtor(value);
    } finally {
      serializing = was;
    }
  }

  function describe(error) {
    const info = {};
    try {
      if (error !== null && typeof error === 'object' && (error instanceof ErrorCtor || typeof error.message === 'string')) {
        info.isError = true;
        info.name = StringCtor(error.name);
        info.message = StringCtor(error.message);
        if (typeof error.stack === 'string') info.stack = error.stack;
        if (typeof error.lineNumber === 'number') info.lineNumber = error.lineNumber;
      } else {
        info.isError = false;
        info.message = show(error);
      }
    } catch (e) {
      info.isError = false;
      info.message = 'a value that cannot be shown';
    }
    return stringify(info);
  }

  const timers = new MapCtor();
  let nextTimer = 1;
  G.setTimeout = function setTimeout(callback, ms) {
    if (typeof callback !== 'function') throw new TypeErrorCtor('setTimeout: the callback must be a function');
    const extra = [];
    for (let i = 2; i < arguments.length; i++) extra.push(arguments[i]);
    const id = nextTimer++;
    apply(mapSet, timers, [id, function () { apply(callback, undefined, extra); }]);
    hostTimer(id, +ms > 0 ? +ms : 0);
    return id;
  };
  G.clearTimeout = function clearTimeout(id) {
    if (apply(mapDelete, timers, [id])) hostTimer(id, -1);
  };
  if (typeof G.queueMicrotask !== 'function') {
    G.queueMicrotask = function queueMicrotask(callback) {
      apply(then, PromiseCtor.resolve(), [function () { callback(); }]);
    };
  }
  function fireTimer(id) {
    const callback = apply(mapGet, timers, [id]);
    if (!callback) return;
    apply(mapDelete, timers, [id]);
    callback();
  }

  function logger(level) {
    return function () {
      const parts = [];
      for (let i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
      hostLog(level, parts.join(' '));
    };
  }
  G.console = {
    log: logger('log'),
    info: logger('info'),
    warn: logger('warn'),
    error: logger('error'),
    debug: logger('debug'),
    trace: logger('trace'),
  };

  const moduleObject = { exports: {} };
  G.module = moduleObject;
  G.exports = moduleObject.exports;
  G.require = function require(name) {
    throw new ErrorCtor("require('" + StringCtor(name) + "') is not available in code steps: only the context and stepResults are");
  };

  function exported() {
    if (typeof moduleObject.exports === 'function') return moduleObject.exports;
    const current = G.module;
    if (current !== null && typeof current === 'object' && typeof current.exports === 'function') return current.exports;
    return undefined;
  }

  // The host's marks in the arguments: [path from the root (its first key is ''), 'b' | 'f', index]: 'b' the index of
  // an ArrayBuffer in binaries (one Buffer over each, however many places it goes), 'f' of a host function.
  function applyMarks(root, marks, binaries) {
    const box = { '': root };
    const buffers = [];
    for (let i = 0; i < marks.length; i++) {
      const path = marks[i][0];
      let holder = box;
      for (let j = 0; j < path.length - 1; j++) holder = holder[path[j]];
      const index = marks[i][2];
      let value;
      if (marks[i][1] === 'b') {
        buffers[index] = buffers[index] || bufferOver(binaries[index]);
        value = buffers[index];
      } else value = bridge(index);
      defineProperty(holder, path[path.length - 1], { value: value, writable: true, enumerable: true, configurable: true });
    }
    return box[''];
  }

  function run(argsJson, marksJson, binaries) {
    const fn = exported();
    if (fn === undefined) {
      throw new TypeErrorCtor('module.exports is not a function: a code step exports one, module.exports = async (context, stepResults) => { ... }');
    }
    // Binary data and host functions are not in the JSON (a reviver would run for every value, slowly): the host
    // says where they go.
    let args = parse(argsJson);
    if (marksJson !== undefined) args = applyMarks(args, parse(marksJson), binaries);
    const promise = new PromiseCtor(function (resolve) { resolve(apply(fn, undefined, args)); });
    apply(then, promise, [
      function (value) {
        let encoded;
        try {
          encoded = encode(value);
        } catch (error) {
          hostFail(describe(error), 'output');
          return;
        }
        if (encoded.json === undefined) { hostDone(); return; }
        if (encoded.json.length > maxOutputChars) { hostFail('{}', 'size'); return; }
        hostDone(encoded.json, encoded.list);
      },
      function (error) { hostFail(describe(error), 'threw'); },
    ]);
  }

  return { begin: begin, run: run, fireTimer: fireTimer, settle: settle, describe: describe };
})`;

let bufferLibrary: string | undefined;

/**
 * A script whose value is a function that returns the exports of the npm `buffer` package (feross/buffer, Node's
 * Buffer for environments without one) with its dependencies `base64-js` and `ieee754`: their CommonJS sources, read
 * from node_modules once per process, each wrapped in a module function. A pristine realm evaluates it once.
 */
export function bufferLibrarySource(): string {
  if (bufferLibrary !== undefined) return bufferLibrary;
  const require = createRequire(import.meta.url);
  // 'buffer/' (not 'buffer', Node's own module) is the package's main file.
  const bufferPath = require.resolve('buffer/');
  const fromBuffer = createRequire(bufferPath);
  const sources: Record<string, string> = {
    buffer: readFileSync(bufferPath, 'utf8'),
    'base64-js': readFileSync(fromBuffer.resolve('base64-js'), 'utf8'),
    ieee754: readFileSync(fromBuffer.resolve('ieee754'), 'utf8'),
  };
  const modules = Object.entries(sources)
    .map(([name, source]) => `${JSON.stringify(name)}: function (module, exports, require) {\n${source}\n}`)
    .join(',\n');
  bufferLibrary = `(function () {
  const sources = {
${modules}
  };
  const cache = {};
  function require(name) {
    if (!Object.prototype.hasOwnProperty.call(sources, name)) throw new Error('no module ' + name);
    if (!cache[name]) {
      cache[name] = { exports: {} };
      sources[name](cache[name], cache[name].exports, require);
    }
    return cache[name].exports;
  }
  return require('buffer');
})`;
  return bufferLibrary;
}
