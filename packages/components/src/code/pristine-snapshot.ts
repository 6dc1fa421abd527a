/**
 * Pristine snapshots. Creating a QuickJS context and compiling the bootstrap into it costs well over a millisecond,
 * far more than a small code step itself. So each instance is prepared once — runtime, context, host functions,
 * bootstrap compiled — and the parts of its linear memory that hold that pristine state are copied aside: the C
 * globals (allocator state included), the top of the C stack and the heap. After every execution they are copied
 * back and whatever heap the execution grew into is zeroed, so the next execution starts from a byte-for-byte copy
 * of the pristine state: a fresh realm in which nothing of the previous one survives (objects, globals, prototypes,
 * pending jobs, freed memory). The limits are set again for each execution and `Math.random` gets a new seed (the
 * one per-context state QuickJS seeds from the clock). Where those addresses are is worked out once per process on
 * a throw-away instance ({@link memoryLayout}), and checked; if anything does not look as expected, every execution
 * gets a new runtime and context instead: slower, same behaviour.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
import type { Instance } from './instance-pool.js';
import { SANDBOX_DEFAULTS } from './limits.js';
import {
  contextPointer,
  type EmscriptenHeap,
  heapOf,
  newModuleInstance,
  pagesFor,
  type WasmMemory,
} from './quickjs-module.js';
import { disposeRealm, newRealm, type Realm, runBootstrap } from './realm.js';

/** Where the pristine state lies in linear memory: the same for every instance of the module, found once. */
export interface MemoryLayout {
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
export interface Pristine {
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

/** The C stack: the first run of zero 4 KiB pages, a megabyte or more, that something non-zero (the heap) follows. */
function findStack(memory: WasmMemory): { dataEnd: number; heapStart: number } | undefined {
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
  return { dataEnd: gapStart * WORDS_PER_PAGE * 4, heapStart: heapPage * WORDS_PER_PAGE * 4 };
}

/**
 * The allocator's break: the word in the globals that grows by at least what a series of allocations took from the
 * heap. Undefined unless found, and unless the heap keeps its end when freed (its end is then the high-water mark of
 * what an execution wrote).
 */
function findBreakPointer(
  module: EmscriptenHeap,
  memory: WasmMemory,
  dataEnd: number,
  heapStart: number,
): number | undefined {
  const before = new Uint32Array(memory.buffer).slice(0, dataEnd / 4);
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
  if (new Uint32Array(memory.buffer)[breakPointer / 4] !== heapEnd) return undefined;
  return breakPointer;
}

/**
 * Whether the gap is the C stack and the window covers what it can reach: recursing to the stack limit dirties
 * pages at its top and none below the window.
 */
function stackStaysInWindow(
  ctx: QuickJSContext,
  memory: WasmMemory,
  layout: Pick<MemoryLayout, 'dataEnd' | 'heapStart' | 'stackWindowStart'>,
): boolean {
  const { dataEnd, heapStart, stackWindowStart } = layout;
  const depth = evalNumber(
    ctx,
    'const f = (n) => { try { return f(n + 1); } catch (e) { return n; } }; f(0)',
  );
  const stack = new Uint32Array(memory.buffer, dataEnd, (heapStart - dataEnd) / 4);
  const lowestUsed = stack.findIndex((word) => word !== 0) * 4 + dataEnd;
  return depth >= 100 && lowestUsed >= stackWindowStart && lowestUsed < heapStart;
}

/**
 * Math.random's state: the 64-bit field of the context that one call moves by exactly one xorshift64* step,
 * confirmed by seeding it. Its offset in the JSContext, or undefined.
 */
function findRandomStateOffset(ctx: QuickJSContext, memory: WasmMemory): number | undefined {
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
    const seed = 0x243f6a8885a308d3n;
    new DataView(memory.buffer).setBigUint64(base + offset, seed, true);
    if (evalNumber(ctx, 'Math.random()') !== xorshift64star(seed).value) return undefined;
    return offset;
  }
  return undefined;
}

/**
 * Finds the memory layout on a throw-away instance, or undefined if it is not as expected (then executions get a
 * new realm each). The module's linear memory holds the C globals, then the C stack (growing down, zero where
 * never reached), then the heap, whose end the allocator keeps in a global and never lowers.
 */
async function findLayout(): Promise<MemoryLayout | undefined> {
  const { quickjs, memory } = await newModuleInstance(pagesFor(SANDBOX_DEFAULTS.memoryBytes));
  const stack = findStack(memory);
  if (!stack) return undefined;
  const { dataEnd, heapStart } = stack;
  const stackWindowStart = heapStart - SANDBOX_DEFAULTS.maxStackBytes - STACK_SLACK;
  const breakPointer = findBreakPointer(heapOf(quickjs), memory, dataEnd, heapStart);
  if (breakPointer === undefined) return undefined;
  return probeContext(quickjs, (ctx) => {
    if (!stackStaysInWindow(ctx, memory, { dataEnd, heapStart, stackWindowStart })) return undefined;
    const randomStateOffset = findRandomStateOffset(ctx, memory);
    if (randomStateOffset === undefined) return undefined;
    return { dataEnd, heapStart, stackWindowStart, breakPointer, randomStateOffset };
  });
}

/** Runs `probe` in a throw-away runtime and context, limited to the largest stack an execution may have. */
function probeContext<T>(quickjs: QuickJSWASMModule, probe: (ctx: QuickJSContext) => T): T {
  const runtime = quickjs.newRuntime();
  const ctx = runtime.newContext();
  try {
    runtime.setMaxStackSize(SANDBOX_DEFAULTS.maxStackBytes);
    return probe(ctx);
  } finally {
    ctx.dispose();
    runtime.dispose();
  }
}

let layoutPromise: Promise<MemoryLayout | undefined> | undefined;
let snapshotsEnabled = true;

/** The memory layout, found once per process (undefined: pristine snapshots are not used). */
export function memoryLayout(): Promise<MemoryLayout | undefined> {
  if (!snapshotsEnabled) return Promise.resolve(undefined);
  layoutPromise ??= findLayout().catch(() => undefined);
  return layoutPromise;
}

/** Turns pristine snapshots on or off for the instances made from now on. */
export function enableSnapshots(enabled: boolean): void {
  snapshotsEnabled = enabled;
}

/** Prepares the instance's realm and copies aside the memory that holds it; undefined if that failed. */
export function preparePristine(instance: Instance, layout: MemoryLayout): Pristine | undefined {
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
    return copyPristine(instance, layout, realm);
  } catch {
    try {
      if (realm) disposeRealm(realm);
    } catch {
      // The instance is dropped anyway.
    }
    return undefined;
  }
}

/** Copies aside the memory that holds the prepared realm. Throws if the memory is not as the layout says. */
function copyPristine(instance: Instance, layout: MemoryLayout, realm: Realm): Pristine {
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
    randomState: contextPointer(realm.ctx) + layout.randomStateOffset,
  };
}

/** Puts the pristine memory back after an execution; false if the memory is not as expected (drop the instance). */
export function restorePristine(instance: Instance, pristine: Pristine): boolean {
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

/** Gives the pristine realm's Math.random a new seed (8 bytes), so that executions do not repeat each other's. */
export function reseedRandom(instance: Instance, pristine: Pristine, seed: Uint8Array): void {
  // A state of zero would stay zero.
  if (seed.every((byte) => byte === 0)) seed[0] = 1;
  new Uint8Array(instance.memory.buffer).set(seed.subarray(0, 8), pristine.randomState);
}
