import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed `weft` entry point (it runs packages/cli/dist, so the workspace must be built). */
export const weftBin = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

/**
 * The test process's environment without any Weft setting, plus `extra`: nothing from the shell that runs the
 * tests (a WEFT_TOKEN, a DATABASE_URL) can change what a spawned `weft` does.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('WEFT_') && key !== 'DATABASE_URL') env[key] = value;
  }
  return { ...env, ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every `weft` child this test process spawned, so a failed test cannot leave one running. */
const running = new Set<WeftProcess>();

/** A `weft` child process whose output is collected, with bounded waits on its output and its exit. */
export class WeftProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }) {
    this.child = spawn(process.execPath, [weftBin, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    const changed = () => {
      for (const listener of this.listeners) listener();
    };
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString('utf8');
      changed();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      changed();
    });
    this.exited = new Promise<Exit>((resolve, reject) => {
      this.child.once('error', reject);
      // 'close' (not 'exit'): all output has been read by then.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        changed();
        resolve(this.exit);
      });
    });
    this.exited.catch(() => undefined);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('weft did not start');
    return this.child.pid;
  }

  /** What the process printed so far, for failure messages. */
  describe(): string {
    return `exit: ${JSON.stringify(this.exit ?? 'still running')}\n--- stderr ---\n${this.stderr}\n--- stdout (last 3000 chars) ---\n${this.stdout.slice(-3000)}`;
  }

  /** Waits until `pattern` matches the stream's output; fails if the process exits first or the time runs out. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this[stream].match(pattern);
        if (match) {
          finish();
          resolve(match);
        } else if (this.exit) {
          finish();
          reject(new Error(`weft exited before printing ${pattern} on ${stream}\n${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(`weft did not print ${pattern} on ${stream} within ${timeoutMs} ms\n${this.describe()}`),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for the process to end; past the time limit it is killed and the wait fails. */
  async waitForExit(timeoutMs = 30_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`weft did not exit within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.child.kill(signal);
  }
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `weft <args>` to completion (bounded by `timeoutMs`) and returns its exit and output. */
export async function runWeft(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<RunResult> {
  const weft = new WeftProcess(args, options);
  const exit = await weft.waitForExit(options.timeoutMs ?? 30_000);
  return { ...exit, stdout: weft.stdout, stderr: weft.stderr };
}

/**
 * Stops every `weft` child still running: SIGTERM (so it stops its PostgreSQL), then SIGKILL for any that does
 * not exit within `graceMs`.
 */
export async function stopAllWeftProcesses(graceMs = 15_000): Promise<void> {
  await Promise.all(
    [...running].map(async (weft) => {
      weft.signal('SIGTERM');
      await weft.waitForExit(graceMs).catch(() => undefined);
    }),
  );
}

/**
 * Pids of the PostgreSQL servers (postmasters) running on the embedded cluster in `dataDir`, read from /proc. A
 * backend PostgreSQL has just forked shows its parent's command line until it renames itself, so processes whose
 * parent also matches are left out.
 */
export function postgresPidsFor(dataDir: string): number[] {
  const clusterDir = path.join(dataDir, 'postgres');
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const clusterArg = argv.indexOf('-D');
      if (
        path.basename(argv[0] ?? '') !== 'postgres' ||
        clusterArg < 0 ||
        argv[clusterArg + 1] !== clusterDir
      )
        continue;
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  return [...parents].filter(([, parent]) => !parents.has(parent)).map(([pid]) => pid);
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}
