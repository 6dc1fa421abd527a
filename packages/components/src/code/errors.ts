/**
 * How a code step fails: every failure is a `SandboxError` with a stable `code`, and a message that says what the
 * user's code did (in the user's terms: line numbers of their code, limits as they configured them).
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { Limits } from './limits.js';

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

/** The file name the user's code is evaluated under: stack traces name it, and line numbers are read after it. */
export const USER_CODE_FILE = 'code-step.js';

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (Number.isInteger(mib)) return `${mib} MiB`;
  const kib = bytes / 1024;
  if (Number.isInteger(kib)) return `${kib} KiB`;
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${bytes} bytes`;
}

export function cancelledError(): SandboxError {
  return new SandboxError('CODE_CANCELLED', 'the code step was cancelled');
}

export function timeoutError(limits: Limits): SandboxError {
  return new SandboxError(
    'CODE_TIMEOUT',
    `the code step ran longer than ${formatDuration(limits.timeoutMs)}`,
  );
}

export function memoryLimitError(limits: Limits): SandboxError {
  return new SandboxError(
    'CODE_MEMORY_LIMIT',
    `the code step used more than ${formatBytes(limits.memoryBytes)} of memory`,
  );
}

export function outputTooLargeError(limits: Limits): SandboxError {
  return new SandboxError(
    'CODE_OUTPUT_TOO_LARGE',
    `the code step returned more than ${formatBytes(limits.maxOutputBytes)}`,
  );
}

/** What is known of a thrown value: from the bootstrap's `describe` (as JSON) or read off an error handle. */
export interface ErrorInfo {
  isError: boolean;
  name?: string;
  message: string;
  stack?: string;
  lineNumber?: number;
}

function lineOf(info: ErrorInfo): number | undefined {
  const match = info.stack
    ? new RegExp(`${USER_CODE_FILE.replace('.', '\\.')}:(\\d+)`).exec(info.stack)
    : null;
  if (match?.[1]) return Number(match[1]);
  return info.lineNumber;
}

/**
 * The SandboxError for a thrown value: `threw` when the code threw (or its promise rejected), `syntax` when it did
 * not compile, `output` when its result could not be copied out.
 */
export function errorFromInfo(
  info: ErrorInfo,
  limits: Limits,
  kind: 'threw' | 'syntax' | 'output',
): SandboxError {
  const line = lineOf(info);
  const at = line === undefined ? '' : ` (line ${line})`;
  if (info.isError && info.name === 'InternalError' && info.message === 'out of memory') {
    return memoryLimitError(limits);
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
    new RegExp(`^\\s*at ${USER_CODE_FILE.replace('.', '\\.')}:\\d+`).test(info.stack ?? '');
  if (kind === 'syntax' || (info.isError && compileError)) {
    return new SandboxError('CODE_SYNTAX', `the code step has a syntax error: ${info.message}${at}`, line);
  }
  if (!info.isError)
    return new SandboxError('CODE_THREW', `the code step threw a non-Error value: ${info.message}`);
  return new SandboxError('CODE_THREW', `the code step threw ${info.name}: ${info.message}${at}`, line);
}

/** Reads name/message/stack of an error handle from the host side, allocating as little as possible inside. */
export function readErrorHandle(ctx: QuickJSContext, handle: QuickJSHandle): ErrorInfo {
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
