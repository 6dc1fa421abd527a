import type { Task } from 'graphile-worker';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';

/**
 * Execution retention: executions that finished more than `olderThanDays` days ago are deleted (their step
 * records, log lines and file links go with them, by cascade), then every large step result no step refers to any
 * more, and every file no execution links to.
 * Queued and running executions are never pruned, however old.
 */

export interface PruneOptions {
  olderThanDays: number;
  /** Rows per DELETE, so one run never holds long locks or builds one huge transaction. */
  batchSize?: number;
}

export interface PruneCounts {
  executions: number;
  blobs: number;
  files: number;
}

export const defaultPruneBatchSize = 1000;

export async function pruneExecutions(db: Kysely<Database>, options: PruneOptions): Promise<PruneCounts> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultPruneBatchSize));
  const counts: PruneCounts = { executions: 0, blobs: 0, files: 0 };
  if (!(options.olderThanDays > 0)) return counts;
  const cutoff = sql<Date>`now() - make_interval(secs => ${options.olderThanDays * 86_400})`;

  // Oldest first through the finished_at index; rows another transaction holds (a cancel) wait for next time.
  counts.executions = await deleteInBatches(
    db,
    batchSize,
    sql`delete from executions where id in (
      select id from executions
       where finished_at is not null and finished_at < ${cutoff}
       order by finished_at
       limit ${batchSize}
       for update skip locked
    )`,
  );
  // A blob a worker is referencing right now is locked by that insert's foreign-key check: skipped.
  counts.blobs = await deleteInBatches(
    db,
    batchSize,
    sql`delete from execution_blobs where sha256 in (
      select b.sha256 from execution_blobs b
       where not exists (select 1 from execution_steps s where s.result_sha256 = b.sha256)
       limit ${batchSize}
       for update skip locked
    )`,
  );
  // Files: their links went with their executions (cascade); a file no execution links to goes too.
  counts.files = await deleteInBatches(
    db,
    batchSize,
    sql`delete from execution_files where sha256 in (
      select f.sha256 from execution_files f
       where not exists (select 1 from execution_file_refs r where r.sha256 = f.sha256)
       limit ${batchSize}
       for update skip locked
    )`,
  );
  return counts;
}

/** Runs a DELETE of at most `batchSize` rows until one deletes fewer; answers how many rows went in all. */
async function deleteInBatches(
  db: Kysely<Database>,
  batchSize: number,
  statement: RawBuilder<unknown>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { numAffectedRows } = await statement.execute(db);
    const deleted = Number(numAffectedRows ?? 0);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * The graphile-worker task that runs `pruneExecutions` with the configured retention (0 days: keep everything)
 * and logs what it deleted. Its payload may carry `{batchSize}`.
 */
export function pruneExecutionsTask(db: Kysely<Database>, retentionDays: number, log: Logger): Task {
  return async (payload) => {
    if (!(retentionDays > 0)) {
      log.debug('execution retention is off (0 days); nothing pruned');
      return;
    }
    const requested = (payload as { batchSize?: unknown } | null)?.batchSize;
    const batchSize =
      typeof requested === 'number' && Number.isInteger(requested) && requested > 0
        ? requested
        : defaultPruneBatchSize;
    const started = Date.now();
    const counts = await pruneExecutions(db, { olderThanDays: retentionDays, batchSize });
    log.info(
      {
        retentionDays,
        executions: counts.executions,
        blobs: counts.blobs,
        files: counts.files,
        durationMs: Date.now() - started,
      },
      'pruned old executions',
    );
  };
}
