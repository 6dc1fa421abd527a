import { setTimeout as delay } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import type { Keyring } from './keyring.js';
import { envelopeKeyId } from './secret-box.js';
import { type SecretColumn, secretColumns, secretContext } from './secret-columns.js';

/**
 * `weft keys:rotate`: a new data key becomes active, every data key is rewrapped under the current master key (so a
 * master key given in WEFT_ENCRYPTION_KEY, with the old one in WEFT_ENCRYPTION_PREVIOUS_KEYS, replaces it), every
 * sealed value is re-encrypted under the new data key, and data keys nothing refers to any more are deleted.
 *
 * No downtime: each value is re-encrypted in its own short transaction under a row lock, so executions and API
 * calls go on reading (old and new values both open) and writing (every seal uses the active key, read at seal
 * time) while it runs. A value sealed under an old key by a writer that raced the switch is caught by a second
 * sweep; a data key still referenced is never deleted.
 */
export interface RotationReport {
  newDataKeyId: string;
  masterKeyId: string;
  /** Data keys rewrapped because they were under another master key. */
  rewrappedDataKeys: number;
  reEncryptedValues: number;
  removedDataKeyIds: string[];
  /** Data keys still referenced after the sweeps (kept; run the rotation again). */
  remainingDataKeyIds: string[];
  /** Values that did not decrypt (altered): left as they are, named so they can be set again. */
  unreadableValues: Array<{ table: string; column: string; id: string }>;
}

const batchSize = 100;

export async function rotateEncryptionKeys(
  db: Kysely<Database>,
  keyring: Keyring,
  log: Logger,
  options: { settleMs?: number; onProgress?: (message: string) => void } = {},
): Promise<RotationReport> {
  const progress = options.onProgress ?? (() => {});
  const fresh = keyring.newDataKey();
  await db.transaction().execute(async (trx) => {
    // One rotation at a time: a second one waits for the first to commit its switch.
    await sql`select pg_advisory_xact_lock(hashtext('weft:keys:rotate'))`.execute(trx);
    await trx
      .updateTable('encryption_keys')
      .set({ state: 'decrypt_only' })
      .where('state', '=', 'active')
      .execute();
    await trx
      .insertInto('encryption_keys')
      .values({
        id: fresh.id,
        wrapped_key: fresh.wrapped.wrapped_key,
        master_key_id: keyring.masterKeyId,
        state: 'active',
      })
      .execute();
  });
  await keyring.reload();
  progress(`data key ${fresh.id} is active`);

  const older = await db
    .selectFrom('encryption_keys')
    .select(['id', 'master_key_id'])
    .where('id', '<>', fresh.id)
    .execute();
  let rewrapped = 0;
  for (const row of older) {
    if (row.master_key_id === keyring.masterKeyId) continue;
    const key = keyring.dataKey(row.id);
    if (!key) continue;
    await db
      .updateTable('encryption_keys')
      .set({ wrapped_key: keyring.wrap(row.id, key), master_key_id: keyring.masterKeyId })
      .where('id', '=', row.id)
      .execute();
    rewrapped += 1;
  }

  const unreadable = new Map<string, { table: string; column: string; id: string }>();
  let reEncrypted = await sweep(db, keyring, fresh.id, progress, unreadable);
  // Writers that read the old active key just before the switch may have sealed with it since: sweep once more.
  await delay(options.settleMs ?? 1000);
  reEncrypted += await sweep(db, keyring, fresh.id, progress, unreadable);

  const removed: string[] = [];
  const remaining: string[] = [];
  for (const row of older) {
    if (await isReferenced(db, row.id)) {
      remaining.push(row.id);
      continue;
    }
    await db
      .deleteFrom('encryption_keys')
      .where('id', '=', row.id)
      .where('state', '=', 'decrypt_only')
      .execute();
    removed.push(row.id);
  }
  const report = {
    newDataKeyId: fresh.id,
    masterKeyId: keyring.masterKeyId,
    rewrappedDataKeys: rewrapped,
    reEncryptedValues: reEncrypted,
    removedDataKeyIds: removed,
    remainingDataKeyIds: remaining,
    unreadableValues: [...unreadable.values()],
  };
  log.info(report, 'encryption keys rotated');
  return report;
}

