/**
 * Runs user JavaScript (code steps, collection-tools filter/map functions) inside QuickJS compiled to WebAssembly
 * (`quickjs-emscripten`): a separate heap, no Node globals (`process`, `require`, `import`), and limits on time,
 * memory, stack and output size.
 *
 * - One WebAssembly module is compiled lazily on first use and reused. Every execution gets a fresh QuickJS realm of
 *   its own, in an instance of the module no other execution uses at the same time: a pristine runtime and context
 *   restored byte for byte from a snapshot of the instance's memory (see "Pristine snapshots" below), or else a new
 *   runtime and context, disposed at the end (whatever the outcome).
 * - Arguments are copied in as JSON. Functions found in the arguments (`logger.info`, `debug.timeElapsed.mark`,
 *   `invokeFlow`...) become bridged host functions: their arguments come out as JSON copies and their result goes
 *   back in as a JSON copy (a promise result becomes a promise in the sandbox).
 * - The result is copied out as JSON. Binary data is kept binary and crosses as bytes (copied straight between the
 *   host and the QuickJS heap, never as base64 or JSON): a `Buffer`/`Uint8Array`/`ArrayBuffer`/`DataView` in the
 *   arguments (or a host function's reply) arrives as a `Buffer` (the sandbox has Node's `Buffer`, from the npm
 *   `buffer` package; the same object twice arrives as the same Buffer, its bytes copied once), and a
 *   `Uint8Array`/`ArrayBuffer`/`DataView` (Buffers included) returned by the code comes out as a Node `Buffer`.
 *   `BigInt`s become strings; other typed arrays become arrays of numbers; functions and `undefined` are dropped as
 *   `JSON.stringify` drops them. The output limit counts the JSON; binary data is bounded by the memory limit.
 * - `console.*` inside the sandbox goes to `options.log`; `setTimeout`/`clearTimeout` work (host timers).
 *
 * Every failure is a `SandboxError` with a stable `code`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  type BorrowedHeapCharPointer,
  type JSContextPointer,
  type JSValuePointer,
  type JSVoidPointer,
  Lifetime,
  newQuickJSWASMModule,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  RELEASE_SYNC,
  type VmFunctionImplementation,
} from 'quickjs-emscripten';
import { BOOTSTRAP_SOURCE, bufferLibrarySource } from './bootstrap.js';

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
 * "out of memory". An instance serves one execution at a time; instances that end cleanly and stayed small are
 * pooled for the next execution with the same limit, others are dropped and garbage-collected.
 *
 * Pristine snapshots. Creating a QuickJS context and compiling the bootstrap into it costs well over a millisecond,
 * far more than a small code step itself. So each instance is prepared once — runtime, context, host functions,
 * bootstrap compiled — and the parts of its linear memory that hold that pristine state are copied aside: the C
 * globals (allocator state included), the top of the C stack and the heap. After every execution they are copied
 * back and whatever heap the execution grew into is zeroed, so the next execution starts from a byte-for-byte copy
 * of the pristine state: a fresh realm in which nothing of the previous one survives (objects, globals, prototypes,
 * pending jobs, freed memory). The limits are set again for each execution and `Math.random` gets a new seed (the
 * one per-context state QuickJS seeds from the clock). Where those addresses are is worked out once per process on
 * a throw-away instance ({@link memoryLayout}), and checked; if anything does not look as expected, every execution
 * gets a new runtime and context instead, as before: slower, same behaviour.
 */
let compiledPromise: Promise<WasmModule> | undefined;
const PAGE = 64 * 1024;
/** Linear memory QuickJS needs besides the JS heap: static data, the C stack, allocator slack. */
const MEMORY_OVERHEAD = 16 * 1024 * 1024;
/** An idle instance whose memory grew beyond this is dropped rather than pooled. */
const POOL_MAX_MEMORY = 48 * 1024 * 1024;
const POOL_SIZE = 4;
const pool = new Map<number, Instance[]>();
/** Instances made before the pool was last emptied (see sandboxInternals.useSnapshots) are not pooled again. */
let poolGeneration = 0;

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

/** The host functions the bootstrap receives, in the order it takes them. */
const HOST_FUNCTIONS = ['hostCall', 'hostLog', 'hostTimer', 'hostDone', 'hostFail'] as const;
type HostFunctionName = (typeof HOST_FUNCTIONS)[number];

type HostFunction = (...args: QuickJSHandle[]) => ReturnType<VmFunctionImplementation<QuickJSHandle>>;

/** What the execution using an instance answers the sandbox with: the host functions and the interrupt check. */
type Hooks = Record<HostFunctionName, HostFunction> & {
  shouldInterrupt(): boolean;
};

/** The functions the bootstrap returns, which the host calls. */
interface Api {
  begin: QuickJSHandle;
  run: QuickJSHandle;
  fireTimer: QuickJSHandle;
  settle: QuickJSHandle;
}

