import fs from 'node:fs/promises';
import path from 'node:path';
import { lockDataDir, startEmbeddedPostgres, type WeftConfig } from '@weft/server';
import type { Logger } from 'pino';

/**
 * Runs `work` against the configured database: DATABASE_URL when set, otherwise the embedded cluster in the data
 * directory, started for the duration and stopped after (the data directory is locked meanwhile, so this refuses
 * to run while a Weft process owns it).
 */
export async function openLocalDatabase(
  config: WeftConfig,
  log: Logger,
  progress: (message: string) => void,
  work: (databaseUrl: string) => Promise<void>,
): Promise<void> {
  if (config.databaseUrl) return work(config.databaseUrl);
  await fs.mkdir(config.dataDir, { recursive: true });
  const lock = await lockDataDir(config.dataDir, log);
  try {
    const embedded = await startEmbeddedPostgres({
      clusterDir: path.join(config.dataDir, 'postgres'),
      log,
      onProgress: progress,
    });
    try {
      await work(embedded.databaseUrl);
    } finally {
      await embedded.stop();
    }
  } finally {
    await lock.release();
  }
}
