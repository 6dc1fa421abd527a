/**
 * Runs user JavaScript (code steps, collection-tools filter/map functions) inside QuickJS compiled to WebAssembly
 * (`quickjs-emscripten`): a separate heap, no Node globals (`process`, `require`, `import`), and limits on time,
 * memory, stack and output size.
 *
 * - One WebAssembly module is compiled lazily on first use and reused. Every execution gets a fresh QuickJS realm of
 *   its own, in an instance of the module no other execution uses at the same time: a pristine runtime and context
 *   restored byte for byte from a snapshot of the instance's memory, or else a new runtime and context, disposed at
 *   the end (whatever the outcome).
 * - Arguments are copied in as JSON; functions in them become bridged host functions; binary data crosses as bytes
 *   and arrives as a `Buffer` (the sandbox has Node's `Buffer`, from the npm `buffer` package). The result is copied
 *   out as JSON, binary data in it as Node `Buffer`s. The output limit counts the JSON; binary data is bounded by the
 *   memory limit.
 * - `console.*` inside the sandbox goes to `options.log`; `setTimeout`/`clearTimeout` work (host timers).
 *
 * Every failure is a `SandboxError` with a stable `code`.
 *
 * The pieces, host side: limits.ts (options, defaults, interrupts), errors.ts, quickjs-module.ts (the WebAssembly
 * module and its memory), instance-pool.ts (instances and their reuse), pristine-snapshot.ts, realm.ts (runtime,
 * context, bootstrap), marshalling.ts (values across the boundary) and quickjs-heap.ts (bytes and strings into and
 * out of the QuickJS heap), execution.ts (one execution) and host-functions.ts (what the sandbox calls). Inside the
 * sandbox: boundary/ (the bootstrap, loaded as source text by boundary-source.ts).
 */
import { execute } from './execution.js';
import { emptyPool, idleMemories } from './instance-pool.js';
import type { SandboxOptions } from './limits.js';
import { enableSnapshots, type MemoryLayout, memoryLayout } from './pristine-snapshot.js';

export { SandboxError, type SandboxErrorCode } from './errors.js';
export { SANDBOX_DEFAULTS, type SandboxLogLevel, type SandboxOptions } from './limits.js';
export { loadQuickJS } from './quickjs-module.js';

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

/** Internals for tests and benchmarks: not part of the API. */
export const sandboxInternals = {
  /** The memory layout pristine snapshots use, or undefined when every execution gets a new realm. */
  memoryLayout: (): Promise<MemoryLayout | undefined> => memoryLayout(),
  /** The linear memories of the idle pooled instances. */
  idleMemories: (): ArrayBuffer[] => idleMemories(),
  /** Turns pristine snapshots on or off for the instances made from now on; empties the pool. */
  useSnapshots(enabled: boolean): void {
    enableSnapshots(enabled);
    emptyPool();
  },
};
