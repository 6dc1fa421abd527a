/**
 * Instances of the QuickJS module (see quickjs-module.ts) and their reuse. An instance serves one execution at a
 * time; instances that end cleanly and stayed small are pooled for the next execution with the same memory limit,
 * others are dropped and garbage-collected. An instance with a pristine snapshot runs every execution in its
 * restored pristine realm; one without gets a new realm for each execution, disposed at the end.
 */
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import {
  memoryLayout,
  type Pristine,
  preparePristine,
  reseedRandom,
  restorePristine,
} from './pristine-snapshot.js';
import { newModuleInstance, pagesFor, type WasmMemory } from './quickjs-module.js';
import { disposeRealm, type Hooks, newRealm, type Realm } from './realm.js';

export interface Instance {
  quickjs: QuickJSWASMModule;
  memory: WasmMemory;
  maxPages: number;
  /** The execution currently using the instance (one at a time). */
  hooks: Hooks | undefined;
  /** Set when the instance runs every execution in its restored pristine realm. */
  pristine: Pristine | undefined;
  generation: number;
}

/** An idle instance whose memory grew beyond this is dropped rather than pooled. */
const POOL_MAX_MEMORY = 48 * 1024 * 1024;
const POOL_SIZE = 4;
/** Idle instances, by their memory's maximum in pages (which the memory limit sets). */
const pool = new Map<number, Instance[]>();
/** Instances made before the pool was last emptied (see emptyPool) are not pooled again. */
let poolGeneration = 0;

/** An idle instance for the memory limit, or a new one (prepared with a pristine snapshot when possible). */
export async function takeInstance(memoryBytes: number): Promise<Instance> {
  const maxPages = pagesFor(memoryBytes);
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

/** The realm an execution runs in: the instance's pristine one (`seed` for its Math.random), or a new one. */
export function openRealm(instance: Instance, seed: Uint8Array): Realm {
  const { pristine } = instance;
  if (!pristine) return newRealm(instance);
  reseedRandom(instance, pristine, seed);
  return pristine.realm;
}

/** Ends an execution's use of the instance: puts it back in the pool if `reusable`, else drops it. */
export function closeRealm(instance: Instance, realm: Realm, reusable: boolean): void {
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
export function poolInstance(instance: Instance): void {
  if (instance.generation !== poolGeneration || instance.memory.buffer.byteLength > POOL_MAX_MEMORY) return;
  const idle = pool.get(instance.maxPages) ?? [];
  if (idle.length < POOL_SIZE) idle.push(instance);
  pool.set(instance.maxPages, idle);
}

/** Drops the idle instances, and keeps the ones in use from coming back. */
export function emptyPool(): void {
  pool.clear();
  poolGeneration++;
}

/** The linear memories of the idle pooled instances. */
export function idleMemories(): ArrayBuffer[] {
  return [...pool.values()].flat().map((instance) => instance.memory.buffer);
}
