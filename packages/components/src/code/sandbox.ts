/**
 * Runs user JavaScript (code steps, collection-tools filter/map functions) inside QuickJS compiled to WebAssembly
 * (`quickjs-emscripten`): a separate heap, no Node globals (`process`, `require`, `import`), and limits on time,
 * memory, stack and output size.
 *
 * - One WebAssembly module is compiled lazily on first use and reused; every execution gets its own QuickJS runtime
 *   and context, disposed at the end (whatever the outcome).
 * - Arguments are copied in as JSON. Functions found in the arguments (`logger.info`, `debug.timeElapsed.mark`,
 *   `invokeFlow`...) become bridged host functions: their arguments come out as JSON copies and their result goes
 *   back in as a JSON copy (a promise result becomes a promise in the sandbox).
 * - The result is copied out as JSON. Binary data is kept binary: a `Uint8Array`/`ArrayBuffer`/`DataView` returned
 *   by the code comes out as a Node `Buffer`, and a `Buffer`/`Uint8Array` in the arguments goes in as a
 *   `Uint8Array`. `BigInt`s become strings; other typed arrays become arrays of numbers; functions and `undefined`
 *   are dropped as `JSON.stringify` drops them.
 * - `console.*` inside the sandbox goes to `options.log`; `setTimeout`/`clearTimeout` work (host timers).
 *
 * Every failure is a `SandboxError` with a stable `code`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModule,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';
import { BOOTSTRAP_SOURCE } from './bootstrap.js';

/** The parts of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
};

export type SandboxErrorCode =
  | 'CODE_TIMEOUT'
  | 'CODE_MEMORY_LIMIT'
  | 'CODE_OUTPUT_TOO_LARGE'
  | 'CODE_SYNTAX'
  | 'CODE_THREW'
  | 'CODE_CANCELLED';

/** A code step that failed: `code` says how; `line` is the line of the user's code QuickJS pointed at, if any. */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly line: number | undefined;
  constructor(code: SandboxErrorCode, message: string, line?: number) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
    this.line = line;
  }
}

export type SandboxLogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';

export interface SandboxOptions {
  /** Wall-clock limit for the whole execution, including awaited timers and host calls. Default 10 s. */
  timeoutMs?: number;
  /** Memory limit of the QuickJS heap. Default 64 MiB. */
  memoryBytes?: number;
  /** Limit on the JSON size of the result. Default 10 MiB. */
  maxOutputBytes?: number;
  /** QuickJS stack limit. Default and maximum 256 KiB: beyond that the host's own native stack would run out first. */
  maxStackBytes?: number;
  /** Aborting ends the execution with CODE_CANCELLED. */
  signal?: AbortSignal;
  /** Receives the sandbox's `console.*` lines. */
  log?: (level: SandboxLogLevel, message: string) => void;
}

export const SANDBOX_DEFAULTS = {
  timeoutMs: 10_000,
  memoryBytes: 64 * 1024 * 1024,
  maxOutputBytes: 10 * 1024 * 1024,
  maxStackBytes: 256 * 1024,
} as const;

const FILE_NAME = 'code-step.js';
/** Host timers one execution may have pending at once. */
const MAX_TIMERS = 10_000;
/** Longest console line or bridged-call payload kept, in characters. */
const MAX_HOST_MESSAGE = 1024 * 1024;

/**
 * The compiled WebAssembly module, compiled once on first use. Each execution runs in an instance of it with its
 * own linear memory whose `maximum` is the memory limit (plus room for QuickJS itself): QuickJS's own
 * `setMemoryLimit` does not count most allocations in the Emscripten build (it bounds single allocations only), so
 * the hard cap is the WebAssembly memory, which cannot grow past its maximum — malloc fails, QuickJS throws
 * "out of memory". Instances that end cleanly and stayed small are pooled for the next execution with the same
 * limit (each execution still gets its own QuickJS runtime); others are dropped and garbage-collected.
 */
let compiledPromise: Promise<WasmModule> | undefined;
const PAGE = 64 * 1024;
/** Linear memory QuickJS needs besides the JS heap: static data, the C stack, allocator slack. */
const MEMORY_OVERHEAD = 16 * 1024 * 1024;
/** An idle instance whose memory grew beyond this is dropped rather than pooled. */
const POOL_MAX_MEMORY = 48 * 1024 * 1024;
const POOL_SIZE = 4;
const pool = new Map<number, QuickJSWASMModule[]>();

