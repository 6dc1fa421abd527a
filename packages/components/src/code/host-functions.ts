/**
 * The host functions the sandbox calls, for one execution (the bootstrap holds them in its closures): bridged calls
 * of the functions found in the arguments, console lines, timers, and the code's result or failure. Each gets
 * QuickJS handles and reads only strings, numbers and lists of ArrayBuffers from them.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import {
  type ErrorInfo,
  errorFromInfo,
  formatBytes,
  memoryLimitError,
  outputTooLargeError,
  SandboxError,
} from './errors.js';
import type { Execution } from './execution.js';
import { MAX_HOST_MESSAGE, MAX_TIMERS, type SandboxLogLevel } from './limits.js';
import { newBinaryList, newStringFast, OutOfMemory, readBinaryList } from './quickjs-heap.js';
import type { Hooks, HostFunction } from './realm.js';

type Handle = QuickJSHandle | undefined;

/** The hooks an instance answers the sandbox with while the execution uses it. */
export function hostHooks(execution: Execution): Hooks {
  return {
    hostCall: (index, json, binaries) => hostCall(execution, index, json, binaries),
    hostLog: (level, message) => hostLog(execution, level, message),
    hostTimer: (id, ms) => hostTimer(execution, id, ms),
    hostDone: (json, binaries) => hostDone(execution, json, binaries),
    hostFail: (json, kind) => hostFail(execution, json, kind),
    shouldInterrupt: () => execution.interrupts.shouldInterrupt(),
  };
}

function stringArg(ctx: QuickJSContext, handle: Handle): string | undefined {
  return handle && ctx.typeof(handle) === 'string' ? ctx.getString(handle) : undefined;
}

function numberArg(ctx: QuickJSContext, handle: Handle): number | undefined {
  return handle && ctx.typeof(handle) === 'number' ? ctx.getNumber(handle) : undefined;
}

/** A reply for the sandbox: its JSON as a string, or [json, ArrayBuffer...] when binary data comes with it. */
function newReply(execution: Execution, json: string, binaries: readonly Uint8Array[]): QuickJSHandle {
  const { instance, ctx } = execution;
  const text = newStringFast(instance, ctx, json);
  if (!text) throw new OutOfMemory('out of memory');
  if (binaries.length === 0) return text;
  try {
    return newBinaryList(instance, ctx, binaries, text);
  } finally {
    text.dispose();
  }
}

function errorReply(ctx: QuickJSContext, message: string): QuickJSHandle {
  return ctx.newString(JSON.stringify({ error: message }));
}

/**
 * Calls the host function at an index with the sandbox's arguments: replies { value }, { error }, or { promise: id }
 * when the function returned a promise (settleHostCall then settles it in the sandbox).
 */
function hostCall(execution: Execution, indexHandle: Handle, jsonHandle: Handle, binariesHandle: Handle) {
  const { ctx, codec } = execution;
  const index = numberArg(ctx, indexHandle);
  const json = stringArg(ctx, jsonHandle);
  const fn = index === undefined ? undefined : codec.functions[index];
  if (!fn || json === undefined) return errorReply(ctx, 'not a host function');
  if (json.length > MAX_HOST_MESSAGE) {
    return errorReply(ctx, `arguments larger than ${formatBytes(MAX_HOST_MESSAGE)}`);
  }
  let reply: { json: string; binaries: Uint8Array[] };
  try {
    const values = codec.decode(json, readBinaryList(execution.instance, ctx, binariesHandle)) as unknown[];
    const value = fn(...values);
    if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') {
      const id = execution.nextPromise++;
      execution.pendingHostCalls++;
      Promise.resolve(value as PromiseLike<unknown>).then(
        (settled) => settleHostCall(execution, id, true, settled),
        (error) => settleHostCall(execution, id, false, error),
      );
      return ctx.newString(JSON.stringify({ promise: id }));
    }
    reply = codec.encodeReply(value);
  } catch (error) {
    return errorReply(ctx, error instanceof Error ? error.message : String(error));
  }
  try {
    return newReply(execution, reply.json, reply.binaries);
  } catch {
    return errorReply(ctx, 'the result does not fit in the memory left');
  }
}

