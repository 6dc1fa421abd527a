// Issue 2: migrations are versioned, safe when several processes run them at once, and a database migrated by a
// newer Weft is refused with a clear error.
import { describe, expect, it } from 'vitest';
import {
  connectDatabase,
  createLogger,
  migrateDatabase,
  pendingMigrations,
  WeftError,
} from '../src/index.js';
import { createTestDatabase } from './support/test-server.js';

const log = createLogger('silent');

describe('migrations', () => {
  it('applies every migration exactly once when several processes migrate at the same time', async () => {
    const url = await createTestDatabase();
    const handles = await Promise.all([1, 2, 3, 4].map(() => connectDatabase(url, log, 2)));
    try {
      const all = [
        '0001-organizations-tokens-customers',
        '0002-integrations',
        '0003-integration-list-indexes',
        '0004-instances',
        '0005-executions',
        '0006-deploy-triggers',
        '0007-connections',
        '0008-custom-components',
        '0009-shared-webhooks',
        '0010-trigger-responses',
        '0011-webhook-dedupe',
        '0012-retry-cancellation',
        '0013-execution-files',
        '0014-webhook-registrations',
        '0015-test-run-state',
        '0016-test-state-flag',
        '0017-people',
        '0018-embedding',
        '0019-published-by-user',
        '0020-monitoring',
      ];
      expect(await pendingMigrations(handles[0]!.db)).toEqual(all);
      const applied = await Promise.all(handles.map((h) => migrateDatabase(h.db, log)));
      expect(applied.flat()).toEqual(all);
      expect(await pendingMigrations(handles[0]!.db)).toEqual([]);
      const tables = await handles[0]!.pool.query(
        "select count(*)::int as n from information_schema.tables where table_name in ('organizations','api_tokens','customers')",
      );
      expect(tables.rows[0].n).toBe(3);
      expect(await migrateDatabase(handles[1]!.db, log)).toEqual([]);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it('refuses a database that ran a migration this version does not know', async () => {
    const url = await createTestDatabase();
    const handle = await connectDatabase(url, log, 2);
    try {
      await migrateDatabase(handle.db, log);
      await handle.pool.query(
        "insert into weft_migration (name, timestamp) values ('0099-from-the-future', now()::text)",
      );
      const error = await migrateDatabase(handle.db, log).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeftError);
      expect((error as WeftError).code).toBe('DATABASE_SCHEMA_NEWER');
      expect((error as WeftError).message).toContain('0099-from-the-future');
    } finally {
      await handle.close();
    }
  });

  it('says clearly when the database cannot be reached', async () => {
    const error = await connectDatabase('postgres://weft:wrong@127.0.0.1:1/weft', log).catch(
      (e: unknown) => e,
    );
    expect((error as WeftError).code).toBe('DATABASE_UNREACHABLE');
    expect((error as WeftError).message).toContain('127.0.0.1:1/weft');
    expect((error as WeftError).message).not.toContain('wrong');
  });
});
