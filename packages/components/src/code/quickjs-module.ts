/**
 * The QuickJS WebAssembly module and its instances. The module is compiled once, on first use, and reused. Each
 * execution runs in an instance of it with its own linear memory whose `maximum` is the memory limit (plus room for
 * QuickJS itself): QuickJS's own `setMemoryLimit` does not count most allocations in the Emscripten build (it bounds
 * single allocations only), so the hard cap is the WebAssembly memory, which cannot grow past its maximum — malloc
 * fails, QuickJS throws "out of memory".
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModule,
  newVariant,
  type QuickJSContext,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';

/** The parts of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
};

/** A WebAssembly page. */
export const PAGE = 64 * 1024;
/** Linear memory QuickJS needs besides the JS heap: static data, the C stack, allocator slack. */
export const MEMORY_OVERHEAD = 16 * 1024 * 1024;

let compiledPromise: Promise<WasmModule> | undefined;

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

/** The pages of linear memory an instance gets for a memory limit. */
export function pagesFor(memoryBytes: number): number {
  return Math.ceil((memoryBytes + MEMORY_OVERHEAD) / PAGE);
}

/** A new instance of the module, in a linear memory that cannot grow past `maxPages`. */
export async function newModuleInstance(
  maxPages: number,
): Promise<{ quickjs: QuickJSWASMModule; memory: WasmMemory }> {
  const wasmModule = await compiledModule();
  const memory = new WebAssembly.Memory({ initial: 256, maximum: Math.max(maxPages, 257) });
  const quickjs = await newQuickJSWASMModule(
    newVariant(RELEASE_SYNC, { wasmModule, wasmMemory: memory } as never),
  );
  return { quickjs, memory };
}

/** The parts of the Emscripten module used here: the C allocator. */
export interface EmscriptenHeap {
  _malloc(size: number): number;
  _free(pointer: number): void;
}

/** The C allocator of an instance (the library does not expose it in its types). */
export function heapOf(quickjs: QuickJSWASMModule): EmscriptenHeap {
  return (quickjs as unknown as { module: EmscriptenHeap }).module;
}

/** The address of a context's JSContext in linear memory. */
export function contextPointer(ctx: QuickJSContext): number {
  return (ctx as unknown as { ctx: { value: number } }).ctx.value;
}