/** Settles, in the sandbox, the promise a host call answered with. */
function settleHostCall(execution: Execution, id: number, ok: boolean, value: unknown): void {
  execution.pendingHostCalls--;
  if (execution.finished || !execution.api) return;
  let reply: { json: string; binaries: Uint8Array[] };
  try {
    reply = ok
      ? execution.codec.encodeReply(value)
      : {
          json: JSON.stringify({ error: value instanceof Error ? value.message : String(value) }),
          binaries: [],
        };
  } catch (error) {
    const message = `the result cannot be copied into the sandbox: ${(error as Error).message}`;
    reply = { json: JSON.stringify({ error: message }), binaries: [] };
  }
  const { settle } = execution.api;
  const { ctx } = execution;
  execution.enter(() => {
    let payload: QuickJSHandle;
    try {
      payload = newReply(execution, reply.json, reply.binaries);
    } catch {
      execution.fail(memoryLimitError(execution.limits));
      return;
    }
    const idHandle = ctx.newNumber(id);
    const okHandle = ok ? ctx.true : ctx.false;
    const result = ctx.callFunction(settle, ctx.undefined, idHandle, okHandle, payload);
    idHandle.dispose();
    payload.dispose();
    execution.check(result);
  });
}

const LOG_LEVELS: SandboxLogLevel[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

/** A console line: to the caller's log, cut to MAX_HOST_MESSAGE characters. */
function hostLog(execution: Execution, levelHandle: Handle, messageHandle: Handle): void {
  const { ctx, log } = execution;
  const level = stringArg(ctx, levelHandle);
  const message = stringArg(ctx, messageHandle);
  if (!log || level === undefined || message === undefined) return;
  try {
    log(
      LOG_LEVELS.includes(level as SandboxLogLevel) ? (level as SandboxLogLevel) : 'log',
      message.length > MAX_HOST_MESSAGE ? `${message.slice(0, MAX_HOST_MESSAGE)}…` : message,
    );
  } catch {
    // A failing log sink is not the code step's failure.
  }
}

/** Starts a host timer for the sandbox's timer id (never past the deadline), or clears it when `ms` is negative. */
function hostTimer(execution: Execution, idHandle: Handle, msHandle: Handle): ReturnType<HostFunction> {
  const { ctx, timers } = execution;
  const id = numberArg(ctx, idHandle);
  const ms = numberArg(ctx, msHandle);
  if (id === undefined || ms === undefined) return;
  if (ms < 0) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    return;
  }
  if (timers.size >= MAX_TIMERS) {
    return { error: ctx.newError(`more than ${MAX_TIMERS} timers pending`) };
  }
  const remaining = execution.interrupts.remainingMs();
  timers.set(
    id,
    setTimeout(() => fireTimer(execution, id), Math.min(ms, remaining + 10)),
  );
}

function fireTimer(execution: Execution, id: number): void {
  execution.timers.delete(id);
  if (execution.finished || !execution.api) return;
  const { fireTimer } = execution.api;
  const { ctx } = execution;
  execution.enter(() => {
    const idArg = ctx.newNumber(id);
    const result = ctx.callFunction(fireTimer, ctx.undefined, idArg);
    idArg.dispose();
    execution.check(result);
  });
}

/** The code's result: its JSON (within the output limit) and the binary data its tags point at. */
function hostDone(execution: Execution, jsonHandle: Handle, binariesHandle: Handle): void {
  const { ctx, limits } = execution;
  const json = stringArg(ctx, jsonHandle);
  if (json === undefined) {
    execution.succeed(() => undefined);
    return;
  }
  if (Buffer.byteLength(json) > limits.maxOutputBytes) {
    execution.fail(outputTooLargeError(limits));
    return;
  }
  let binaries: Buffer[];
  try {
    binaries = readBinaryList(execution.instance, ctx, binariesHandle);
  } catch {
    execution.fail(memoryLimitError(limits));
    return;
  }
  try {
    execution.succeed(() => execution.codec.decode(json, binaries));
  } catch (error) {
    const message = `the code step's result cannot be read: ${(error as Error).message}`;
    execution.fail(new SandboxError('CODE_THREW', message));
  }
}

/** The code failed: 'threw' (with the bootstrap's description of what), 'output' (not copyable) or 'size'. */
function hostFail(execution: Execution, jsonHandle: Handle, kindHandle: Handle): void {
  const { ctx, limits } = execution;
  const kind = stringArg(ctx, kindHandle);
  if (kind === 'size') {
    execution.fail(outputTooLargeError(limits));
    return;
  }
  let info: ErrorInfo;
  try {
    info = JSON.parse(stringArg(ctx, jsonHandle) ?? '{}') as ErrorInfo;
    if (typeof info.message !== 'string') info = { isError: false, message: 'an unknown value' };
  } catch {
    info = { isError: false, message: 'an unknown value' };
  }
  execution.fail(errorFromInfo(info, limits, kind === 'output' ? 'output' : 'threw'));
}
