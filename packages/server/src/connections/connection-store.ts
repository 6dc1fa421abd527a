import { randomUUID } from 'node:crypto';
import { containsPrivateKey } from '@weft/definition';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ConnectionStatus, ConnectionsTable, Database } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { type ConnectionDefinition, isSecretInput } from './connection-definitions.js';
import type { TokenSet } from './oauth2-client.js';

/**
 * Stored credentials. Input values and tokens are sealed (AES-256-GCM, see secrets/) with the row id as associated
 * data; everything else on the row (status, expiry, bookkeeping) is plain so the API and alerting can read it
 * without decrypting.
 */
export type ConnectionRow = Selectable<ConnectionsTable>;
type Db = Kysely<Database> | Transaction<Database>;

export const maskedValue = '********';

export const fieldsContext = (id: string) => secretContext('connections', 'fields_secret', id);
export const tokenContext = (id: string) => secretContext('connections', 'token_secret', id);

export async function openFields(keyring: Keyring, row: Pick<ConnectionRow, 'id' | 'fields_secret'>) {
  return keyring.open<Record<string, unknown>>(
    row.fields_secret,
    fieldsContext(row.id),
    `connection ${row.id}'s inputs`,
  );
}

export async function openToken(
  keyring: Keyring,
  row: Pick<ConnectionRow, 'id' | 'token_secret'>,
): Promise<TokenSet | undefined> {
  if (row.token_secret === null) return undefined;
  return keyring.open<TokenSet>(row.token_secret, tokenContext(row.id), `connection ${row.id}'s token`);
}

export function tokenExpiry(token: TokenSet | undefined): Date | null {
  if (!token?.expires_at) return null;
  const time = Date.parse(token.expires_at);
  return Number.isFinite(time) ? new Date(time) : null;
}

/** The status a connection starts in once its inputs are (re)set. */
export function initialStatus(definition: ConnectionDefinition): ConnectionStatus {
  return definition.oauth2Type === 'authorization_code' ? 'pending_authorization' : 'configured';
}

/** Inputs that, when changed, make an existing token meaningless (another app, account or provider). */
const tokenBindingInputs = ['clientId', 'authorizeUrl', 'tokenUrl', 'scopes'];

export interface ConnectionHolder {
  orgId: string;
  instanceId?: string;
  configVarStableKey?: string;
  scopedConnectionId?: string;
  customerId?: string | null;
}

/**
 * Creates or replaces the input values of the connection a holder has (an instance's config variable, a scoped
 * connection, one customer's). The token is kept unless an input it was issued for changed. Answers the row id.
 */
export async function saveConnection(
  db: Db,
  keyring: Keyring,
  holder: ConnectionHolder,
  definition: ConnectionDefinition,
  fields: Record<string, unknown>,
): Promise<string> {
  const inTransaction = <T>(work: (trx: Db) => Promise<T>) =>
    db.isTransaction ? work(db) : db.transaction().execute(work);
  return inTransaction(async (trx) => {
    let query = trx.selectFrom('connections').selectAll().where('org_id', '=', holder.orgId);
    query = holder.instanceId
      ? query
          .where('instance_id', '=', holder.instanceId)
          .where('config_var_stable_key', '=', holder.configVarStableKey ?? '')
      : query
          .where('scoped_connection_id', '=', holder.scopedConnectionId ?? '')
          .where((eb) =>
            holder.customerId ? eb('customer_id', '=', holder.customerId) : eb('customer_id', 'is', null),
          );
    const existing = await query.forUpdate().executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    const sealed = await keyring.seal(fields, fieldsContext(id));
    if (!existing) {
      await trx
        .insertInto('connections')
        .values({
          id,
          org_id: holder.orgId,
          instance_id: holder.instanceId ?? null,
          config_var_stable_key: holder.configVarStableKey ?? null,
          scoped_connection_id: holder.scopedConnectionId ?? null,
          customer_id: holder.customerId ?? null,
          component_key: definition.componentKey,
          connection_key: definition.key,
          fields_secret: sealed,
          status: initialStatus(definition),
        })
        .execute();
      return id;
    }
    const before = await openFields(keyring, existing).catch(() => ({}) as Record<string, unknown>);
    const sameDefinition =
      existing.component_key === definition.componentKey && existing.connection_key === definition.key;
    const keepToken =
      sameDefinition &&
      existing.token_secret !== null &&
      tokenBindingInputs.every((name) => before[name] === fields[name]);
    await trx
      .updateTable('connections')
      .set({
        component_key: definition.componentKey,
        connection_key: definition.key,
        fields_secret: sealed,
        updated_at: new Date(),
        ...(keepToken
          ? existing.status === 'error'
            ? {
                status: 'connected',
                status_message: null,
                status_changed_at: new Date(),
                refresh_failures: 0,
              }
            : {}
          : {
              token_secret: null,
              token_expires_at: null,
              status: initialStatus(definition),
              status_message: null,
              status_changed_at: new Date(),
              refresh_failures: 0,
            }),
      })
      .where('id', '=', id)
      .execute();
    return id;
  });
}

