import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { WeftError } from '../errors.js';

/**
 * One Weft process per data directory: two processes sharing an embedded PostgreSQL cluster would corrupt it.
 * The lock is a file holding the owner's pid, created atomically; a lock whose process is gone is stale and taken
 * over (the previous process crashed or was killed).
 */
export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string, log: Logger): Promise<DataDirLock> {
  const lockPath = path.join(dataDir, 'weft.lock');
  const ours = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lockPath, ours, { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          // Only our own lock: after a takeover race, the file may be another process's.
          const current = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
          if (current === ours) await fs.rm(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (stale === undefined) continue; // released meanwhile: try again
    const holder = pidOf(stale);
    if (holder !== undefined && isLiveProcess(holder, 'node')) {
      throw new WeftError(
        'DATA_DIR_LOCKED',
        `Another Weft process (pid ${holder}) is using the data directory ${dataDir}.`,
        {
          pid: holder,
          dataDir,
        },
      );
    }
    // Take the stale lock over by moving it aside, then check we moved the stale one: two processes racing here
    // must not both end up holding the directory.
    const aside = `${lockPath}.stale-${process.pid}`;
    try {
      await fs.rename(lockPath, aside);
    } catch {
      continue; // another process took it over first; look again
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== stale) {
      await fs.rename(aside, lockPath).catch(() => undefined); // a fresh lock of another process: put it back
      continue;
    }
    await fs.rm(aside, { force: true });
    log.warn(
      { lockPath, pid: holder },
      'taking over a stale lock left by a Weft process that did not shut down cleanly',
    );
  }
  throw new WeftError(
    'DATA_DIR_LOCKED',
    `Could not lock the data directory ${dataDir}; another process keeps taking it.`,
  );
}

function pidOf(lockContent: string): number | undefined {
  try {
    const parsed = JSON.parse(lockContent) as { pid?: unknown };
    return typeof parsed.pid === 'number' ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a running process, and (where /proc tells) one whose command is `expectedCommand`: a pid from
 * an old lock file may have been reused by an unrelated process since.
 */
export function isLiveProcess(pid: number, expectedCommand?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // no /proc (macOS): trust the signal check
  }
  // "pid (comm) state ...": a killed process its parent has not reaped yet is a zombie (Z), and holds nothing.
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  const state = stat.slice(close + 2, close + 3);
  if (state === 'Z' || state === 'X') return false;
  return expectedCommand === undefined || command.startsWith(expectedCommand);
}
