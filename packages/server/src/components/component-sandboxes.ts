import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  defaultEgress,
  type Egress,
  type EgressProxy,
  type EgressProxyEvent,
  startEgressProxy,
} from '@weft/egress';
import type { Logger } from 'pino';
import { defaultSandboxLimits, type SandboxLimits, type SandboxNetwork } from '../config.js';
import { componentHostSource } from './component-host-source.js';
import {
  defaultSandboxNetwork,
  lastErrorLine,
  ranOutOfMemory,
  residentBytesOf,
  type SandboxLauncher,
  SandboxNetworkUnavailableError,
  sandboxLauncher,
  sandboxNodeArgs,
  trackSandbox,
} from './sandbox-process.js';

/**
 * Runs custom component code (custom components and code-native integrations) outside the server's process:
 * each bundle gets sandbox processes of its own (`sandbox-process.ts`: permission model, empty environment, heap
 * limit), each running one call at a time. A call that throws fails with its message; one that hangs past its
 * time limit, exhausts its memory or kills its process fails alone, and its process is replaced by a fresh one for
 * the next call. Idle processes are kept warm for a while, so a flow's steps do not pay for a process start each.
 *
 * Each call gets a private temporary directory, the only place its process may write (os.tmpdir() and TMPDIR point
 * at it during the call). A process's calls come one at a time, possibly for different customers: its temporary
 * area is emptied before and after every call, whatever the outcome, so no file outlives the call that wrote it.
 *
 * Each process has no network of its own (a network namespace, sandbox-process.ts): its one way out is an egress
 * proxy on a Unix-domain socket in its directory, started with it and closed with it, which applies the server's
 * egress policy to every connection (`@weft/egress`), so a component reaches what an http step may reach and
 * nothing else. Each connection it opens is logged with the component's name.
 */

/** How the sandboxes reach the network; without these, the process's own settings (`WEFT_EGRESS_ALLOW`, …). */
export interface SandboxNetworkOptions {
  /** The policy of the sandboxes' egress proxy: the server's. */
  egress?: Egress;
  /** `isolated` (a network namespace per process) or `open` (the machine's network; see WeftConfig). */
  network?: SandboxNetwork;
  /** Told of every connection a sandbox asked the proxy for (tests; the server logs them). */
  onEgress?: (event: EgressProxyEvent & { component: string }) => void;
  /** The unshare command that makes the network namespaces (default: found on PATH). */
  unshare?: string;
}

/** A bundle, as the sandboxes know it: content-addressed, loaded from storage only when a process starts. */
export interface SandboxBundle {
  /** SHA-256 of the bundle: processes are reused only for the very same code. */
  sha256: string;
  /** How errors name it: `component 'acme' (version 3)`. */
  label: string;
  load(): Promise<Buffer>;
}

export type SandboxCallKind =
  | 'action'
  | 'trigger'
  | 'onInstanceDeploy'
  | 'onInstanceDelete'
  | 'webhookCreate'
  | 'webhookDelete'
  | 'dataSource';

export interface SandboxCall {
  kind: SandboxCallKind;
  key: string;
  /** The context as plain data; the sandbox adds `logger`, `invokeFlow` and `debug`. */
  context: Record<string, unknown>;
  params: Record<string, unknown>;
  payload?: unknown;
}

export interface SandboxCallHooks {
  onLog(level: string, message: string): void;
  invokeFlow?(flowName: string, data: unknown, config: unknown): Promise<unknown>;
  /** Aborting kills the call's process (a cancelled or timed-out execution). */
  signal?: AbortSignal;
}

export type SandboxStates = Partial<
  Record<'instanceState' | 'crossFlowState' | 'executionState' | 'integrationState', Record<string, unknown>>
>;

export interface SandboxOutcome {
  result: unknown;
  /** The context's state objects after the call (Spectral's polling triggers change them in place). */
  states: SandboxStates;
}

/** An error a component threw, carried across the process boundary with what the engine reads off errors. */
export class ComponentCallError extends Error {
  status?: number;
  code?: string;
  connection?: { configVarKey: string };
}

