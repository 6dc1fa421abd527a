/**
 * A realm: a QuickJS runtime with one context, the host functions the sandbox calls, and the bootstrap's functions
 * that the host calls. The host functions are created once per realm and call whatever execution is using the
 * instance at the time (its hooks), so that a pristine realm (see pristine-snapshot.ts) serves one execution after
 * another.
 */
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  VmFunctionImplementation,
} from 'quickjs-emscripten';
import { BOOTSTRAP_SOURCE, bufferLibrarySource } from './boundary-source.js';
import type { Instance } from './instance-pool.js';

/** The host functions the bootstrap receives, in the order it takes them. */
export const HOST_FUNCTIONS = ['hostCall', 'hostLog', 'hostTimer', 'hostDone', 'hostFail'] as const;
export type HostFunctionName = (typeof HOST_FUNCTIONS)[number];

export type HostFunction = (...args: QuickJSHandle[]) => ReturnType<VmFunctionImplementation<QuickJSHandle>>;

/** What the execution using an instance answers the sandbox with: the host functions and the interrupt check. */
export type Hooks = Record<HostFunctionName, HostFunction> & {
  shouldInterrupt(): boolean;
};

/** The functions the bootstrap returns, which the host calls. */
export interface Api {
  begin: QuickJSHandle;
  run: QuickJSHandle;
  fireTimer: QuickJSHandle;
  settle: QuickJSHandle;
}

/** A runtime with one context, the host functions (which call the instance's current hooks) and the bootstrap. */
export interface Realm {
  runtime: QuickJSRuntime;
  ctx: QuickJSContext;
  hostFunctions: QuickJSHandle[];
  /** Set in a pristine realm; a realm made for one execution runs the bootstrap under that execution's limits. */
  api: Api | undefined;
}

export function newRealm(instance: Instance): Realm {
  const runtime = instance.quickjs.newRuntime();
  runtime.setInterruptHandler(() => instance.hooks?.shouldInterrupt() ?? false);
  const ctx = runtime.newContext();
  const hostFunctions = HOST_FUNCTIONS.map((name) =>
    ctx.newFunction(name, (...args) => instance.hooks?.[name](...args)),
  );
  return { runtime, ctx, hostFunctions, api: undefined };
}

export function disposeRealm(realm: Realm): void {
  for (const handle of Object.values(realm.api ?? {})) handle.dispose();
  for (const handle of realm.hostFunctions) handle.dispose();
  realm.ctx.dispose();
  realm.runtime.dispose();
}

/**
 * Compiles and runs the bootstrap in the realm's context (the `buffer` package first, whose exports it takes);
 * returns its functions, or the error handle. Every handle made goes through `keep` (the caller disposes them), the
 * error handle excepted.
 */
export function runBootstrap(
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
