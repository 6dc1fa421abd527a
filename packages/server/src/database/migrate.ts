import { runMigrations as runQueueMigrations } from 'graphile-worker';
import { type Kysely, Migrator, sql } from 'kysely';
import type { Logger } from 'pino';
import { WeftError } from '../errors.js';
import { queueLogger } from '../logger.js';
import type { DatabaseHandle } from './connection.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

const migrationTableName = 'weft_migration';
const migrationLockTableName = 'weft_migration_lock';

/**
 * Brings the schema up to date. Safe when several processes start at once: Kysely's migrator holds a PostgreSQL
 * advisory lock for the whole run, so the others wait and then find nothing left to do.
 */
export async function migrateDatabase(db: Kysely<Database>, log: Logger): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName,
    migrationLockTableName,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('corrupted migrations')) {
      throw new WeftError(
        'DATABASE_SCHEMA_NEWER',
        `The database was migrated by a newer Weft than this one (${message.replace('corrupted migrations: ', '')}).`,
      );
    }
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new WeftError('MIGRATION_FAILED', `Migration ${failed ?? '(unknown)'} failed: ${message}`, {
      migration: failed,
    });
  }
  // Kysely runs one migration run in one transaction: on error nothing of it stays, so log only a success.
  for (const name of applied) log.info({ migration: name }, 'applied migration');
  return applied;
}

/** Names of known migrations the database has not run yet; empty when the schema is current. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const known = Object.keys(migrations);
  const exists = await sql<{
    found: string | null;
  }>`select to_regclass(${migrationTableName}) as found`.execute(db);
  if (!exists.rows[0]?.found) return known;
  const done = await sql<{ name: string }>`select name from ${sql.table(migrationTableName)}`.execute(db);
  const applied = new Set(done.rows.map((r) => r.name));
  return known.filter((name) => !applied.has(name));
}

/** Weft's schema, then the job queue's (graphile-worker keeps its own, in the `graphile_worker` schema). */
export async function migrateAll(database: DatabaseHandle, log: Logger): Promise<string[]> {
  const applied = await migrateDatabase(database.db, log);
  await runQueueMigrations({ pgPool: database.pool, logger: queueLogger(log) });
  return applied;
}
