/**
 * One execution of user code, from its arguments to its settled result. Every execution gets a fresh QuickJS realm
 * of its own, in an instance no other execution uses at the same time (see instance-pool.ts). The execution enters
 * the VM several times — to start, then for each timer that fires and each host call that settles — and after each
 * entry runs the pending promise jobs; it is over once the code reported its result (or failure), an interrupt
 * came, or nothing is left to wait for.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import {
  cancelledError,
  type ErrorInfo,
  errorFromInfo,
  memoryLimitError,
  readErrorHandle,
  SandboxError,
  timeoutError,
  USER_CODE_FILE,
} from './errors.js';
import { hostHooks } from './host-functions.js';
import { closeRealm, type Instance, openRealm, poolInstance, takeInstance } from './instance-pool.js';
import { Interrupts, type Limits, resolveLimits, type SandboxOptions } from './limits.js';
import { BoundaryCodec, type EncodedArguments, randomChunk } from './marshalling.js';
import { newBinaryList, newStringFast } from './quickjs-heap.js';
import { PAGE } from './quickjs-module.js';
import { type Api, type Realm, runBootstrap } from './realm.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };
/** What a VM call returns: its value's handle, or its error's. */
type VmResult = ReturnType<QuickJSContext['evalCode']>;

/** Runs CommonJS module text and calls `module.exports(...args)`; resolves to the (awaited) result, copied out. */
export async function execute(code: string, args: unknown[], options: SandboxOptions): Promise<unknown> {
  const limits = resolveLimits(options);
  if (options.signal?.aborted) throw cancelledError();
  // A per-execution nonce for the tags, and Math.random's seed.
  const random = randomChunk(16);
  const codec = new BoundaryCodec(random.subarray(0, 8));
  const encodedArgs = codec.encodeArguments(args);
  const instance = await takeInstance(limits.memoryBytes);
  if (options.signal?.aborted) {
    poolInstance(instance);
    throw cancelledError();
  }
  const realm = openRealm(instance, random.subarray(8));
  return new Execution(instance, realm, limits, codec, options).run(code, encodedArgs);
}

/** The state of one execution; the host functions (host-functions.ts) act on it. */
export class Execution {
  readonly ctx: QuickJSContext;
  readonly runtime: QuickJSRuntime;
  readonly interrupts: Interrupts;
  readonly log: SandboxOptions['log'];
  /** The bootstrap's functions, once begun. */
  api: Api | undefined;
  /** Pending host timers, by the sandbox's timer id. */
  readonly timers = new Map<number, NodeJS.Timeout>();
  /** Host calls that answered with a promise not settled yet. */
  pendingHostCalls = 0;
  /** The id of the next such promise. */
  nextPromise = 1;
  /** Whether this instance may serve another execution (no fault, no memory exhaustion). */
  reusable = true;
  private ended = false;
  /** How many entries into the VM are under way (a host function may enter again, through a bridged call). */
  private depth = 0;
  /** What the sandbox reported: set during VM calls, acted upon once they return. */
  private outcome: Outcome | undefined;
  /** Handles made for this execution: disposed at the end, or wiped with the memory when the realm is restored. */
  private readonly handles: QuickJSHandle[] = [];
  private settled: { resolve(value: unknown): void; reject(error: Error): void } | undefined;

  constructor(
    readonly instance: Instance,
    readonly realm: Realm,
    readonly limits: Limits,
    readonly codec: BoundaryCodec,
    options: SandboxOptions,
  ) {
    this.ctx = realm.ctx;
    this.runtime = realm.runtime;
    this.log = options.log;
    this.interrupts = new Interrupts(limits.timeoutMs, options.signal);
    this.runtime.setMemoryLimit(limits.memoryBytes);
    this.runtime.setMaxStackSize(limits.maxStackBytes);
  }

  get finished(): boolean {
    return this.ended;
  }

