import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { ServerRole } from '../config.js';
import { pendingMigrations } from '../database/migrate.js';
import type { Database } from '../database/schema.js';

/**
 * Liveness and readiness for load balancers and orchestrators: `/healthz` says the process answers, `/readyz` that
 * it can do useful work (database reachable, schema current).
 */
export function installHealthRoutes(
  app: FastifyInstance,
  db: Kysely<Database>,
  roles: ServerRole[],
  version: string,
): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', version }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(db);
      checks.database = 'ok';
      const pending = await pendingMigrations(db);
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
    } catch (error) {
      checks.database = 'unreachable';
      app.log.warn({ error: (error as Error).message }, 'readiness check: database unreachable');
    }
    const ready = Object.values(checks).every((value) => value === 'ok') && checks.migrations !== undefined;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, roles });
  });
}