/** A failure of the sandbox itself (time, memory, crash, a bundle that does not load); `code` says which. */
export class SandboxFailure extends Error {
  constructor(
    readonly code:
      | 'COMPONENT_TIMEOUT'
      | 'COMPONENT_OUT_OF_MEMORY'
      | 'COMPONENT_CRASHED'
      | 'COMPONENT_LOAD_FAILED'
      | 'SANDBOX_NETWORK_UNAVAILABLE',
    message: string,
  ) {
    super(message);
    this.name = 'SandboxFailure';
  }
}

interface ThrownDescription {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  isConnectionError?: unknown;
  connectionKey?: unknown;
}

function componentError(description: ThrownDescription | undefined): ComponentCallError {
  const message =
    typeof description?.message === 'string' ? description.message : 'the component failed without a message';
  const error = new ComponentCallError(message);
  if (typeof description?.name === 'string' && description.name !== 'Error') error.name = description.name;
  if (typeof description?.code === 'string' && description.code !== '') error.code = description.code;
  if (typeof description?.status === 'number') error.status = description.status;
  if (description?.isConnectionError === true && typeof description.connectionKey === 'string') {
    error.name = 'ConnectionError';
    error.connection = { configVarKey: description.connectionKey };
  }
  return error;
}

const stderrTailBytes = 4096;
const memoryWatchIntervalMs = 100;
let nextCallId = 0;

type Message = { type?: unknown; callId?: unknown; [key: string]: unknown };

class SandboxProcess {
  readonly child: ChildProcess;
  stderr = '';
  busy = false;
  idleTimer: NodeJS.Timeout | undefined;
  /** Set once the process has ended (or was told to): it takes no more calls. */
  ended = false;
  private readonly exitListeners = new Set<(reason: string) => void>();

  /** Where the calls' temporary directories are made: the only place the process may write. */
  readonly tempRoot: string;

