/**
 * What bounds an execution: the options a caller gives, their defaults, and the interrupts that end an execution
 * when its time is up or its signal aborts. Memory is bounded by the WebAssembly memory itself (see
 * quickjs-module.ts); QuickJS's own limits are set on the runtime for each execution (see execution.ts).
 */

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

/** Host timers one execution may have pending at once. */
export const MAX_TIMERS = 10_000;
/** Longest console line or bridged-call payload kept, in characters. */
export const MAX_HOST_MESSAGE = 1024 * 1024;

export interface Limits {
  timeoutMs: number;
  memoryBytes: number;
  maxOutputBytes: number;
  maxStackBytes: number;
}

/** The options' limits, defaults filled in and the stack limit capped. */
export function resolveLimits(options: SandboxOptions): Limits {
  return {
    timeoutMs: options.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs,
    memoryBytes: options.memoryBytes ?? SANDBOX_DEFAULTS.memoryBytes,
    maxOutputBytes: options.maxOutputBytes ?? SANDBOX_DEFAULTS.maxOutputBytes,
    maxStackBytes: Math.min(
      options.maxStackBytes ?? SANDBOX_DEFAULTS.maxStackBytes,
      SANDBOX_DEFAULTS.maxStackBytes,
    ),
  };
}

export type Interruption = 'timeout' | 'cancelled';

/**
 * When an execution must stop: its wall-clock deadline passed, or its signal aborted. While the user's code runs,
 * QuickJS asks `shouldInterrupt` (its interrupt handler) and throws out of the code when told to; while the execution
 * waits for timers or host calls, no code runs to be interrupted, so a timer (a little after the deadline) and the
 * abort listener report the interruption instead. The first reason recorded stays.
 */
export class Interrupts {
  /** Why the execution was interrupted, once it was. */
  interrupted: Interruption | undefined;
  readonly deadline: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => {
    this.interrupted ??= 'cancelled';
    this.onInterrupt?.();
  };
  private onInterrupt: (() => void) | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Starts the timer and the abort listener; `onInterrupt` runs when either fires. */
  watch(onInterrupt: () => void): void {
    this.onInterrupt = onInterrupt;
    this.timer = setTimeout(() => {
      this.interrupted ??= 'timeout';
      onInterrupt();
    }, this.timeoutMs + 5);
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  /** QuickJS's interrupt handler: true once the execution must stop (it records why). */
  shouldInterrupt(): boolean {
    if (this.interrupted) return true;
    if (this.signal?.aborted) this.interrupted = 'cancelled';
    else if (Date.now() > this.deadline) this.interrupted = 'timeout';
    return this.interrupted !== undefined;
  }

  /** Milliseconds left before the deadline (0 once past). */
  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }
}
