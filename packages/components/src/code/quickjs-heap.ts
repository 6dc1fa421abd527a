/**
 * Copies between the host and the QuickJS heap, straight through the instance's linear memory: strings (the
 * arguments' JSON) and binary data (bytes, never base64 or JSON). The library's own helpers copy in JavaScript loops
 * or through views made before the memory last grew; these use the C allocator and the memory as it is now.
 */
import {
  type BorrowedHeapCharPointer,
  type JSContextPointer,
  type JSValuePointer,
  type JSVoidPointer,
  Lifetime,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
} from 'quickjs-emscripten';
import type { Instance } from './instance-pool.js';
import { contextPointer, heapOf } from './quickjs-module.js';

const utf8 = new TextEncoder();

/** Thrown when binary data does not fit in the instance's memory. */
export class OutOfMemory extends Error {}

/** A handle that frees a value of the context when disposed. */
function ownedValue(instance: Instance, context: JSContextPointer, value: JSValuePointer): QuickJSHandle {
  const ffi = instance.quickjs.getFFI();
  return new Lifetime<JSValuePointer, JSValuePointer, QuickJSRuntime>(value, undefined, (handle) =>
    ffi.QTS_FreeValuePointer(context, handle),
  );
}

/**
 * `ctx.newString`, with the UTF-8 encoded natively: the library encodes in a JavaScript loop, slow for the arguments'
 * JSON. Undefined if the text does not fit in the instance's memory.
 */
export function newStringFast(
  instance: Instance,
  ctx: QuickJSContext,
  text: string,
): QuickJSHandle | undefined {
  if (text.length < 1024) return ctx.newString(text);
  const module = heapOf(instance.quickjs);
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
    return ownedValue(instance, context, value);
  } finally {
    module._free(pointer);
  }
}

/**
 * An ArrayBuffer in the context holding a copy of the bytes: they are copied once, into memory QuickJS then owns
 * (`ctx.newArrayBuffer` does the same but writes at address 0 when the allocation fails). Throws OutOfMemory.
 */
function newArrayBuffer(instance: Instance, ctx: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  const module = heapOf(instance.quickjs);
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
  return ownedValue(instance, context, value);
}

/** An array in the context of `first` (if given) then an ArrayBuffer with each binary's bytes. Throws OutOfMemory. */
export function newBinaryList(
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
export function readBinaryList(
  instance: Instance,
  ctx: QuickJSContext,
  list: QuickJSHandle | undefined,
): Buffer[] {
  if (!list || ctx.typeof(list) !== 'object') return [];
  const module = heapOf(instance.quickjs);
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