/** A runtime with one context, the host functions (which call the instance's current hooks) and the bootstrap. */
interface Realm {
  runtime: QuickJSRuntime;
  ctx: QuickJSContext;
  hostFunctions: QuickJSHandle[];
  /** Set in a pristine realm; a realm made for one execution runs the bootstrap under that execution's limits. */
  api: Api | undefined;
}

/** Where the pristine state lies in linear memory: the same for every instance of the module, found once. */
interface MemoryLayout {
  /** End of the C globals (static data: the allocator's state and its break pointer among them). */
  dataEnd: number;
  /** Start of the heap; the C stack grows down from here towards the data. */
  heapStart: number;
  /** Lowest C-stack address restored: more than QuickJS's largest stack limit below the top of the stack. */
  stackWindowStart: number;
  /** Address of the allocator's break (the end of the heap, which never moves down), a 32-bit word. */
  breakPointer: number;
  /** Offset of `random_state` (Math.random's xorshift64* state) in QuickJS's JSContext. */
  randomStateOffset: number;
}

/** An instance's prepared realm and the copies of its memory that put it back. */
interface Pristine {
  layout: MemoryLayout;
  realm: Realm;
  /** Bytes [0, layout.dataEnd). */
  data: Uint8Array;
  /** Bytes [layout.stackWindowStart, heapEnd). */
  upper: Uint8Array;
  /** The allocator's break when the copies were taken. */
  heapEnd: number;
  /** Address of this context's `random_state`. */
  randomState: number;
}

interface Instance {
  quickjs: QuickJSWASMModule;
  memory: WasmMemory;
  maxPages: number;
  /** The execution currently using the instance (one at a time). */
  hooks: Hooks | undefined;
  /** Set when the instance runs every execution in its restored pristine realm. */
  pristine: Pristine | undefined;
  generation: number;
}

async function newModuleInstance(
  maxPages: number,
): Promise<{ quickjs: QuickJSWASMModule; memory: WasmMemory }> {
  const wasmModule = await compiledModule();
  const memory = new WebAssembly.Memory({ initial: 256, maximum: Math.max(maxPages, 257) });
  const quickjs = await newQuickJSWASMModule(
    newVariant(RELEASE_SYNC, { wasmModule, wasmMemory: memory } as never),
  );
  return { quickjs, memory };
}

/** The parts of the Emscripten module used here. */
interface EmscriptenHeap {
  _malloc(size: number): number;
  _free(pointer: number): void;
}

function contextPointer(ctx: QuickJSContext): number {
  return (ctx as unknown as { ctx: { value: number } }).ctx.value;
}

function newRealm(instance: Instance): Realm {
  const runtime = instance.quickjs.newRuntime();
  runtime.setInterruptHandler(() => instance.hooks?.shouldInterrupt() ?? false);
  const ctx = runtime.newContext();
  const hostFunctions = HOST_FUNCTIONS.map((name) =>
    ctx.newFunction(name, (...args) => instance.hooks?.[name](...args)),
  );
  return { runtime, ctx, hostFunctions, api: undefined };
}

function disposeRealm(realm: Realm): void {
  for (const handle of Object.values(realm.api ?? {})) handle.dispose();
  for (const handle of realm.hostFunctions) handle.dispose();
  realm.ctx.dispose();
  realm.runtime.dispose();
}

/**
 * Compiles and runs the bootstrap in the realm's context; returns its functions, or the error handle. Every handle
 * made goes through `keep` (the caller disposes them), the error handle excepted.
 */
function runBootstrap(
  realm: Realm,
  keep: (handle: QuickJSHandle) => QuickJSHandle,
): Api | { error: QuickJSHandle } {
  const { ctx } = realm;
  const library = ctx.evalCode(bufferLibrarySource(), 'weft-buffer.js', { type: 'global' });
  if (library.error) return { error: library.error };
  const bufferExports = ctx.callFunction(keep(library.value), ctx.undefined);
  if (bufferExports.error) return { error: bufferExports.error };
  const factory = ctx.evalCode(BOOTSTRAP_SOURCE, 'weft-bootstrap.js', { type: 'global' });
  if (factory.error) return { error: factory.error };
  const made = ctx.callFunction(
    keep(factory.value),
    ctx.undefined,
    ...realm.hostFunctions,
    keep(bufferExports.value),
  );
  if (made.error) return { error: made.error };
  const apiHandle = keep(made.value);
  return {
    begin: keep(ctx.getProp(apiHandle, 'begin')),
    run: keep(ctx.getProp(apiHandle, 'run')),
    fireTimer: keep(ctx.getProp(apiHandle, 'fireTimer')),
    settle: keep(ctx.getProp(apiHandle, 'settle')),
  };
}