  run(code: string, args: EncodedArguments): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.settled = { resolve, reject };
      this.interrupts.watch(() => {
        if (this.depth === 0) this.finish();
      });
      this.instance.hooks = hostHooks(this);
      this.enter(() => this.start(code, args));
    });
  }

  readonly keep = (handle: QuickJSHandle): QuickJSHandle => {
    this.handles.push(handle);
    return handle;
  };

  fail(error: Error): void {
    this.outcome ??= { ok: false, error };
  }

  /** Records the code's result, unless the execution has an outcome already (`value` is not read then). */
  succeed(value: () => unknown): void {
    this.outcome ??= { ok: true, value: value() };
  }

  /** Enters the VM, then runs every pending promise job, then decides whether the execution is over. */
  enter(body: () => void): void {
    if (this.ended) return;
    this.depth++;
    try {
      body();
      if (!this.outcome && !this.interrupts.interrupted) {
        const jobs = this.runtime.executePendingJobs(-1);
        if (jobs.error) {
          this.fail(this.vmError(jobs.error, 'threw'));
          jobs.error.dispose();
        }
      }
    } catch (hostFault) {
      // A fault of the host itself inside WebAssembly (its native stack ran out): the module may be damaged.
      this.reusable = false;
      const message = hostFault instanceof RangeError ? 'stack overflow' : (hostFault as Error).message;
      this.fail(new SandboxError('CODE_THREW', `the code step failed: ${message}`));
    } finally {
      this.depth--;
    }
    const idle = this.timers.size === 0 && this.pendingHostCalls === 0 && !this.runtime.hasPendingJob();
    if (this.outcome || this.interrupts.interrupted || idle) this.finish();
  }

  /** Whether a VM call succeeded: its value is disposed, or its error becomes the execution's failure. */
  check(result: VmResult): boolean {
    if (result.error) {
      this.fail(this.vmError(result.error, 'threw'));
      result.error.dispose();
      return false;
    }
    result.value.dispose();
    return true;
  }

  /** Turns an error handle from the VM into a SandboxError (interrupts and memory included). */
  vmError(handle: QuickJSHandle, kind: 'threw' | 'syntax'): Error {
    const { interrupted } = this.interrupts;
    if (interrupted === 'cancelled') return cancelledError();
    if (interrupted === 'timeout') return timeoutError(this.limits);
    let info: ErrorInfo | undefined;
    try {
      info = readErrorHandle(this.ctx, handle);
    } catch {
      info = undefined;
    }
    // After an allocation failed the error itself may not be readable; a full linear memory says why.
    const { memory, maxPages } = this.instance;
    if (!info?.isError && memory.buffer.byteLength + 4 * 1024 * 1024 >= maxPages * PAGE) {
      return memoryLimitError(this.limits);
    }
    return info
      ? errorFromInfo(info, this.limits, kind)
      : new SandboxError('CODE_THREW', 'the code step failed');
  }

  /** The first entry: begin, evaluate the user's code, call what it exports. */
  private start(code: string, args: EncodedArguments): void {
    const api = this.begin();
    if (!api) return;
    // The user's module text, as a global script (its line numbers are the user's).
    if (!this.check(this.ctx.evalCode(code, USER_CODE_FILE, { type: 'global', strict: false }))) return;
    this.callExported(api, args);
  }

  /**
   * The bootstrap (run already in a pristine realm) captures the host functions in a closure and installs
   * module/exports/require/console/timers; then begin() gives it this execution's tag and output limit.
   */
  private begin(): Api | undefined {
    const { ctx } = this;
    let ready = this.realm.api;
    if (!ready) {
      const made = runBootstrap(this.realm, this.keep);
      if (!('begin' in made)) {
        this.fail(this.vmError(made.error, 'threw'));
        made.error.dispose();
        return undefined;
      }
      ready = made;
    }
    this.api = ready;
    const tagHandle = this.keep(ctx.newString(this.codec.tag));
    const maxHandle = this.keep(ctx.newNumber(this.limits.maxOutputBytes));
    return this.check(ctx.callFunction(ready.begin, ctx.undefined, tagHandle, maxHandle)) ? ready : undefined;
  }

  /** module.exports(...args); the bootstrap reports the settled result through hostDone/hostFail. */
  private callExported(api: Api, args: EncodedArguments): void {
    const { ctx, instance } = this;
    const argsText = newStringFast(instance, ctx, args.json);
    if (!argsText) {
      this.fail(memoryLimitError(this.limits));
      return;
    }
    const argsHandle = this.keep(argsText);
    const marksHandle =
      args.marks.length > 0 ? this.keep(ctx.newString(JSON.stringify(args.marks))) : ctx.undefined;
    let binariesHandle = ctx.undefined;
    if (args.binaries.length > 0) {
      try {
        binariesHandle = this.keep(newBinaryList(instance, ctx, args.binaries));
      } catch {
        this.fail(memoryLimitError(this.limits));
        return;
      }
    }
    this.check(ctx.callFunction(api.run, ctx.undefined, argsHandle, marksHandle, binariesHandle));
  }

  /** Ends the execution (once no VM call is under way): stops its timers, releases the instance, settles. */
  private finish(): void {
    if (this.ended || this.depth > 0) return;
    this.ended = true;
    this.interrupts.stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const result = this.finalOutcome();
    if (!result.ok && (result.error as SandboxError).code === 'CODE_MEMORY_LIMIT') this.reusable = false;
    if (!this.instance.pristine) {
      try {
        for (const handle of this.handles) if (handle.alive) handle.dispose();
      } catch {
        this.reusable = false;
      }
    }
    closeRealm(this.instance, this.realm, this.reusable);
    if (result.ok) this.settled?.resolve(result.value);
    else this.settled?.reject(result.error);
  }

  /** Once interrupted, the interrupt wins: code that caught the rejection it caused does not get to finish. */
  private finalOutcome(): Outcome {
    const { interrupted } = this.interrupts;
    if (interrupted === 'cancelled') return { ok: false, error: cancelledError() };
    if (interrupted === 'timeout') return { ok: false, error: timeoutError(this.limits) };
    return (
      this.outcome ?? {
        ok: false,
        error: new SandboxError(
          'CODE_THREW',
          'the code step returned a promise that never settles (nothing left to wait for)',
        ),
      }
    );
  }
}
