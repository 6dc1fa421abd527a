import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { MasterKey, MasterKeys } from './master-key.js';
import { openEnvelope, parseEnvelope, SecretBoxError, seal } from './secret-box.js';

/**
 * Envelope encryption: values are sealed with a data key; data keys are stored in `encryption_keys`, wrapped under
 * the master key. So a rotation of the data key needs no restart (every process finds the new key in the database),
 * and a new master key only rewraps a handful of rows.
 *
 * Opening the keyring is the start-up self-test: every stored data key must unwrap under a master key this process
 * has, or Weft refuses to start, naming the key ids, before it writes anything.
 */
export class Keyring {
  private readonly dataKeys = new Map<string, Buffer>();

  private constructor(
    private readonly db: Kysely<Database>,
    readonly masterKeys: MasterKeys,
    private readonly log: Logger,
  ) {}

  static async open(db: Kysely<Database>, masterKeys: MasterKeys, log: Logger): Promise<Keyring> {
    const keyring = new Keyring(db, masterKeys, log.child({ component: 'keyring' }));
    await keyring.reload();
    if (keyring.dataKeys.size === 0) await keyring.createFirstDataKey();
    return keyring;
  }

  get masterKeyId(): string {
    return this.masterKeys.current.id;
  }

  /** Reads and unwraps every data key; throws ENCRYPTION_KEY_MISMATCH when one cannot be unwrapped. */
  async reload(): Promise<void> {
    const rows = await this.db.selectFrom('encryption_keys').selectAll().orderBy('created_at').execute();
    for (const row of rows) {
      if (this.dataKeys.has(row.id)) continue;
      this.dataKeys.set(row.id, this.unwrap(row));
    }
  }

  private unwrap(row: { id: string; wrapped_key: string; master_key_id: string }): Buffer {
    const master = this.masterKeyById(row.master_key_id);
    const known = [this.masterKeys.current, ...this.masterKeys.previous].map((key) => key.id);
    if (!master) {
      throw new WeftError(
        'ENCRYPTION_KEY_MISMATCH',
        `This database's credentials are encrypted under master key ${row.master_key_id}, but this process has ${known.join(', ')} (WEFT_ENCRYPTION_KEY${this.masterKeys.file ? `, or the key file ${this.masterKeys.file}` : ''}). Start it with the key this database was set up with; nothing was changed.`,
        { expectedMasterKeyId: row.master_key_id, configuredMasterKeyIds: known, dataKeyId: row.id },
      );
    }
    try {
      const key = openEnvelope(master.key, parseEnvelope(row.wrapped_key), wrapContext(row.id));
      if (key.length !== 32) throw new SecretBoxError('malformed', 'wrong key length');
      return key;
    } catch {
      throw new WeftError(
        'ENCRYPTION_KEY_MISMATCH',
        `Data key ${row.id} does not unwrap under master key ${master.id}: the stored key was altered. Restore the database from a backup; nothing was changed.`,
        { expectedMasterKeyId: row.master_key_id, dataKeyId: row.id },
      );
    }
  }

  private masterKeyById(id: string): MasterKey | undefined {
    return [this.masterKeys.current, ...this.masterKeys.previous].find((key) => key.id === id);
  }

  private async createFirstDataKey(): Promise<void> {
    const { id, wrapped } = this.newDataKey();
    try {
      await this.db
        .insertInto('encryption_keys')
        .values({ id, wrapped_key: wrapped.wrapped_key, master_key_id: this.masterKeyId, state: 'active' })
        .execute();
      this.log.info(
        { dataKeyId: id, masterKeyId: this.masterKeyId },
        'created the first data encryption key',
      );
    } catch (error) {
      // Another process starting at the same moment created it: use theirs.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
    await this.reload();
  }

  /** A fresh data key wrapped under the current master key (not stored). */
  newDataKey(): { id: string; key: Buffer; wrapped: { wrapped_key: string } } {
    const id = `dk_${crypto.randomBytes(6).toString('hex')}`;
    const key = crypto.randomBytes(32);
    return { id, key, wrapped: { wrapped_key: this.wrap(id, key) } };
  }

  /** Wraps a data key under the current master key. */
  wrap(dataKeyId: string, key: Buffer): string {
    return seal(this.masterKeys.current.key, this.masterKeys.current.id, key, wrapContext(dataKeyId));
  }

  /** The raw bytes of a data key this process knows (after `reload`). */
  dataKey(id: string): Buffer | undefined {
    return this.dataKeys.get(id);
  }

  /**
   * Seals a JSON value under the active data key. The active key is read at every seal (an indexed one-row read;
   * sealing happens when credentials change, not per execution), so a rotation started by another process takes
   * effect here at once.
   */
  async seal(value: unknown, associatedData: string): Promise<string> {
    const active = await this.db
      .selectFrom('encryption_keys')
      .select('id')
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (!active) throw new Error('no active data encryption key');
    if (!this.dataKeys.has(active.id)) await this.reload();
    const key = this.dataKeys.get(active.id);
    if (!key) throw new Error(`data key ${active.id} is not loaded`);
    return seal(key, active.id, Buffer.from(JSON.stringify(value), 'utf8'), associatedData);
  }

  /** Opens a sealed JSON value; SECRET_UNREADABLE when it was altered, moved, or its key is gone. */
  async open<T = unknown>(text: string, associatedData: string, what = 'a stored credential'): Promise<T> {
    let envelope: ReturnType<typeof parseEnvelope>;
    try {
      envelope = parseEnvelope(text);
    } catch (error) {
      throw unreadable(what, (error as Error).message);
    }
    if (!this.dataKeys.has(envelope.keyId)) await this.reload();
    const key = this.dataKeys.get(envelope.keyId);
    if (!key) throw unreadable(what, `its data key ${envelope.keyId} is not in this database`);
    try {
      return JSON.parse(openEnvelope(key, envelope, associatedData).toString('utf8')) as T;
    } catch (error) {
      throw unreadable(what, (error as Error).message);
    }
  }
}

/** The associated data of a wrapped data key: a wrapped key cannot be passed off as another. */
function wrapContext(dataKeyId: string): string {
  return `encryption_keys.wrapped_key:${dataKeyId}`;
}

function unreadable(what: string, reason: string): WeftError {
  return new WeftError('SECRET_UNREADABLE', `${what} could not be decrypted: ${reason}.`, { reason });
}
