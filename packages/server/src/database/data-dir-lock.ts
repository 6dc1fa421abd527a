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
  const content = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lockPath, content, { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          await fs.rm(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLockHolder(lockPath);
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
    log.warn(
      { lockPath, pid: holder },
      'taking over a stale lock left by a Weft process that did not shut down cleanly',
    );
    await fs.rm(lockPath, { force: true });
  }
  throw new WeftError(
    'DATA_DIR_LOCKED',
    `Could not lock the data directory ${dataDir}; another process keeps taking it.`,
  );
}

async function readLockHolder(lockPath: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockPath, 'utf8')) as { pid?: unknown };
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