/** Re-encrypts every value not yet under `dataKeyId`, column by column, a batch of rows at a time. */
async function sweep(
  db: Kysely<Database>,
  keyring: Keyring,
  dataKeyId: string,
  progress: (message: string) => void,
  unreadable: Map<string, { table: string; column: string; id: string }>,
): Promise<number> {
  let total = 0;
  for (const column of secretColumns) {
    let done = 0;
    const skipped = () =>
      [...unreadable.values()]
        .filter((v) => v.table === column.table && v.column === column.column)
        .map((v) => v.id);
    for (;;) {
      const ids = await staleRowIds(db, column, dataKeyId, skipped());
      if (ids.length === 0) break;
      for (const id of ids) {
        try {
          done += await reEncryptRow(db, keyring, column, id, dataKeyId);
        } catch (error) {
          if ((error as { code?: string }).code !== 'SECRET_UNREADABLE') throw error;
          unreadable.set(`${column.table}.${column.column}:${id}`, {
            table: column.table,
            column: column.column,
            id,
          });
          progress(
            `${column.table}.${column.column} ${id} does not decrypt (altered?): left as it is; set it again`,
          );
        }
      }
      if (ids.length < batchSize) break;
    }
    if (done > 0) progress(`${column.table}.${column.column}: ${done} value(s) re-encrypted`);
    total += done;
  }
  return total;
}

function currentPrefix(dataKeyId: string): string {
  return `v1.${dataKeyId}.%`;
}

async function staleRowIds(
  db: Kysely<Database>,
  column: SecretColumn,
  dataKeyId: string,
  skip: string[],
): Promise<string[]> {
  const value = sql.ref(column.column);
  const condition = column.array
    ? sql`exists (select 1 from unnest(${value}) as sealed where sealed not like ${currentPrefix(dataKeyId)})`
    : sql`${value} is not null and ${value} not like ${currentPrefix(dataKeyId)}`;
  const { rows } = await sql<{ id: string }>`
    select ${sql.raw(column.idSql)} as id from ${sql.table(column.table)}
    where ${condition} and not (${sql.raw(column.idSql)} = any(${skip}::text[])) limit ${batchSize}`.execute(
    db,
  );
  return rows.map((row) => row.id);
}

async function reEncryptRow(
  db: Kysely<Database>,
  keyring: Keyring,
  column: SecretColumn,
  id: string,
  dataKeyId: string,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const where = sql`${sql.raw(column.idSql)} = ${id}`;
    const { rows } = await sql<{ value: string | string[] | null }>`
      select ${sql.ref(column.column)} as value from ${sql.table(column.table)} where ${where} for update`.execute(
      trx,
    );
    const current = rows[0]?.value;
    if (current === null || current === undefined) return 0;
    const context = secretContext(column.table, column.column, id);
    const reseal = async (text: string) =>
      envelopeKeyId(text) === dataKeyId ? text : keyring.seal(await keyring.open(text, context), context);
    const next = Array.isArray(current) ? await Promise.all(current.map(reseal)) : await reseal(current);
    await sql`update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${next} where ${where}`.execute(
      trx,
    );
    return Array.isArray(current) ? current.filter((text) => envelopeKeyId(text) !== dataKeyId).length : 1;
  });
}

async function isReferenced(db: Kysely<Database>, dataKeyId: string): Promise<boolean> {
  for (const column of secretColumns) {
    const value = sql.ref(column.column);
    const prefix = currentPrefix(dataKeyId);
    const condition = column.array
      ? sql`exists (select 1 from unnest(${value}) as sealed where sealed like ${prefix})`
      : sql`${value} like ${prefix}`;
    const { rows } = await sql`select 1 from ${sql.table(column.table)} where ${condition} limit 1`.execute(
      db,
    );
    if (rows.length > 0) return true;
  }
  return false;
}

/** Per data key: its state and how many sealed values refer to it (for `weft keys:list`). */
export async function describeEncryptionKeys(
  db: Kysely<Database>,
): Promise<Array<{ id: string; state: string; masterKeyId: string; createdAt: Date; values: number }>> {
  const keys = await db.selectFrom('encryption_keys').selectAll().orderBy('created_at').execute();
  const counts = new Map<string, number>();
  for (const column of secretColumns) {
    const value = sql.ref(column.column);
    const source = column.array
      ? sql`select split_part(sealed, '.', 2) as key_id from ${sql.table(column.table)}, unnest(${value}) as sealed`
      : sql`select split_part(${value}, '.', 2) as key_id from ${sql.table(column.table)} where ${value} is not null`;
    const { rows } = await sql<{ key_id: string; count: number }>`
      select key_id, count(*)::int as count from (${source}) as sealed_values group by key_id`.execute(db);
    for (const row of rows) counts.set(row.key_id, (counts.get(row.key_id) ?? 0) + row.count);
  }
  return keys.map((key) => ({
    id: key.id,
    state: key.state,
    masterKeyId: key.master_key_id,
    createdAt: key.created_at,
    values: counts.get(key.id) ?? 0,
  }));
}