/** C stack below QuickJS's own stack limit that an execution may still use (frames between its checks). */
const STACK_SLACK = 64 * 1024;

const U64_MASK = (1n << 64n) - 1n;

/** QuickJS's Math.random: one xorshift64* step from `state`; returns the new state and the number. */
function xorshift64star(state: bigint): { state: bigint; value: number } {
  let x = state;
  x ^= x >> 12n;
  x ^= (x << 25n) & U64_MASK;
  x ^= x >> 27n;
  const bits = (0x3ffn << 52n) | (((x * 0x2545f4914f6cdd1dn) & U64_MASK) >> 12n);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return { state: x, value: view.getFloat64(0) - 1 };
}

function evalNumber(ctx: QuickJSContext, code: string): number {
  const result = ctx.evalCode(code, 'weft-layout.js', { type: 'global' });
  if (result.error) {
    result.error.dispose();
    throw new Error('layout probe failed');
  }
  const value = ctx.getNumber(result.value);
  result.value.dispose();
  return value;
}

function isZero(words: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (words[i] !== 0) return false;
  return true;
}

/**
 * Finds the memory layout on a throw-away instance, or undefined if it is not as expected (then executions get a
 * new realm each). The module's linear memory holds the C globals, then the C stack (growing down, zero where
 * never reached), then the heap, whose end the allocator keeps in a global and never lowers.
 */
async function findLayout(): Promise<MemoryLayout | undefined> {
  const { quickjs, memory } = await newModuleInstance(
    Math.ceil((SANDBOX_DEFAULTS.memoryBytes + MEMORY_OVERHEAD) / PAGE),
  );
  const module = (quickjs as unknown as { module: EmscriptenHeap }).module;
  // 1. The C stack: the first run of zero 4 KiB pages, a megabyte or more, that something non-zero (the heap) follows.
  const words = new Uint32Array(memory.buffer);
  const WORDS_PER_PAGE = 1024;
  const pages = words.length / WORDS_PER_PAGE;
  let gapStart = -1;
  let heapPage = -1;
  let runStart = -1;
  for (let page = 0; page < pages && heapPage < 0; page++) {
    if (isZero(words, page * WORDS_PER_PAGE, (page + 1) * WORDS_PER_PAGE)) {
      if (runStart < 0) runStart = page;
    } else {
      if (runStart > 0 && page - runStart >= 256) {
        gapStart = runStart;
        heapPage = page;
      }
      runStart = -1;
    }
  }
  if (heapPage < 0) return undefined;
  const dataEnd = gapStart * WORDS_PER_PAGE * 4;
  const heapStart = heapPage * WORDS_PER_PAGE * 4;
  const stackWindowStart = heapStart - SANDBOX_DEFAULTS.maxStackBytes - STACK_SLACK;

  // 2. The break: the word in the globals that grows by at least what a series of allocations took from the heap.
  const before = words.slice(0, dataEnd / 4);
  const BLOCK = 64 * 1024;
  const blocks: number[] = [];
  for (let i = 0; i < 64; i++) blocks.push(module._malloc(BLOCK));
  if (blocks.some((block) => block === 0)) return undefined;
  const after = new Uint32Array(memory.buffer, 0, dataEnd / 4);
  let breakPointer = -1;
  let heapEnd = 0;
  for (let i = 0; i < after.length; i++) {
    const now = after[i] ?? 0;
    const was = before[i] ?? 0;
    if (
      now - was >= (blocks.length * BLOCK) / 2 &&
      was >= heapStart &&
      now <= memory.buffer.byteLength &&
      now > heapEnd
    ) {
      breakPointer = i * 4;
      heapEnd = now;
    }
  }
  if (breakPointer < 0 || blocks.some((block) => block < heapStart || block + BLOCK > heapEnd))
    return undefined;
  for (const block of blocks) module._free(block);
  // The heap must not shrink when freed: its end is then the high-water mark of what an execution wrote.
  if (new Uint32Array(memory.buffer)[breakPointer / 4] !== heapEnd) return undefined;

  const runtime = quickjs.newRuntime();
  const ctx = runtime.newContext();
  try {
    // 3. The gap is the C stack, and the window covers what it can reach: recursing to the stack limit dirties
    // pages at its top and none below the window.
    runtime.setMaxStackSize(SANDBOX_DEFAULTS.maxStackBytes);
    const depth = evalNumber(
      ctx,
      'const f = (n) => { try { return f(n + 1); } catch (e) { return n; } }; f(0)',
    );
    const stack = new Uint32Array(memory.buffer, dataEnd, (heapStart - dataEnd) / 4);
    const lowestUsed = stack.findIndex((word) => word !== 0) * 4 + dataEnd;
    if (depth < 100 || lowestUsed < stackWindowStart || lowestUsed >= heapStart) return undefined;

    // 4. Math.random's state: the 64-bit field of the context that one call moves by exactly one xorshift64* step.
    const base = contextPointer(ctx);
    const SPAN = 4096;
    const read = () => new DataView(memory.buffer.slice(base, base + SPAN));
    const was = read();
    const drawn = evalNumber(ctx, 'Math.random()');
    const now = read();
    for (let offset = 0; offset + 8 <= SPAN; offset += 4) {
      const state = was.getBigUint64(offset, true);
      if (state === 0n) continue;
      const step = xorshift64star(state);
      if (step.state !== now.getBigUint64(offset, true) || step.value !== drawn) continue;
      // Confirm by seeding it.
      const seed = 0x243f6a8885a308d3n;
      new DataView(memory.buffer).setBigUint64(base + offset, seed, true);
      if (evalNumber(ctx, 'Math.random()') !== xorshift64star(seed).value) return undefined;
      return { dataEnd, heapStart, stackWindowStart, breakPointer, randomStateOffset: offset };
    }
    return undefined;
  } finally {
    ctx.dispose();
    runtime.dispose();
  }
}

