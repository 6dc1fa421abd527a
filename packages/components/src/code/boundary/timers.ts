import type { Intrinsics } from './intrinsics.js';
import type { HostTimer } from './types.js';

/**
 * Runs inside QuickJS (see intrinsics.ts). Installs `setTimeout`/`clearTimeout` over the host's timers (and
 * `queueMicrotask` if QuickJS lacks it); returns `fireTimer`, which the host calls when timer `id` is due.
 */
export function installTimers(intrinsics: Intrinsics, hostTimer: HostTimer) {
  const { G, apply, promiseThen, PromiseCtor, TypeErrorCtor, MapCtor, mapGet, mapSet, mapDelete } =
    intrinsics;
  const timers = new MapCtor();
  let nextTimer = 1;
  G.setTimeout = function setTimeout(callback: unknown, ms: unknown) {
    if (typeof callback !== 'function')
      throw new TypeErrorCtor('setTimeout: the callback must be a function');
    const extra: unknown[] = [];
    // biome-ignore lint/complexity/noArguments: copied with push, as ever (a rest parameter is not the same array)
    for (let i = 2; i < arguments.length; i++) extra.push(arguments[i]);
    const id = nextTimer++;
    apply(mapSet, timers, [
      id,
      () => {
        apply(callback, undefined, extra);
      },
    ]);
    hostTimer(id, +(ms as number) > 0 ? +(ms as number) : 0);
    return id;
  };
  G.clearTimeout = function clearTimeout(id: unknown) {
    if (apply(mapDelete, timers, [id])) hostTimer(id as number, -1);
  };
  if (typeof G.queueMicrotask !== 'function') {
    G.queueMicrotask = function queueMicrotask(callback: () => void) {
      // The callback's result is dropped (a thenable it returned is not followed).
      apply(promiseThen, PromiseCtor.resolve(), [
        () => {
          callback();
        },
      ]);
    };
  }
  return function fireTimer(id: number) {
    const callback = apply(mapGet, timers, [id]);
    if (!callback) return;
    apply(mapDelete, timers, [id]);
    callback();
  };
}