  constructor(
    readonly bundle: SandboxBundle,
    readonly dir: string,
    limits: SandboxLimits,
    launcher: SandboxLauncher,
    /** The process's way out: the egress proxy on a socket in its directory, closed when the process ends. */
    private readonly proxy: EgressProxy,
  ) {
    this.tempRoot = path.join(dir, 'tmp');
    this.child = spawn(
      launcher.file,
      [
        ...launcher.prefix,
        ...sandboxNodeArgs(dir, limits.memoryMb, this.tempRoot),
        path.join(dir, 'host.cjs'),
        path.join(dir, 'bundle.cjs'),
        proxy.path,
      ],
      {
        cwd: dir,
        env: {},
        // stdin and stdout go nowhere (console output is captured into the call's logs); stderr explains crashes.
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
        windowsHide: true,
      },
    );
    trackSandbox(this.child);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-stderrTailBytes);
    });
    this.child.on('error', () => this.end('could not start'));
    this.child.on('exit', (code, signal) => {
      const reason = ranOutOfMemory(this.stderr)
        ? 'out-of-memory'
        : signal
          ? `signal ${signal}`
          : `exit code ${code}`;
      this.end(reason);
    });
  }

  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  private gone = false;

  /** The process ended (or never started): tell whoever waits on it, and remove its directory. */
  private end(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.ended = true;
    clearTimeout(this.idleTimer);
    for (const listener of [...this.exitListeners]) listener(reason);
    this.exitListeners.clear();
    void this.proxy.close();
    fs.rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  kill(): void {
    this.ended = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  send(message: unknown): void {
    if (this.child.connected) this.child.send(message as never);
  }
}

export class ComponentSandboxes {
  private readonly processes = new Set<SandboxProcess>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  readonly network: SandboxNetwork;

  constructor(
    private readonly log: Logger,
    readonly limits: SandboxLimits = defaultSandboxLimits,
    private readonly networkOptions: SandboxNetworkOptions = {},
  ) {
    this.network = networkOptions.network ?? defaultSandboxNetwork();
  }

  /**
   * The egress policy of the sandboxes' proxy: the server's, which code holding the sandboxes may use too. Without
   * one given, the process's default, read when first needed (an unreadable WEFT_EGRESS_ALLOW fails the first call
   * that needs the network, not the construction).
   */
  get egress(): Egress {
    return this.networkOptions.egress ?? defaultEgress();
  }

  /**
   * Whether sandboxes can start with the network they are configured for: undefined when they can, else the
   * error every custom component call will fail with (the server logs it at start, before any call).
   */
  async networkProblem(): Promise<string | undefined> {
    try {
      await sandboxLauncher(this.network, this.networkOptions.unshare);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Runs one call of a bundle's component in a sandbox process; rejects with the component's own error or a SandboxFailure. */
  async call(bundle: SandboxBundle, call: SandboxCall, hooks: SandboxCallHooks): Promise<SandboxOutcome> {
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    const sandbox = await this.acquire(bundle, hooks.signal);
    let healthy = false;
    try {
      const tempDir = await callTempDir(sandbox);
      const outcome = await this.run(sandbox, call, hooks, tempDir);
      healthy = true;
      return outcome;
    } catch (error) {
      // A component's own error leaves its process fit for the next call; anything else does not.
      healthy = error instanceof ComponentCallError && !sandbox.ended;
      throw error;
    } finally {
      // Whatever the outcome, the call's files go before its process takes another call.
      const emptied = await emptyTempRoot(sandbox);
      this.release(sandbox, healthy && emptied);
    }
  }

  /** Kills every sandbox process (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const sandbox of this.processes) sandbox.kill();
    this.processes.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Processes alive now, busy or idle (for tests and metrics). */
  get size(): number {
    return this.processes.size;
  }

  private async acquire(bundle: SandboxBundle, signal: AbortSignal | undefined): Promise<SandboxProcess> {
    for (;;) {
      if (this.closed) throw new SandboxFailure('COMPONENT_CRASHED', 'the server is shutting down');
      for (const sandbox of this.processes) {
        if (sandbox.bundle.sha256 === bundle.sha256 && !sandbox.busy && !sandbox.ended) {
          sandbox.busy = true;
          clearTimeout(sandbox.idleTimer);
          return sandbox;
        }
      }
      if (this.processes.size >= this.limits.maxProcesses) {
        // Make room by ending an idle process of another bundle, else wait for one to be released.
        const idle = [...this.processes].find((sandbox) => !sandbox.busy);
        if (idle) this.discard(idle);
      }
      if (this.processes.size < this.limits.maxProcesses) return this.start(bundle);
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const index = this.waiting.indexOf(wake);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    }
  }

  private release(sandbox: SandboxProcess, healthy: boolean): void {
    sandbox.busy = false;
    if (!healthy || sandbox.ended || this.closed) this.discard(sandbox);
    else sandbox.idleTimer = setTimeout(() => this.discard(sandbox), this.limits.idleMs).unref();
    this.waiting.shift()?.();
  }

  private discard(sandbox: SandboxProcess): void {
    this.processes.delete(sandbox);
    sandbox.kill();
  }

  private async start(bundle: SandboxBundle): Promise<SandboxProcess> {
    let launcher: SandboxLauncher;
    try {
      launcher = await sandboxLauncher(this.network, this.networkOptions.unshare);
    } catch (error) {
      this.waiting.shift()?.();
      if (!(error instanceof SandboxNetworkUnavailableError)) throw error;
      throw new SandboxFailure('SANDBOX_NETWORK_UNAVAILABLE', `${bundle.label} cannot run: ${error.message}`);
    }
    const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'weft-component-')));
    let sandbox: SandboxProcess | undefined;
    let proxy: EgressProxy | undefined;
    try {
      const content = await bundle.load();
      await fs.writeFile(path.join(dir, 'bundle.cjs'), content, { mode: 0o400 });
      await fs.writeFile(path.join(dir, 'host.cjs'), componentHostSource, { mode: 0o400 });
      await fs.mkdir(path.join(dir, 'tmp'), { mode: 0o700 });
      proxy = await startEgressProxy(this.egress.policy, path.join(dir, 'egress.sock'), {
        onEvent: (event) => this.reportEgress(bundle, event),
      });
      sandbox = new SandboxProcess(bundle, dir, this.limits, launcher, proxy);
      sandbox.busy = true;
      this.processes.add(sandbox);
      await this.waitUntilLoaded(sandbox);
      this.log.debug({ component: bundle.label, pid: sandbox.child.pid }, 'component sandbox started');
      return sandbox;
    } catch (error) {
      if (sandbox) this.discard(sandbox);
      else {
        await proxy?.close();
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
      this.waiting.shift()?.();
      throw error;
    }
  }

  /** Every connection a sandbox asks for is logged: refusals at warn, so an operator sees what to open. */
  private reportEgress(bundle: SandboxBundle, event: EgressProxyEvent): void {
    const fields = { component: bundle.label, ...event };
    if (event.outcome === 'refused')
      this.log.warn(fields, 'component connection refused by the egress guard');
    else if (event.outcome === 'failed') this.log.info(fields, 'component connection failed');
    else this.log.debug(fields, 'component connected');
    this.networkOptions.onEgress?.({ ...event, component: bundle.label });
  }

  private waitUntilLoaded(sandbox: SandboxProcess): Promise<void> {
    const { label } = sandbox.bundle;
    return new Promise((resolve, reject) => {
      const done = (outcome: () => void) => {
        clearTimeout(timer);
        sandbox.child.off('message', onMessage);
        stopExit();
        outcome();
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new SandboxFailure(
                'COMPONENT_LOAD_FAILED',
                `${label} did not finish loading within ${this.limits.loadTimeoutMs / 1000} s (does its top-level code loop or wait forever?)`,
              ),
            ),
          ),
        this.limits.loadTimeoutMs,
      );
      const onMessage = (message: Message) => {
        if (message?.type === 'ready') done(resolve);
        else if (message?.type === 'loadFailed') {
          const reason = componentError(message.error as ThrownDescription).message;
          done(() =>
            reject(new SandboxFailure('COMPONENT_LOAD_FAILED', `${label} could not be loaded: ${reason}`)),
          );
        }
      };
      const stopExit = sandbox.onExit((reason) =>
        done(() =>
          reject(
            reason === 'out-of-memory'
              ? new SandboxFailure(
                  'COMPONENT_OUT_OF_MEMORY',
                  `${label} ran out of memory while loading (limit ${this.limits.memoryMb} MB)`,
                )
              : new SandboxFailure(
                  'COMPONENT_LOAD_FAILED',
                  `${label} could not be loaded: its process ended (${reason})${lastErrorLine(sandbox.stderr)}`,
                ),
          ),
        ),
      );
      sandbox.child.on('message', onMessage);
    });
  }

  private run(
    sandbox: SandboxProcess,
    call: SandboxCall,
    hooks: SandboxCallHooks,
    tempDir: string,
  ): Promise<SandboxOutcome> {
    const callId = ++nextCallId;
    const { label } = sandbox.bundle;
    const what = `${describeKind(call.kind)} '${call.key}' of ${label}`;
    const { memoryMb, callTimeoutMs } = this.limits;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(memoryWatch);
        sandbox.child.off('message', onMessage);
        hooks.signal?.removeEventListener('abort', onAbort);
        stopExit();
        outcome();
      };
      const fail = (error: Error, kill: boolean) => {
        if (kill) sandbox.kill();
        finish(() => reject(error));
      };
      const timer = setTimeout(
        () =>
          fail(
            new SandboxFailure(
              'COMPONENT_TIMEOUT',
              `${what} did not finish within ${formatDuration(callTimeoutMs)} and was stopped`,
            ),
            true,
          ),
        callTimeoutMs,
      );
      // The heap limit does not cover Buffers: the whole process is watched too, and stopped past twice the heap.
      const memoryWatch = setInterval(async () => {
        const pid = sandbox.child.pid;
        const resident = pid === undefined ? undefined : await residentBytesOf(pid);
        if (resident !== undefined && resident > 2 * memoryMb * 1024 * 1024) {
          fail(
            new SandboxFailure(
              'COMPONENT_OUT_OF_MEMORY',
              `${what} used more than its ${memoryMb} MB of memory and was stopped`,
            ),
            true,
          );
        }
      }, memoryWatchIntervalMs);
      const onAbort = () => fail(hooks.signal?.reason ?? new Error('cancelled'), true);
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      const stopExit = sandbox.onExit((reason) =>
        fail(
          reason === 'out-of-memory'
            ? new SandboxFailure(
                'COMPONENT_OUT_OF_MEMORY',
                `${what} ran out of memory (limit ${memoryMb} MB) and was stopped`,
              )
            : new SandboxFailure(
                'COMPONENT_CRASHED',
                `${what} crashed: its process ended (${reason})${lastErrorLine(sandbox.stderr)}`,
              ),
          false,
        ),
      );
      const onMessage = (message: Message) => {
        if (!message || typeof message !== 'object') return;
        // A message about another call is a forgery or a leftover: ignored.
        if (message.callId !== callId && message.type !== 'crash') return;
        switch (message.type) {
          case 'log':
            if (typeof message.level === 'string' && typeof message.message === 'string')
              hooks.onLog(message.level, message.message);
            return;
          case 'invokeFlow':
            void this.answerInvokeFlow(sandbox, message, hooks);
            return;
          case 'result': {
            const states = (message.states ?? {}) as SandboxStates;
            finish(() => resolve({ result: message.result ?? undefined, states: plainStates(states) }));
            return;
          }
          case 'error':
            finish(() => reject(componentError(message.error as ThrownDescription)));
            return;
          case 'crash':
            // Thrown outside any awaited code (a timer, a stray promise): the call fails with it.
            fail(
              new SandboxFailure(
                'COMPONENT_CRASHED',
                `${what} crashed: ${componentError(message.error as ThrownDescription).message}`,
              ),
              true,
            );
            return;
        }
      };
      sandbox.child.on('message', onMessage);
      try {
        sandbox.send({ type: 'call', callId, ...call, tmpDir: tempDir });
      } catch (error) {
        fail(
          new SandboxFailure(
            'COMPONENT_CRASHED',
            `${what} could not be called: its inputs or context cannot be sent to it (${(error as Error).message})`,
          ),
          false,
        );
      }
    });
  }

  private async answerInvokeFlow(
    sandbox: SandboxProcess,
    message: Message,
    hooks: SandboxCallHooks,
  ): Promise<void> {
    const reply = (fields: Record<string, unknown>) => {
      try {
        sandbox.send({ type: 'flowResult', rpcId: message.rpcId, ...fields });
      } catch {
        // The process is gone: its call fails on its own.
      }
    };
    if (!hooks.invokeFlow || typeof message.flowName !== 'string') {
      reply({ error: 'flows cannot be invoked from here' });
      return;
    }
    try {
      reply({ result: await hooks.invokeFlow(message.flowName, message.data, message.config) });
    } catch (error) {
      reply({ error: (error as Error).message ?? String(error) });
    }
  }
}

