import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { WeftError } from '../errors.js';
import type { Database } from './schema.js';

/** The pool (for graphile-worker and raw SQL) and the typed query builder over it. */
export interface DatabaseHandle {
  pool: pg.Pool;
  db: Kysely<Database>;
  close(): Promise<void>;
}

/** Opens a pool on `databaseUrl` and checks it answers, so a bad URL fails at start with a clear message. */
export async function connectDatabase(
  databaseUrl: string,
  log: Logger,
  maxConnections = 20,
): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: maxConnections,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (database restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => log.warn({ error: error.message }, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn({ error: error.message }, 'database connection lost'));
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const url = new URL(databaseUrl);
    throw new WeftError(
      'DATABASE_UNREACHABLE',
      `Cannot connect to PostgreSQL at ${url.hostname}:${url.port || 5432}/${url.pathname.slice(1)}: ${(error as Error).message}.`,
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    pool,
    db,
    close: async () => {
      await db.destroy();
    },
  };
}
