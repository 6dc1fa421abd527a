// Issue 5: the execution waiter (sync webhooks, cross-flow calls and removal wait through it) survives its LISTEN
// connection being terminated, and a connection terminated after it closed (PostgreSQL stopping) never crashes the
// process with a second release.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionFinishedChannel, startExecutionWaiter } from '../src/executions/execution-waiter.js';
import { createLogger } from '../src/index.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const terminateListeners = () =>
  server.weft.database.pool.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
      where pid <> pg_backend_pid() and datname = current_database() and query ilike $1`,
    [`%listen ${executionFinishedChannel}%`],
  );

describe('execution waiter', () => {
  it('reconnects after its connection is terminated and still hears finished executions', async () => {
    const waiter = await startExecutionWaiter(
      server.weft.database.pool,
      server.weft.database.db,
      createLogger('silent'),
    );
    try {
      const terminated = await terminateListeners();
      expect(terminated.rowCount).toBeGreaterThan(0);
      // The notification is sent until the new connection hears it (reconnects after about a second).
      const id = '00000000-0000-4000-8000-00000000abcd';
      const heard = waiter.wait(id, 8000);
      const sender = setInterval(() => {
        void server.weft.database.pool.query('select pg_notify($1, $2)', [executionFinishedChannel, id]);
      }, 200);
      try {
        expect(await heard).toBe(true);
      } finally {
        clearInterval(sender);
      }
    } finally {
      await waiter.close();
    }
  });

  it('a connection terminated after close goes back to the pool without crashing the process', async () => {
    // A pool of its own, named, with one connection: nothing else can reuse the released connection before it is
    // terminated (the server's pool is busy with its worker and scheduler).
    const pool = new pg.Pool({
      connectionString: server.databaseUrl,
      max: 1,
      application_name: 'waiter-close-test',
    });
    const poolErrors: Error[] = [];
    pool.on('error', (error) => poolErrors.push(error)); // what pg-pool reports for an idle connection that dies
    const waiter = await startExecutionWaiter(pool, server.weft.database.db, createLogger('silent'));
    const crashes: Error[] = [];
    const onCrash = (error: Error) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    try {
      await waiter.close();
      const terminated = await server.weft.database.pool.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'waiter-close-test'`,
      );
      expect(terminated.rowCount).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(crashes).toEqual([]);
      expect(poolErrors).toHaveLength(1);
      // The pool dropped the dead connection and serves a new one.
      const alive = await pool.query('select 1 as one');
      expect(alive.rows).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onCrash);
      await pool.end();
    }
  });
});
