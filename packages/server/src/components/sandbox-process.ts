import { type ChildProcess, execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SandboxNetwork } from '../config.js';

/**
 * What every sandbox process shares, whether it reads a bundle's manifest or runs its component: Node's permission
 * model (read its own directory and nothing else; no writes, or only under the temporary directory its caller
 * names; no child processes, workers or native addons), a heap
 * limit, and an empty environment given by the caller. Processes still running when the server's process exits
 * are killed with it, so a component stuck in a loop never outlives the server that would have stopped it.
 *
 * Node's permission model does not cover the network, so the process also starts in a network namespace of its
 * own (`unshare --net`): no interface but a loopback that is down, so every connection it opens itself fails. Its
 * one way out is the egress proxy's Unix-domain socket in its directory (component-sandboxes.ts), which applies
 * Weft's egress policy. Where namespaces cannot be created, sandboxes do not start, unless the operator chose
 * `WEFT_SANDBOX_NETWORK=open`.
 */

function permissionFlag(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? '--permission' : '--experimental-permission';
}

/**
 * Node's flags for a sandbox that may read `dir` and nothing else, with a heap of `memoryMb`; with `writableDir`
 * (inside `dir`), it may also create, write and remove files under that directory, and nowhere else.
 */
export function sandboxNodeArgs(dir: string, memoryMb: number, writableDir?: string): string[] {
  return [
    permissionFlag(),
    `--allow-fs-read=${dir}${path.sep}*`,
    ...(writableDir ? [`--allow-fs-write=${writableDir}${path.sep}*`] : []),
    '--disable-warning=ExperimentalWarning',
    `--max-old-space-size=${memoryMb}`,
  ];
}

const liveSandboxes = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveSandboxes) child.kill('SIGKILL');
});

/** Kills the sandbox when the server's process exits; forgets it once it has ended. */
export function trackSandbox(child: ChildProcess): void {
  liveSandboxes.add(child);
  child.once('exit', () => liveSandboxes.delete(child));
  child.once('error', () => liveSandboxes.delete(child));
}

/** Resident memory of a process in bytes, from /proc (Linux); undefined where that cannot be read. */
export async function residentBytesOf(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process's last stderr lines say V8 ran out of heap. */
export function ranOutOfMemory(stderr: string): boolean {
  return /heap out of memory|Allocation failed/i.test(stderr);
}

/**
 * The last line a process wrote to stderr that is not a stack frame, as `: <line>`, or nothing; the sandbox's own
 * path to the bundle reads as `bundle.js`.
 */
export function lastErrorLine(stderr: string, bundlePath?: string): string {
  let line = stderr
    .split('\n')
    .filter((text) => text.trim() !== '' && !/^\s*(\d+:|at )/.test(text))
    .pop()
    ?.trim();
  if (line && bundlePath) line = line.replaceAll(bundlePath, 'bundle.js');
  line = line?.slice(0, 300);
  return line ? `: ${line}` : '';
}

/** A sandbox that cannot get a network namespace of its own, and may not run without one. */
export class SandboxNetworkUnavailableError extends Error {
  readonly code = 'SANDBOX_NETWORK_UNAVAILABLE';
  constructor(reason: string) {
    super(
      `Custom components cannot run on this machine: their sandbox processes must start in a network namespace of their own (so that their only way out is Weft's egress guard), and none could be created (${reason}). Install util-linux (for unshare) and run Weft as root, or where unprivileged user namespaces are allowed (sysctl user.max_user_namespaces > 0; kernel.unprivileged_userns_clone=1 on Debian); or, knowing that custom components then reach the machine's network directly, set WEFT_SANDBOX_NETWORK=open.`,
    );
    this.name = 'SandboxNetworkUnavailableError';
  }
}

/** How a sandbox process is started: `file` run with `prefix` before Node and its arguments. */
export interface SandboxLauncher {
  file: string;
  prefix: string[];
  /** How the sandbox gets its network: its own namespace (`unshare …`), or the machine's (`open`). */
  network: 'namespace' | 'open';
}

/** unshare's flags for a new network namespace, as root first, then inside a new user namespace (unprivileged). */
const namespaceFlags = [['--net'], ['--user', '--map-root-user', '--net']];

let foundUnshare: { path: string | undefined } | undefined;

/** The unshare command, looked for once: on PATH, then where util-linux installs it. */
function unsharePath(): string | undefined {
  foundUnshare ??= { path: searchUnshare() };
  return foundUnshare.path;
}

function searchUnshare(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, 'unshare');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function runs(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { env: {}, timeout: 10_000 }, (error, _stdout, stderr) =>
      resolve(error ? stderr.trim().split('\n').pop() || error.message.trim().split('\n')[0] : undefined),
    );
  });
}

const probes = new Map<string, Promise<SandboxLauncher | SandboxNetworkUnavailableError>>();

/**
 * How this machine starts a sandbox in a network namespace of its own, found once per process by trying it (unshare
 * as root, then unprivileged with a user namespace); the error saying what is missing when neither works. `unshare`
 * is the command to use (default: found on PATH or in the usual directories).
 */
export function namespaceLauncher(
  unshare: string | undefined = unsharePath(),
): Promise<SandboxLauncher | SandboxNetworkUnavailableError> {
  const key = unshare ?? '';
  let probe = probes.get(key);
  if (!probe) {
    probe = (async () => {
      if (process.platform !== 'linux') {
        return new SandboxNetworkUnavailableError(
          `network namespaces are a Linux feature; this is ${process.platform}`,
        );
      }
      if (!unshare) return new SandboxNetworkUnavailableError('the unshare command was not found');
      const failures: string[] = [];
      for (const flags of namespaceFlags) {
        // The same Node as the sandbox, so a namespace that breaks Node's start is found here, not at a call.
        const failure = await runs(unshare, [...flags, '--', process.execPath, '--version']);
        if (failure === undefined)
          return { file: unshare, prefix: [...flags, '--'], network: 'namespace' as const };
        failures.push(`unshare ${flags.join(' ')}: ${failure}`);
      }
      return new SandboxNetworkUnavailableError(failures.join('; '));
    })();
    probes.set(key, probe);
  }
  return probe;
}

/** The network mode of code given none (a library used outside the server): `WEFT_SANDBOX_NETWORK`, else isolated. */
export function defaultSandboxNetwork(): SandboxNetwork {
  return process.env.WEFT_SANDBOX_NETWORK?.trim() === 'open' ? 'open' : 'isolated';
}

/**
 * How to start a sandbox process under `network`: in a namespace of its own (isolated; throws
 * SandboxNetworkUnavailableError where none can be made), or directly (open).
 */
export async function sandboxLauncher(network: SandboxNetwork, unshare?: string): Promise<SandboxLauncher> {
  if (network === 'open') return { file: process.execPath, prefix: [], network: 'open' };
  const launcher = await namespaceLauncher(unshare ?? unsharePath());
  if (launcher instanceof Error) throw launcher;
  return { ...launcher, prefix: [...launcher.prefix, process.execPath] };
}