function compiledModule(): Promise<WasmModule> {
  if (!compiledPromise) {
    compiledPromise = (async () => {
      const require = createRequire(import.meta.url);
      const bytes = await readFile(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
      return WebAssembly.compile(bytes);
    })();
    compiledPromise.catch(() => {
      compiledPromise = undefined;
    });
  }
  return compiledPromise;
}

/** Compiles the QuickJS WebAssembly module if not done yet (first use does it anyway). */
export async function loadQuickJS(): Promise<WasmModule> {
  return compiledModule();
}

interface Instance {
  quickjs: QuickJSWASMModule;
  maxPages: number;
}

async function takeInstance(memoryBytes: number): Promise<Instance> {
  const maxPages = Math.ceil((memoryBytes + MEMORY_OVERHEAD) / PAGE);
  const idle = pool.get(maxPages)?.pop();
  if (idle) return { quickjs: idle, maxPages };
  const wasmModule = await compiledModule();
  const wasmMemory = new WebAssembly.Memory({ initial: 256, maximum: Math.max(maxPages, 257) });
  const quickjs = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmModule, wasmMemory } as never));
  return { quickjs, maxPages };
}

function linearMemoryBytes(quickjs: QuickJSWASMModule): number {
  const heap = (quickjs as unknown as { module?: { HEAPU8?: Uint8Array } }).module?.HEAPU8;
  return heap?.buffer.byteLength ?? 0;
}

function releaseInstance(instance: Instance, reusable: boolean): void {
  if (!reusable || linearMemoryBytes(instance.quickjs) > POOL_MAX_MEMORY) return;
  const idle = pool.get(instance.maxPages) ?? [];
  if (idle.length < POOL_SIZE) idle.push(instance.quickjs);
  pool.set(instance.maxPages, idle);
}

/** Runs CommonJS module text and calls `module.exports(...args)`; resolves to the (awaited) result, copied out. */
export function runSandboxedModule(
  code: string,
  args: unknown[],
  options: SandboxOptions = {},
): Promise<unknown> {
  return execute(code, args, options);
}

/** Runs a bare function expression (`(item) => item.price > 10`) with the arguments; resolves to its result. */
export function runSandboxedFunction(
  code: string,
  args: unknown[],
  options: SandboxOptions = {},
): Promise<unknown> {
  return execute(`module.exports = (${code}\n);`, args, options);
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (Number.isInteger(mib)) return `${mib} MiB`;
  const kib = bytes / 1024;
  if (Number.isInteger(kib)) return `${kib} KiB`;
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${bytes} bytes`;
}

interface ErrorInfo {
  isError: boolean;
  name?: string;
  message: string;
  stack?: string;
  lineNumber?: number;
}

function lineOf(info: ErrorInfo): number | undefined {
  const match = info.stack ? new RegExp(`${FILE_NAME.replace('.', '\\.')}:(\\d+)`).exec(info.stack) : null;
  if (match?.[1]) return Number(match[1]);
  return info.lineNumber;
}

function errorFromInfo(info: ErrorInfo, limits: Limits, kind: 'threw' | 'syntax' | 'output'): SandboxError {
  const line = lineOf(info);
  const at = line === undefined ? '' : ` (line ${line})`;
  if (info.isError && info.name === 'InternalError' && info.message === 'out of memory') {
    return new SandboxError(
      'CODE_MEMORY_LIMIT',
      `the code step used more than ${formatBytes(limits.memoryBytes)} of memory`,
    );
  }
  if (kind === 'output') {
    return new SandboxError(
      'CODE_THREW',
      `the code step's result cannot be copied out as JSON: ${info.name ?? 'Error'}: ${info.message}`,
    );
  }
  // A compile error points at the file itself (`at code-step.js:3:5`); a runtime one names a function first.
  const compileError =
    info.name === 'SyntaxError' &&
    new RegExp(`^\\s*at ${FILE_NAME.replace('.', '\\.')}:\\d+`).test(info.stack ?? '');
  if (kind === 'syntax' || (info.isError && compileError)) {
    return new SandboxError('CODE_SYNTAX', `the code step has a syntax error: ${info.message}${at}`, line);
  }
  if (!info.isError)
    return new SandboxError('CODE_THREW', `the code step threw a non-Error value: ${info.message}`);
  return new SandboxError('CODE_THREW', `the code step threw ${info.name}: ${info.message}${at}`, line);
}