let layoutPromise: Promise<MemoryLayout | undefined> | undefined;
let snapshotsEnabled = true;

/** The memory layout, found once per process (undefined: pristine snapshots are not used). */
function memoryLayout(): Promise<MemoryLayout | undefined> {
  if (!snapshotsEnabled) return Promise.resolve(undefined);
  layoutPromise ??= findLayout().catch(() => undefined);
  return layoutPromise;
}

/** Prepares the instance's realm and copies aside the memory that holds it; undefined if that failed. */
function preparePristine(instance: Instance, layout: MemoryLayout): Pristine | undefined {
  let realm: Realm | undefined;
  try {
    realm = newRealm(instance);
    const { ctx } = realm;
    const handles: QuickJSHandle[] = [];
    const api = runBootstrap(realm, (handle) => {
      handles.push(handle);
      return handle;
    });
    if (!('begin' in api)) {
      api.error.dispose();
      throw new Error('bootstrap failed');
    }
    realm.api = {
      begin: api.begin.dup(),
      run: api.run.dup(),
      fireTimer: api.fireTimer.dup(),
      settle: api.settle.dup(),
    };
    for (const handle of handles) handle.dispose();
    // Handles the library caches on first use must exist in the copy, not be made after it.
    void [ctx.undefined, ctx.null, ctx.true, ctx.false];
    const buffer = instance.memory.buffer;
    const heapEnd = new Uint32Array(buffer)[layout.breakPointer / 4] ?? 0;
    if (heapEnd < layout.heapStart || heapEnd > buffer.byteLength || realm.runtime.hasPendingJob()) {
      throw new Error('unexpected memory layout');
    }
    const bytes = new Uint8Array(buffer);
    return {
      layout,
      realm,
      data: bytes.slice(0, layout.dataEnd),
      upper: bytes.slice(layout.stackWindowStart, heapEnd),
      heapEnd,
      randomState: contextPointer(ctx) + layout.randomStateOffset,
    };
  } catch {
    try {
      if (realm) disposeRealm(realm);
    } catch {
      // The instance is dropped anyway.
    }
    return undefined;
  }
}

