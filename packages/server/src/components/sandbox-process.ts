import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What every sandbox process shares, whether it reads a bundle's manifest or runs its component: Node's permission
 * model (read its own directory and nothing else; no writes, or only under the temporary directory its caller
 * names; no child processes, workers or native addons), a heap
 * limit, and an empty environment given by the caller. Processes still running when the server's process exits
 * are killed with it, so a component stuck in a loop never outlives the server that would have stopped it.
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