/** Stores a token obtained or refreshed, in the caller's transaction (the refresh holds the row lock). */
export async function storeToken(db: Db, keyring: Keyring, id: string, token: TokenSet): Promise<void> {
  await db
    .updateTable('connections')
    .set({
      token_secret: await keyring.seal(token, tokenContext(id)),
      token_expires_at: tokenExpiry(token),
      status: 'connected',
      status_message: null,
      status_changed_at: new Date(),
      refresh_failures: 0,
      refreshed_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** Puts a connection in the error state (alerting watches it) with a message that names what to do. */
export async function markConnectionFailed(db: Db, id: string, message: string): Promise<void> {
  await db
    .updateTable('connections')
    .set({
      status: 'error',
      status_message: message.slice(0, 2000),
      status_changed_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** What the API shows of a connection: secrets masked, the token only as facts about it. */
export interface ConnectionView {
  id: string;
  component: string;
  connection: string;
  status: ConnectionStatus;
  statusMessage: string | null;
  statusChangedAt: string;
  fields: Record<string, unknown>;
  token: { present: boolean; expiresAt: string | null; scope?: string; tokenType?: string };
  refreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export async function connectionView(
  keyring: Keyring,
  row: ConnectionRow,
  definition: ConnectionDefinition | undefined,
): Promise<ConnectionView> {
  const secretKeys = new Set(definition?.inputs.filter(isSecretInput).map((input) => input.key) ?? []);
  const fields: Record<string, unknown> = {};
  let token: TokenSet | undefined;
  let unreadable = false;
  try {
    const stored = await openFields(keyring, row);
    for (const [name, value] of Object.entries(stored)) {
      // Without its definition (a component gone), nothing can be told safe: everything is masked. Key material
      // is a secret whatever input holds it (a private key in a `text` input).
      fields[name] = !definition || secretKeys.has(name) || containsPrivateKey(value) ? maskedValue : value;
    }
    token = await openToken(keyring, row);
  } catch {
    // Unreadable values are shown as absent, and said to be unreadable.
    unreadable = true;
  }
  return {
    id: row.id,
    component: row.component_key,
    connection: row.connection_key,
    status: unreadable ? 'error' : row.status,
    statusMessage: unreadable
      ? 'the stored inputs or token could not be decrypted (altered, or sealed under a key this database no longer has); set them again'
      : row.status_message,
    statusChangedAt: row.status_changed_at.toISOString(),
    fields,
    token: {
      present: row.token_secret !== null,
      expiresAt: row.token_expires_at?.toISOString() ?? null,
      ...(typeof token?.scope === 'string' ? { scope: token.scope } : {}),
      ...(typeof token?.token_type === 'string' ? { tokenType: token.token_type } : {}),
    },
    refreshedAt: row.refreshed_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
