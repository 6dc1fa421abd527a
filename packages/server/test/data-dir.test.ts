// Issue 2 (review fixes): the data directory is never wiped unless Weft itself began creating it, and the lock
// is taken over only when stale and released only by its owner.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, lockDataDir, startEmbeddedPostgres, type WeftError } from '../src/index.js';

const log = createLogger('silent');
const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'weft-datadir-test-'));

describe('embedded PostgreSQL data directory', () => {
  it('refuses, and keeps, a cluster directory with files but no cluster that Weft did not make', async () => {
    const dir = await tempDir();
    try {
      await fs.mkdir(path.join(dir, 'postgres'));
      await fs.writeFile(path.join(dir, 'postgres', 'base.tar'), 'a backup someone is restoring');
      const error = await startEmbeddedPostgres({ clusterDir: path.join(dir, 'postgres'), log }).catch(
        (e: unknown) => e,
      );
      expect((error as WeftError).code).toBe('DATA_DIR_UNUSABLE');
      expect((error as WeftError).message).toContain('will not overwrite');
      expect(await fs.readFile(path.join(dir, 'postgres', 'base.tar'), 'utf8')).toBe(
        'a backup someone is restoring',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('data directory lock', () => {
  it('takes over a lock whose process is gone, and refuses one whose process lives', async () => {
    const dir = await tempDir();
    try {
      const lockPath = path.join(dir, 'weft.lock');
      await fs.writeFile(lockPath, JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 'long ago' }));
      const lock = await lockDataDir(dir, log);
      expect(JSON.parse(await fs.readFile(lockPath, 'utf8')).pid).toBe(process.pid);

      const error = await lockDataDir(dir, log).catch((e: unknown) => e);
      expect((error as WeftError).code).toBe('DATA_DIR_LOCKED');
      expect((error as WeftError).message).toContain(String(process.pid));
      await lock.release();
      await expect(fs.access(lockPath)).rejects.toThrow();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("release never removes another process's lock", async () => {
    const dir = await tempDir();
    try {
      const lock = await lockDataDir(dir, log);
      const lockPath = path.join(dir, 'weft.lock');
      const someoneElse = JSON.stringify({ pid: 1, startedAt: 'now' });
      await fs.writeFile(lockPath, someoneElse);
      await lock.release();
      expect(await fs.readFile(lockPath, 'utf8')).toBe(someoneElse);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