/** A fresh, empty temporary directory for the next call of a sandbox process (its area emptied first). */
async function callTempDir(sandbox: SandboxProcess): Promise<string> {
  if (!(await emptyTempRoot(sandbox))) {
    throw new SandboxFailure(
      'COMPONENT_CRASHED',
      'the temporary directory of the call could not be prepared',
    );
  }
  return fs.mkdtemp(path.join(sandbox.tempRoot, 'call-'));
}

/**
 * Removes everything in a sandbox process's temporary area (a call may also have written next to its own
 * directory); false when that failed, and the process must not take another call.
 */
async function emptyTempRoot(sandbox: SandboxProcess): Promise<boolean> {
  try {
    const entries = await fs.readdir(sandbox.tempRoot);
    await Promise.all(
      entries.map((entry) => fs.rm(path.join(sandbox.tempRoot, entry), { recursive: true, force: true })),
    );
    return true;
  } catch (error) {
    // A process that ended has its whole directory removed (SandboxProcess.end).
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function plainStates(states: SandboxStates): SandboxStates {
  const plain: SandboxStates = {};
  for (const key of ['instanceState', 'crossFlowState', 'executionState', 'integrationState'] as const) {
    const value = states[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) plain[key] = value;
  }
  return plain;
}

function describeKind(kind: SandboxCallKind): string {
  switch (kind) {
    case 'action':
      return 'action';
    case 'trigger':
      return 'trigger';
    case 'dataSource':
      return 'data source';
    default:
      return `${kind} of trigger`;
  }
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