let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Fresh random bytes (each handed out once), drawn from the system in batches. */
function randomChunk(size: number): Buffer {
  if (randomOffset + size > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += size;
  return randomPool.subarray(randomOffset - size, randomOffset);
}

const utf8 = new TextEncoder();

/**
 * `ctx.newString`, with the UTF-8 encoded natively: the library encodes in a JavaScript loop, slow for the arguments'
 * JSON. Undefined if the text does not fit in the instance's memory.
 */
function newStringFast(instance: Instance, ctx: QuickJSContext, text: string): QuickJSHandle | undefined {
  if (text.length < 1024) return ctx.newString(text);
  const module = (instance.quickjs as unknown as { module: EmscriptenHeap }).module;
  const ffi = instance.quickjs.getFFI();
  const length = Buffer.byteLength(text);
  const pointer = module._malloc(length + 1);
  if (pointer === 0) return undefined;
  try {
    const bytes = new Uint8Array(instance.memory.buffer, pointer, length + 1);
    utf8.encodeInto(text, bytes);
    bytes[length] = 0;
    const context = contextPointer(ctx) as JSContextPointer;
    const value = ffi.QTS_NewString(context, pointer as BorrowedHeapCharPointer);
    return new Lifetime<JSValuePointer, JSValuePointer, QuickJSRuntime>(value, undefined, (handle) =>
      ffi.QTS_FreeValuePointer(context, handle),
    );
  } finally {
    module._free(pointer);
  }
}

/** Thrown when binary data does not fit in the instance's memory. */
class OutOfMemory extends Error {}

/**
 * An ArrayBuffer in the context holding a copy of the bytes: they are copied once, into memory QuickJS then owns
 * (`ctx.newArrayBuffer` does the same but writes at address 0 when the allocation fails). Throws OutOfMemory.
 */
function newArrayBuffer(instance: Instance, ctx: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  const module = (instance.quickjs as unknown as { module: EmscriptenHeap }).module;
  const ffi = instance.quickjs.getFFI();
  const context = contextPointer(ctx) as JSContextPointer;
  const pointer = module._malloc(Math.max(bytes.length, 1));
  if (pointer === 0) throw new OutOfMemory('out of memory');
  new Uint8Array(instance.memory.buffer, pointer, bytes.length).set(bytes);
  const value = ffi.QTS_NewArrayBuffer(context, pointer as JSVoidPointer, bytes.length);
  const exception = ffi.QTS_ResolveException(context, value);
  if (exception) {
    ffi.QTS_FreeValuePointer(context, exception);
    ffi.QTS_FreeValuePointer(context, value);
    throw new OutOfMemory('out of memory');
  }
  return new Lifetime<JSValuePointer, JSValuePointer, QuickJSRuntime>(value, undefined, (handle) =>
    ffi.QTS_FreeValuePointer(context, handle),
  );
}

/** An array in the context of `first` (if given) then an ArrayBuffer with each binary's bytes. Throws OutOfMemory. */
function newBinaryList(
  instance: Instance,
  ctx: QuickJSContext,
  binaries: readonly Uint8Array[],
  first?: QuickJSHandle,
): QuickJSHandle {
  const list = ctx.newArray();
  try {
    let index = 0;
    if (first) ctx.setProp(list, index++, first);
    for (const bytes of binaries) {
      const handle = newArrayBuffer(instance, ctx, bytes);
      ctx.setProp(list, index++, handle);
      handle.dispose();
    }
    return list;
  } catch (error) {
    list.dispose();
    throw error;
  }
}

/**
 * The bytes of each ArrayBuffer in an array of the context, copied out as Buffers (the bootstrap's lists only hold
 * ArrayBuffers). Throws OutOfMemory when there is no room for the copy QuickJS makes of one on the way.
 */
function readBinaryList(instance: Instance, ctx: QuickJSContext, list: QuickJSHandle | undefined): Buffer[] {
  if (!list || ctx.typeof(list) !== 'object') return [];
  const module = (instance.quickjs as unknown as { module: EmscriptenHeap }).module;
  const ffi = instance.quickjs.getFFI();
  const context = contextPointer(ctx) as JSContextPointer;
  // Not ctx.getLength: it reads through a view of the memory made before the memory last grew (then empty).
  const lengthHandle = ctx.getProp(list, 'length');
  const count = ctx.typeof(lengthHandle) === 'number' ? ctx.getNumber(lengthHandle) : 0;
  lengthHandle.dispose();
  const buffers: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const handle = ctx.getProp(list, index);
    try {
      const length = ffi.QTS_GetArrayBufferLength(context, handle.value);
      if (length === 0) {
        buffers.push(Buffer.alloc(0));
        continue;
      }
      const pointer = ffi.QTS_GetArrayBuffer(context, handle.value);
      if (!pointer) throw new OutOfMemory('out of memory');
      const copy = Buffer.allocUnsafe(length);
      copy.set(new Uint8Array(instance.memory.buffer, pointer, length));
      module._free(pointer);
      buffers.push(copy);
    } finally {
      handle.dispose();
    }
  }
  return buffers;
}

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
  function(fn: (...values: unknown[]) => unknown, path: readonly string[]): unknown;
}

/**
 * Prepares a value for `JSON.stringify` on its way into the sandbox: binary data (Buffer, Uint8Array, ArrayBuffer,
 * DataView) and functions replaced by substitutes, `BigInt`s by strings, other typed arrays by arrays of numbers.
 * Containers that hold any of these are copied (shallow, as plain objects and arrays holding the same own
 * enumerable properties, which is what JSON.stringify writes); others are kept as they are, as are objects with a
 * `toJSON` method (a Date). `JSON.stringify` with a replacer would not do: it calls `Buffer.prototype.toJSON`
 * before the replacer, turning a 10 MB file into an array of 10 million numbers first.
 *
 * Returns the prepared value and the binaries, each once however many times it appears (by object).
 */