interface Limits {
  timeoutMs: number;
  memoryBytes: number;
  maxOutputBytes: number;
  maxStackBytes: number;
}

/** Reads name/message/stack of an error handle from the host side, allocating as little as possible inside. */
function readErrorHandle(ctx: QuickJSContext, handle: QuickJSHandle): ErrorInfo {
  const type = ctx.typeof(handle);
  if (type !== 'object') {
    let shown = type;
    if (type === 'string') shown = JSON.stringify(ctx.getString(handle));
    else if (type === 'number') shown = String(ctx.getNumber(handle));
    else if (type === 'undefined') shown = 'undefined';
    return { isError: false, message: shown };
  }
  const read = (key: string): string | number | undefined => {
    const value = ctx.getProp(handle, key);
    try {
      const valueType = ctx.typeof(value);
      if (valueType === 'string') return ctx.getString(value).slice(0, 10_000);
      if (valueType === 'number') return ctx.getNumber(value);
      return undefined;
    } finally {
      value.dispose();
    }
  };
  const name = read('name');
  const message = read('message');
  const stack = read('stack');
  const lineNumber = read('lineNumber');
  if (typeof message !== 'string') return { isError: false, message: 'an object' };
  return {
    isError: true,
    name: typeof name === 'string' ? name : 'Error',
    message,
    stack: typeof stack === 'string' ? stack : undefined,
    lineNumber: typeof lineNumber === 'number' ? lineNumber : undefined,
  };
}

