/**
 * The JavaScript that runs inside each QuickJS context before the user's code: it installs `module`, `exports`,
 * `require` (which throws), `console`, `setTimeout`/`clearTimeout`, and returns the functions the host calls
 * (`begin`, `run`, `fireTimer`, `settle`, `describe`). It does not depend on the execution, so a pristine realm
 * (see `sandbox.ts`) has it run already; `begin` then gives it the execution's tag and output limit.
 *
 * Everything it needs (JSON, Promise, Reflect...) is captured before the user's code runs, and the host functions
 * are only held in this closure (never on the global object), so user code that tampers with globals can break its
 * own step but cannot reach or confuse the host. Every value crossing the boundary is a string or a number.
 *
 * The arguments come in as plain JSON plus the host's marks (where binary data and bridged host functions go, by
 * path), so data from outside (an HTTP response in a step result) cannot pass for either. Elsewhere (host function
 * arguments and replies, console lines, the result) tags (`<tag>bytes`, `<tag>function`) mark them inside the JSON;
 * `<tag>` holds a random nonce per execution so that such data cannot forge one there either.
 */
export const BOOTSTRAP_SOURCE = String.raw`(function (hostCall, hostLog, hostTimer, hostDone, hostFail) {
  'use strict';
  const G = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const apply = Reflect.apply;
  const PromiseCtor = Promise;
  const then = Promise.prototype.then;
  const hasOwn = Object.prototype.hasOwnProperty;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const ArrayBufferCtor = ArrayBuffer;
  const Uint8ArrayCtor = Uint8Array;
  const DataViewCtor = DataView;
  const ArrayFrom = Array.from;
  const StringCtor = String;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const fromCharCode = String.fromCharCode;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  // Set by begin(), before any of the user's code runs.
  let BYTES = '';
  let FUNCTION = '';
  let maxOutputChars = 0;
  function begin(tag, maxChars) {
    BYTES = tag + 'bytes';
    FUNCTION = tag + 'function';
    maxOutputChars = maxChars;
  }
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const LOOKUP = new Uint8ArrayCtor(128);
  for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

  function toBase64(bytes) {
    let out = '';
    let chunk = '';
    const n = bytes.length;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      chunk += ALPHABET[(v >> 18) & 63] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63];
      if (chunk.length > 8192) { out += chunk; chunk = ''; }
    }
    if (i < n) {
      const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
      chunk += ALPHABET[(v >> 18) & 63] + ALPHABET[(v >> 12) & 63] + (i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=') + '=';
    }
    return out + chunk;
  }

  function fromBase64(text) {
    const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
    const bytes = new Uint8ArrayCtor((clean.length * 3) >> 2);
    let j = 0;
    for (let i = 0; i < clean.length; i += 4) {
      const a = LOOKUP[clean.charCodeAt(i)];
      const b = LOOKUP[clean.charCodeAt(i + 1)];
      const c = LOOKUP[clean.charCodeAt(i + 2)];
      const d = LOOKUP[clean.charCodeAt(i + 3)];
      const v = (a << 18) | (b << 12) | (c << 6) | d;
      if (j < bytes.length) bytes[j++] = (v >> 16) & 255;
      if (j < bytes.length) bytes[j++] = (v >> 8) & 255;
      if (j < bytes.length) bytes[j++] = v & 255;
    }
    return bytes;
  }

  function replacer(key, value) {
    if (typeof value === 'bigint') return StringCtor(value);
    if (value instanceof ArrayBufferCtor) return { [BYTES]: toBase64(new Uint8ArrayCtor(value)) };
    if (value instanceof Uint8ArrayCtor || value instanceof DataViewCtor)
      return { [BYTES]: toBase64(new Uint8ArrayCtor(value.buffer, value.byteOffset, value.byteLength)) };
    if (isView(value)) return ArrayFrom(value);
    return value;
  }

  function reviver(key, value) {
    if (value !== null && typeof value === 'object' && !isArray(value)) {
      if (apply(hasOwn, value, [BYTES])) return fromBase64(value[BYTES]);
      if (apply(hasOwn, value, [FUNCTION])) return bridge(value[FUNCTION]);
    }
    return value;
  }

  // Promises handed out for host functions that answered asynchronously, by id.
  const pending = new MapCtor();

  function bridge(index) {
    return function () {
      const args = [];
      for (let i = 0; i < arguments.length; i++) args.push(arguments[i]);
      let json;
      try {
        json = stringify(args, replacer);
      } catch (error) {
        // Loggers get what can be shown; other host functions get the error.
        json = stringify(args.map(function (arg) {
          try { return parse(stringify(arg, replacer)); } catch (e) { return StringCtor(arg); }
        }));
      }
      const reply = parse(hostCall(index, json), reviver);
      if (apply(hasOwn, reply, ['error'])) throw new ErrorCtor(reply.error);
      if (apply(hasOwn, reply, ['promise'])) {
        return new PromiseCtor(function (resolve, reject) {
          apply(mapSet, pending, [reply.promise, { resolve: resolve, reject: reject }]);
        });
      }
      return reply.value;
    };
  }

  function settle(id, ok, json) {
    const entry = apply(mapGet, pending, [id]);
    if (!entry) return;
    apply(mapDelete, pending, [id]);
    const reply = parse(json, reviver);
    if (ok) entry.resolve(reply.value);
    else entry.reject(new ErrorCtor(reply.error));
  }

  function show(value) {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorCtor) return value.stack ? value.name + ': ' + value.message + '\n' + value.stack : StringCtor(value);
    try {
      const json = stringify(value, replacer);
      return json === undefined ? StringCtor(value) : json;
    } catch (error) {
      return StringCtor(value);
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

  // The host's marks in the arguments: [path from the root (its first key is ''), 'b' | 'f', base64 | host function].
  function applyMarks(root, marks) {
    const box = { '': root };
    for (let i = 0; i < marks.length; i++) {
      const path = marks[i][0];
      let holder = box;
      for (let j = 0; j < path.length - 1; j++) holder = holder[path[j]];
      const payload = marks[i][2];
      holder[path[path.length - 1]] = marks[i][1] === 'b' ? fromBase64(payload) : bridge(payload);
    }
    return box[''];
  }

  function run(argsJson, marksJson) {
    const fn = exported();
    if (fn === undefined) {
      throw new TypeErrorCtor('module.exports is not a function: a code step exports one, module.exports = async (context, stepResults) => { ... }');
    }
    // Binary data and host functions are not in the JSON (a reviver would run for every value, slowly): the host
    // says where they go.
    let args = parse(argsJson);
    if (marksJson !== undefined) args = applyMarks(args, parse(marksJson));
    const promise = new PromiseCtor(function (resolve) { resolve(apply(fn, undefined, args)); });
    apply(then, promise, [
      function (value) {
        let json;
        try {
          json = stringify(value, replacer);
        } catch (error) {
          hostFail(describe(error), 'output');
          return;
        }
        if (json === undefined) { hostDone(); return; }
        if (json.length > maxOutputChars) { hostFail('{}', 'size'); return; }
        hostDone(json);
      },
      function (error) { hostFail(describe(error), 'threw'); },
    ]);
  }

  return { begin: begin, run: run, fireTimer: fireTimer, settle: settle, describe: describe };
})`;