function prepareForSandbox(
  root: unknown,
  rootPath: string[],
  substitutes: Substitutes,
): { value: unknown; binaries: Uint8Array[] } {
  const binaries: Uint8Array[] = [];
  const indexes = new Map<object, number>();
  const active = new Set<object>();
  const path = rootPath;

  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'function')
      return substitutes.function(value as (...values: unknown[]) => unknown, path);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') return value;
    let index = indexes.get(value);
    if (index === undefined) {
      const bytes = bytesOf(value);
      if (bytes) {
        index = binaries.push(bytes) - 1;
        indexes.set(value, index);
      }
    }
    if (index !== undefined) return substitutes.binary(index, path);
    if (ArrayBuffer.isView(value)) {
      return Array.from(value as unknown as ArrayLike<unknown>, (item) =>
        typeof item === 'bigint' ? item.toString() : item,
      );
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
    if (active.has(value)) throw new TypeError('Converting circular structure to JSON');
    if (depth >= MAX_DEPTH) throw new TypeError(`nested more than ${MAX_DEPTH} levels deep`);
    active.add(value);
    let copy: Record<string, unknown> | unknown[] | undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (
          item === null ||
          (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'bigint')
        ) {
          continue;
        }
        path.push(String(i));
        const next = walk(item, depth + 1);
        path.pop();
        if (next !== item) {
          copy ??= value.slice();
          (copy as unknown[])[i] = next;
        }
      }
    } else {
      const object = value as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        const item = object[key];
        if (
          item === null ||
          (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'bigint')
        ) {
          continue;
        }
        path.push(key);
        const next = walk(item, depth + 1);
        path.pop();
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
    }
    active.delete(value);
    return copy ?? value;
  };
  return { value: walk(root, 0), binaries };
}

/** Puts the pristine memory back after an execution; false if the memory is not as expected (drop the instance). */
function restorePristine(instance: Instance, pristine: Pristine): boolean {
  const { layout } = pristine;
  const buffer = instance.memory.buffer;
  const heapEnd = new Uint32Array(buffer)[layout.breakPointer / 4] ?? 0;
  if (heapEnd < pristine.heapEnd || heapEnd > buffer.byteLength) return false;
  const bytes = new Uint8Array(buffer);
  bytes.fill(0, pristine.heapEnd, heapEnd);
  bytes.set(pristine.data, 0);
  bytes.set(pristine.upper, layout.stackWindowStart);
  return true;
}

async function takeInstance(memoryBytes: number): Promise<Instance> {
  const maxPages = Math.ceil((memoryBytes + MEMORY_OVERHEAD) / PAGE);
  const idle = pool.get(maxPages)?.pop();
  if (idle) return idle;
  const [layout, { quickjs, memory }] = await Promise.all([memoryLayout(), newModuleInstance(maxPages)]);
  const instance: Instance = {
    quickjs,
    memory,
    maxPages,
    hooks: undefined,
    pristine: undefined,
    generation: poolGeneration,
  };
  if (layout) instance.pristine = preparePristine(instance, layout);
  return instance;
}

/** The realm an execution runs in: the instance's pristine one, or a new one. */
function openRealm(instance: Instance, seed: Uint8Array): Realm {
  const { pristine } = instance;
  if (!pristine) return newRealm(instance);
  // A state of zero would stay zero.
  if (seed.every((byte) => byte === 0)) seed[0] = 1;
  new Uint8Array(instance.memory.buffer).set(seed.subarray(0, 8), pristine.randomState);
  return pristine.realm;
}

/** Ends an execution's use of the instance: puts it back in the pool if `reusable`, else drops it. */
function closeRealm(instance: Instance, realm: Realm, reusable: boolean): void {
  instance.hooks = undefined;
  let keep = reusable;
  if (instance.pristine) {
    keep = reusable && restorePristine(instance, instance.pristine);
  } else {
    try {
      disposeRealm(realm);
    } catch {
      keep = false;
    }
  }
  if (keep) poolInstance(instance);
}