function isBinary(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

async function execute(code: string, args: unknown[], options: SandboxOptions): Promise<unknown> {
  const limits: Limits = {
    timeoutMs: options.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs,
    memoryBytes: options.memoryBytes ?? SANDBOX_DEFAULTS.memoryBytes,
    maxOutputBytes: options.maxOutputBytes ?? SANDBOX_DEFAULTS.maxOutputBytes,
    maxStackBytes: Math.min(
      options.maxStackBytes ?? SANDBOX_DEFAULTS.maxStackBytes,
      SANDBOX_DEFAULTS.maxStackBytes,
    ),
  };
  const { signal, log } = options;
  const memoryError = () =>
    new SandboxError(
      'CODE_MEMORY_LIMIT',
      `the code step used more than ${formatBytes(limits.memoryBytes)} of memory`,
    );
  const cancelled = () => new SandboxError('CODE_CANCELLED', 'the code step was cancelled');
  const timedOut = () =>
    new SandboxError('CODE_TIMEOUT', `the code step ran longer than ${formatDuration(limits.timeoutMs)}`);
  if (signal?.aborted) throw cancelled();

  const tag = `weft:${randomBytes(8).toString('hex')}:`;
  const BYTES = `${tag}bytes`;
  const FUNCTION = `${tag}function`;

  // Host functions reachable from the sandbox, by index.
  const functions: Array<(...values: unknown[]) => unknown> = [];
  function hostReplacer(this: unknown, key: string, value: unknown): unknown {
    const original = (this as Record<string, unknown>)[key];
    if (isBinary(original)) {
      const bytes =
        original instanceof ArrayBuffer
          ? Buffer.from(original)
          : Buffer.from(original.buffer, original.byteOffset, original.byteLength);
      return { [BYTES]: bytes.toString('base64') };
    }
    if (typeof value === 'function') {
      functions.push(value as (...values: unknown[]) => unknown);
      return { [FUNCTION]: functions.length - 1 };
    }
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  const hostReviver = (_key: string, value: unknown): unknown => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, BYTES)) {
      const text = (value as Record<string, unknown>)[BYTES];
      return Buffer.from(typeof text === 'string' ? text : '', 'base64');
    }
    return value;
  };
  const encodeForSandbox = (value: unknown): string => JSON.stringify(value, hostReplacer) ?? '{}';

  let argsJson: string;
  try {
    argsJson = JSON.stringify(args, hostReplacer);
  } catch (error) {
    throw new TypeError(
      `the code step's arguments cannot be copied into the sandbox: ${(error as Error).message}`,
    );
  }

  const instance = await takeInstance(limits.memoryBytes);
  const { quickjs } = instance;
  if (signal?.aborted) {
    releaseInstance(instance, true);
    throw cancelled();
  }
  /** Whether this instance may serve another execution (no fault, no memory exhaustion). */
  let reusable = true;

  const runtime: QuickJSRuntime = quickjs.newRuntime();
  const deadline = Date.now() + limits.timeoutMs;
  let interrupted: 'timeout' | 'cancelled' | undefined;
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.maxStackBytes);
  runtime.setInterruptHandler(() => {
    if (interrupted) return true;
    if (signal?.aborted) interrupted = 'cancelled';
    else if (Date.now() > deadline) interrupted = 'timeout';
    return interrupted !== undefined;
  });
  const ctx = runtime.newContext();
  const handles: QuickJSHandle[] = [];
  const keep = (handle: QuickJSHandle) => {
    handles.push(handle);
    return handle;
  };

  return new Promise<unknown>((resolve, reject) => {
    let finished = false;
    let depth = 0;
    /** What the sandbox reported: set during VM calls, acted upon once they return. */
    let outcome: { ok: true; value: unknown } | { ok: false; error: Error } | undefined;
    const timers = new Map<number, NodeJS.Timeout>();
    let pendingHostCalls = 0;
    let nextPromise = 1;
    let api: { run: QuickJSHandle; fireTimer: QuickJSHandle; settle: QuickJSHandle } | undefined;

    const fail = (error: Error) => {
      outcome ??= { ok: false, error };
    };

    const deadlineTimer = setTimeout(() => {
      interrupted ??= 'timeout';
      if (depth === 0) finish();
    }, limits.timeoutMs + 5);
    const onAbort = () => {
      interrupted ??= 'cancelled';
      if (depth === 0) finish();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    function finish(): void {
      if (finished || depth > 0) return;
      finished = true;
      clearTimeout(deadlineTimer);
      signal?.removeEventListener('abort', onAbort);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      // Once interrupted, the interrupt wins: code that caught the rejection it caused does not get to finish.
      const result: typeof outcome =
        (interrupted ? undefined : outcome) ??
        (interrupted === 'cancelled'
          ? { ok: false, error: cancelled() }
          : interrupted === 'timeout'
            ? { ok: false, error: timedOut() }
            : {
                ok: false,
                error: new SandboxError(
                  'CODE_THREW',
                  'the code step returned a promise that never settles (nothing left to wait for)',
                ),
              });
      try {
        for (const handle of handles) if (handle.alive) handle.dispose();
        ctx.dispose();
        runtime.dispose();
      } catch {
        reusable = false;
      }
      if (!result.ok && (result.error as SandboxError).code === 'CODE_MEMORY_LIMIT') reusable = false;
      releaseInstance(instance, reusable);
      if (result.ok) resolve(result.value);
      else reject(result.error);
    }

    /** Turns an error handle from the VM into a SandboxError (interrupts and memory included). */
    const vmError = (handle: QuickJSHandle, kind: 'threw' | 'syntax'): Error => {
      if (interrupted === 'cancelled') return cancelled();
      if (interrupted === 'timeout') return timedOut();
      let info: ErrorInfo | undefined;
      try {
        info = readErrorHandle(ctx, handle);
      } catch {
        info = undefined;
      }
      // After an allocation failed the error itself may not be readable; a full linear memory says why.
      if (!info?.isError && linearMemoryBytes(quickjs) + 4 * 1024 * 1024 >= instance.maxPages * PAGE) {
        return memoryError();
      }
      return info
        ? errorFromInfo(info, limits, kind)
        : new SandboxError('CODE_THREW', 'the code step failed');
    };

    /** Enters the VM, then runs every pending promise job, then decides whether the execution is over. */
    const enter = (body: () => void): void => {
      if (finished) return;
      depth++;
      try {
        body();
        if (!outcome && !interrupted) {
          const jobs = runtime.executePendingJobs(-1);
          if (jobs.error) {
            fail(vmError(jobs.error, 'threw'));
            jobs.error.dispose();
          }
        }
      } catch (hostFault) {
        // A fault of the host itself inside WebAssembly (its native stack ran out): the module may be damaged.
        reusable = false;
        const message = hostFault instanceof RangeError ? 'stack overflow' : (hostFault as Error).message;
        fail(new SandboxError('CODE_THREW', `the code step failed: ${message}`));
      } finally {
        depth--;
      }
      if (
        outcome ||
        interrupted ||
        (timers.size === 0 && pendingHostCalls === 0 && !runtime.hasPendingJob())
      ) {
        finish();
      }
    };

    const stringArg = (handle: QuickJSHandle | undefined): string | undefined =>
      handle && ctx.typeof(handle) === 'string' ? ctx.getString(handle) : undefined;
    const numberArg = (handle: QuickJSHandle | undefined): number | undefined =>
      handle && ctx.typeof(handle) === 'number' ? ctx.getNumber(handle) : undefined;

    const hostCall = keep(
      ctx.newFunction('hostCall', (indexHandle, jsonHandle) => {
        const index = numberArg(indexHandle);
        const json = stringArg(jsonHandle);
        const fn = index === undefined ? undefined : functions[index];
        if (!fn || json === undefined) return ctx.newString(JSON.stringify({ error: 'not a host function' }));
        if (json.length > MAX_HOST_MESSAGE) {
          return ctx.newString(
            JSON.stringify({ error: `arguments larger than ${formatBytes(MAX_HOST_MESSAGE)}` }),
          );
        }
        try {
          const values = JSON.parse(json, hostReviver) as unknown[];
          const value = fn(...values);
          if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') {
            const id = nextPromise++;
            pendingHostCalls++;
            Promise.resolve(value as PromiseLike<unknown>).then(
              (settled) => settleHost(id, true, settled),
              (error) => settleHost(id, false, error),
            );
            return ctx.newString(JSON.stringify({ promise: id }));
          }
          return ctx.newString(value === undefined ? '{}' : `{"value":${encodeForSandbox(value)}}`);
        } catch (error) {
          return ctx.newString(
            JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
          );
        }
      }),
    );

    const settleHost = (id: number, ok: boolean, value: unknown) => {
      pendingHostCalls--;
      if (finished || !api) return;
      let json: string;
      try {
        json = ok
          ? value === undefined
            ? '{}'
            : `{"value":${encodeForSandbox(value)}}`
          : JSON.stringify({ error: value instanceof Error ? value.message : String(value) });
      } catch (error) {
        json = JSON.stringify({
          error: `the result cannot be copied into the sandbox: ${(error as Error).message}`,
        });
      }
      const { settle } = api;
      enter(() => {
        const idHandle = ctx.newNumber(id);
        const okHandle = ok ? ctx.true : ctx.false;
        const jsonHandle = ctx.newString(json);
        const result = ctx.callFunction(settle, ctx.undefined, idHandle, okHandle, jsonHandle);
        idHandle.dispose();
        jsonHandle.dispose();
        if (result.error) {
          fail(vmError(result.error, 'threw'));
          result.error.dispose();
        } else result.value.dispose();
      });
    };

    const hostLog = keep(
      ctx.newFunction('hostLog', (levelHandle, messageHandle) => {
        const level = stringArg(levelHandle);
        const message = stringArg(messageHandle);
        if (!log || level === undefined || message === undefined) return;
        const levels: SandboxLogLevel[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
        try {
          log(
            levels.includes(level as SandboxLogLevel) ? (level as SandboxLogLevel) : 'log',
            message.length > MAX_HOST_MESSAGE ? `${message.slice(0, MAX_HOST_MESSAGE)}…` : message,
          );
        } catch {
          // A failing log sink is not the code step's failure.
        }
      }),
    );

    const hostTimer = keep(
      ctx.newFunction('hostTimer', (idHandle, msHandle) => {
        const id = numberArg(idHandle);
        const ms = numberArg(msHandle);
        if (id === undefined || ms === undefined) return;
        if (ms < 0) {
          clearTimeout(timers.get(id));
          timers.delete(id);
          return;
        }
        if (timers.size >= MAX_TIMERS) {
          return { error: ctx.newError(`more than ${MAX_TIMERS} timers pending`) };
        }
        const remaining = Math.max(0, deadline - Date.now());
        timers.set(
          id,
          setTimeout(
            () => {
              timers.delete(id);
              if (finished || !api) return;
              const { fireTimer } = api;
              enter(() => {
                const idArg = ctx.newNumber(id);
                const result = ctx.callFunction(fireTimer, ctx.undefined, idArg);
                idArg.dispose();
                if (result.error) {
                  fail(vmError(result.error, 'threw'));
                  result.error.dispose();
                } else result.value.dispose();
              });
            },
            Math.min(ms, remaining + 10),
          ),
        );
      }),
    );

    const hostDone = keep(
      ctx.newFunction('hostDone', (jsonHandle) => {
        const json = stringArg(jsonHandle);
        if (json === undefined) {
          outcome ??= { ok: true, value: undefined };
          return;
        }
        if (Buffer.byteLength(json) > limits.maxOutputBytes) {
          fail(
            new SandboxError(
              'CODE_OUTPUT_TOO_LARGE',
              `the code step returned more than ${formatBytes(limits.maxOutputBytes)}`,
            ),
          );
          return;
        }
        try {
          outcome ??= { ok: true, value: JSON.parse(json, hostReviver) };
        } catch (error) {
          fail(
            new SandboxError(
              'CODE_THREW',
              `the code step's result cannot be read: ${(error as Error).message}`,
            ),
          );
        }
      }),
    );

    const hostFail = keep(
      ctx.newFunction('hostFail', (jsonHandle, kindHandle) => {
        const kind = stringArg(kindHandle);
        if (kind === 'size') {
          fail(
            new SandboxError(
              'CODE_OUTPUT_TOO_LARGE',
              `the code step returned more than ${formatBytes(limits.maxOutputBytes)}`,
            ),
          );
          return;
        }
        let info: ErrorInfo;
        try {
          info = JSON.parse(stringArg(jsonHandle) ?? '{}') as ErrorInfo;
          if (typeof info.message !== 'string') info = { isError: false, message: 'an unknown value' };
        } catch {
          info = { isError: false, message: 'an unknown value' };
        }
        fail(errorFromInfo(info, limits, kind === 'output' ? 'output' : 'threw'));
      }),
    );

    enter(() => {
      // 1. The bootstrap: captures the host functions in a closure, installs module/exports/require/console/timers.
      const factory = ctx.evalCode(BOOTSTRAP_SOURCE, 'weft-bootstrap.js', { type: 'global' });
      if (factory.error) {
        fail(vmError(factory.error, 'threw'));
        factory.error.dispose();
        return;
      }
      const factoryHandle = keep(factory.value);
      const tagHandle = keep(ctx.newString(tag));
      const maxHandle = keep(ctx.newNumber(limits.maxOutputBytes));
      const made = ctx.callFunction(
        factoryHandle,
        ctx.undefined,
        hostCall,
        hostLog,
        hostTimer,
        hostDone,
        hostFail,
        tagHandle,
        maxHandle,
      );
      if (made.error) {
        fail(vmError(made.error, 'threw'));
        made.error.dispose();
        return;
      }
      const apiHandle = keep(made.value);
      api = {
        run: keep(ctx.getProp(apiHandle, 'run')),
        fireTimer: keep(ctx.getProp(apiHandle, 'fireTimer')),
        settle: keep(ctx.getProp(apiHandle, 'settle')),
      };

      // 2. The user's module text, as a global script (its line numbers are the user's).
      const evaluated = ctx.evalCode(code, FILE_NAME, { type: 'global', strict: false });
      if (evaluated.error) {
        fail(vmError(evaluated.error, 'threw'));
        evaluated.error.dispose();
        return;
      }
      evaluated.value.dispose();

      // 3. module.exports(...args); the bootstrap reports the settled result through hostDone/hostFail.
      const argsHandle = ctx.newString(argsJson);
      const ran = ctx.callFunction(api.run, ctx.undefined, argsHandle);
      argsHandle.dispose();
      if (ran.error) {
        fail(vmError(ran.error, 'threw'));
        ran.error.dispose();
      } else ran.value.dispose();
    });
  });
}