/** Keeps an idle instance for a later execution with the same limit, unless the pool is full or it grew large. */
function poolInstance(instance: Instance): void {
  if (instance.generation !== poolGeneration || instance.memory.buffer.byteLength > POOL_MAX_MEMORY) return;
  const idle = pool.get(instance.maxPages) ?? [];
  if (idle.length < POOL_SIZE) idle.push(instance);
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

  // A per-execution nonce for the tags, and Math.random's seed.
  const random = randomChunk(16);
  const tag = `weft:${random.subarray(0, 8).toString('hex')}:`;
  const BYTES = `${tag}bytes`;
  const FUNCTION = `${tag}function`;

  // Host functions reachable from the sandbox, by index.
  const functions: Array<(...values: unknown[]) => unknown> = [];
  /** A value for the sandbox (a host function's reply): JSON with tags, and the binaries the tags point at. */
  const encodeForSandbox = (value: unknown): { json: string; binaries: Uint8Array[] } => {
    const prepared = prepareForSandbox(value, [], {
      binary: (index) => ({ [BYTES]: index }),
      function: (fn) => ({ [FUNCTION]: functions.push(fn) - 1 }),
    });
    return { json: JSON.stringify(prepared.value) ?? '{}', binaries: prepared.binaries };
  };
  /** Parses JSON from the sandbox, its byte tags pointing into `binaries` (the same tag twice: the same Buffer). */
  const parseFromSandbox = (json: string, binaries: readonly Buffer[]): unknown => {
    // The tag is plain ASCII, which JSON.stringify writes as is: no tag in the text, nothing to revive.
    if (!json.includes(BYTES)) return JSON.parse(json);
    return JSON.parse(json, (_key, value: unknown) => {
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.hasOwn(value, BYTES)
      ) {
        const bytes = binaries[(value as Record<string, number>)[BYTES] as number];
        if (!bytes) throw new Error('binary data missing');
        return bytes;
      }
      return value;
    });
  };

  // The arguments as plain JSON, where binary data and host functions go in them (see the bootstrap's run()), and
  // the binary data, each once.
  const marks: Array<[path: string[], kind: 'b' | 'f', index: number]> = [];
  let argsJson: string;
  let argBinaries: Uint8Array[];
  try {
    const prepared = prepareForSandbox(args, [''], {
      binary: (index, path) => {
        marks.push([[...path], 'b', index]);
        return 0;
      },
      function: (fn, path) => {
        marks.push([[...path], 'f', functions.push(fn) - 1]);
        return 0;
      },
    });
    argsJson = JSON.stringify(prepared.value);
    argBinaries = prepared.binaries;
  } catch (error) {
    throw new TypeError(
      `the code step's arguments cannot be copied into the sandbox: ${(error as Error).message}`,
    );
  }

  const instance = await takeInstance(limits.memoryBytes);
  if (signal?.aborted) {
    poolInstance(instance);
    throw cancelled();
  }
  /** Whether this instance may serve another execution (no fault, no memory exhaustion). */
  let reusable = true;

  const realm = openRealm(instance, random.subarray(8));
  const { runtime, ctx } = realm;
  const deadline = Date.now() + limits.timeoutMs;
  let interrupted: 'timeout' | 'cancelled' | undefined;
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.maxStackBytes);
  /** Handles made for this execution: disposed at the end, or wiped with the memory when the realm is restored. */
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
    let api: Api | undefined;

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
      if (!result.ok && (result.error as SandboxError).code === 'CODE_MEMORY_LIMIT') reusable = false;
      if (!instance.pristine) {
        try {
          for (const handle of handles) if (handle.alive) handle.dispose();
        } catch {
          reusable = false;
        }
      }
      closeRealm(instance, realm, reusable);
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
      if (!info?.isError && instance.memory.buffer.byteLength + 4 * 1024 * 1024 >= instance.maxPages * PAGE) {
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

    /** A reply for the sandbox: its JSON as a string, or [json, ArrayBuffer...] when binary data comes with it. */
    const newReply = (json: string, binaries: readonly Uint8Array[]): QuickJSHandle => {
      const text = newStringFast(instance, ctx, json);
      if (!text) throw new OutOfMemory('out of memory');
      if (binaries.length === 0) return text;
      try {
        return newBinaryList(instance, ctx, binaries, text);
      } finally {
        text.dispose();
      }
    };
    const errorReply = (message: string) => ctx.newString(JSON.stringify({ error: message }));
    /** A host function's result for the sandbox, as { value }. */
    const valueReply = (value: unknown): { json: string; binaries: Uint8Array[] } => {
      if (value === undefined) return { json: '{}', binaries: [] };
      const encoded = encodeForSandbox(value);
      return { json: `{"value":${encoded.json}}`, binaries: encoded.binaries };
    };

    const hostCall: HostFunction = (indexHandle, jsonHandle, binariesHandle) => {
      const index = numberArg(indexHandle);
      const json = stringArg(jsonHandle);
      const fn = index === undefined ? undefined : functions[index];
      if (!fn || json === undefined) return errorReply('not a host function');
      if (json.length > MAX_HOST_MESSAGE) {
        return errorReply(`arguments larger than ${formatBytes(MAX_HOST_MESSAGE)}`);
      }
      let reply: { json: string; binaries: Uint8Array[] };
      try {
        const values = parseFromSandbox(json, readBinaryList(instance, ctx, binariesHandle)) as unknown[];
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
        reply = valueReply(value);
      } catch (error) {
        return errorReply(error instanceof Error ? error.message : String(error));
      }
      try {
        return newReply(reply.json, reply.binaries);
      } catch {
        return errorReply('the result does not fit in the memory left');
      }
    };

    const settleHost = (id: number, ok: boolean, value: unknown) => {
      pendingHostCalls--;
      if (finished || !api) return;
      let reply: { json: string; binaries: Uint8Array[] };
      try {
        reply = ok
          ? valueReply(value)
          : {
              json: JSON.stringify({ error: value instanceof Error ? value.message : String(value) }),
              binaries: [],
            };
      } catch (error) {
        reply = {
          json: JSON.stringify({
            error: `the result cannot be copied into the sandbox: ${(error as Error).message}`,
          }),
          binaries: [],
        };
      }
      const { settle } = api;
      enter(() => {
        let payload: QuickJSHandle;
        try {
          payload = newReply(reply.json, reply.binaries);
        } catch {
          fail(memoryError());
          return;
        }
        const idHandle = ctx.newNumber(id);
        const okHandle = ok ? ctx.true : ctx.false;
        const result = ctx.callFunction(settle, ctx.undefined, idHandle, okHandle, payload);
        idHandle.dispose();
        payload.dispose();
        if (result.error) {
          fail(vmError(result.error, 'threw'));
          result.error.dispose();
        } else result.value.dispose();
      });
    };

    const hostLog: HostFunction = (levelHandle, messageHandle) => {
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
    };

    const hostTimer: HostFunction = (idHandle, msHandle) => {
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
    };

    const hostDone: HostFunction = (jsonHandle, binariesHandle) => {
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
      let binaries: Buffer[];
      try {
        binaries = readBinaryList(instance, ctx, binariesHandle);
      } catch {
        fail(memoryError());
        return;
      }
      try {
        outcome ??= { ok: true, value: parseFromSandbox(json, binaries) };
      } catch (error) {
        fail(
          new SandboxError(
            'CODE_THREW',
            `the code step's result cannot be read: ${(error as Error).message}`,
          ),
        );
      }
    };

    const hostFail: HostFunction = (jsonHandle, kindHandle) => {
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
    };

    instance.hooks = {
      hostCall,
      hostLog,
      hostTimer,
      hostDone,
      hostFail,
      shouldInterrupt: () => {
        if (interrupted) return true;
        if (signal?.aborted) interrupted = 'cancelled';
        else if (Date.now() > deadline) interrupted = 'timeout';
        return interrupted !== undefined;
      },
    };

    enter(() => {
      // 1. The bootstrap (run already in a pristine realm): captures the host functions in a closure, installs
      // module/exports/require/console/timers; then begin() gives it this execution's tag and output limit.
      let ready = realm.api;
      if (!ready) {
        const made = runBootstrap(realm, keep);
        if (!('begin' in made)) {
          fail(vmError(made.error, 'threw'));
          made.error.dispose();
          return;
        }
        ready = made;
      }
      api = ready;
      const tagHandle = keep(ctx.newString(tag));
      const maxHandle = keep(ctx.newNumber(limits.maxOutputBytes));
      const begun = ctx.callFunction(api.begin, ctx.undefined, tagHandle, maxHandle);
      if (begun.error) {
        fail(vmError(begun.error, 'threw'));
        begun.error.dispose();
        return;
      }
      begun.value.dispose();

      // 2. The user's module text, as a global script (its line numbers are the user's).
      const evaluated = ctx.evalCode(code, FILE_NAME, { type: 'global', strict: false });
      if (evaluated.error) {
        fail(vmError(evaluated.error, 'threw'));
        evaluated.error.dispose();
        return;
      }
      evaluated.value.dispose();

      // 3. module.exports(...args); the bootstrap reports the settled result through hostDone/hostFail.
      const argsText = newStringFast(instance, ctx, argsJson);
      if (!argsText) {
        fail(memoryError());
        return;
      }
      const argsHandle = keep(argsText);
      const marksHandle = marks.length > 0 ? keep(ctx.newString(JSON.stringify(marks))) : ctx.undefined;
      let binariesHandle = ctx.undefined;
      if (argBinaries.length > 0) {
        try {
          binariesHandle = keep(newBinaryList(instance, ctx, argBinaries));
        } catch {
          fail(memoryError());
          return;
        }
      }
      const ran = ctx.callFunction(api.run, ctx.undefined, argsHandle, marksHandle, binariesHandle);
      if (ran.error) {
        fail(vmError(ran.error, 'threw'));
        ran.error.dispose();
      } else ran.value.dispose();
    });
  });
}

/** Internals for tests and benchmarks: not part of the API. */
export const sandboxInternals = {
  /** The memory layout pristine snapshots use, or undefined when every execution gets a new realm. */
  memoryLayout: (): Promise<MemoryLayout | undefined> => memoryLayout(),
  /** The linear memories of the idle pooled instances. */
  idleMemories: (): ArrayBuffer[] => [...pool.values()].flat().map((instance) => instance.memory.buffer),
  /** Turns pristine snapshots on or off for the instances made from now on; empties the pool. */
  useSnapshots(enabled: boolean): void {
    snapshotsEnabled = enabled;
    pool.clear();
    poolGeneration++;
  },
};
