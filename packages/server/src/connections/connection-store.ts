import { randomUUID } from 'node:crypto';
import { containsPrivateKey } from '@weft/definition';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { isUuid } from '../database/ids.js';
import type {
  ConnectionStatus,
  ConnectionsTable,
  Database,
  ScopedConnectionKind,
  ScopedConnectionsTable,
} from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { type ConnectionDefinition, isSecretInput } from './connection-definitions.js';
import type { ConnectionCredentials } from './connection-schemas.js';
import type { TokenSet } from './oauth2-client.js';

/**
 * Stored credentials. Input values and tokens are sealed (AES-256-GCM, see secrets/) with the row id as associated
 * data; everything else on the row (status, expiry, bookkeeping) is plain so the API and alerting can read it
 * without decrypting.
 */
export type ConnectionRow = Selectable<ConnectionsTable>;
/** An integration-agnostic connection (`/api/connections`); its credentials are `connections` rows. */
export type ScopedRow = Selectable<ScopedConnectionsTable>;
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

const isInputValue = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** What the API shows of a connection: secrets masked, the token only as facts about it. */
export async function connectionView(
  keyring: Keyring,
  row: ConnectionRow,
  definition: ConnectionDefinition | undefined,
): Promise<ConnectionCredentials> {
  const secretKeys = new Set(definition?.inputs.filter(isSecretInput).map((input) => input.key) ?? []);
  const fields: ConnectionCredentials['fields'] = {};
  let token: TokenSet | undefined;
  let unreadable = false;
  try {
    const stored = await openFields(keyring, row);
    for (const [name, value] of Object.entries(stored)) {
      // Without its definition (a component gone), nothing can be told safe: everything is masked. Key material
      // is a secret whatever input holds it (a private key in a `text` input). Inputs are stored as text, numbers
      // or booleans (connectionFields): anything else cannot be told safe either.
      fields[name] =
        !definition || secretKeys.has(name) || !isInputValue(value) || containsPrivateKey(value)
          ? maskedValue
          : value;
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

// Integration-agnostic connections and the credentials rows they hold.

export async function findScopedRow(
  db: Db,
  orgId: string,
  idOrStableKey: string,
): Promise<ScopedRow | undefined> {
  return db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      isUuid(idOrStableKey) ? eb('id', '=', idOrStableKey) : eb('stable_key', '=', idOrStableKey),
    )
    .executeTakeFirst();
}

export async function scopedRowByStableKey(
  db: Db,
  orgId: string,
  stableKey: string,
): Promise<ScopedRow | undefined> {
  return db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('stable_key', '=', stableKey)
    .executeTakeFirst();
}

export async function listScopedRows(db: Db, orgId: string): Promise<ScopedRow[]> {
  return db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('stable_key')
    .execute();
}

/** Inserts a scoped connection; a taken stable key fails with the database's unique violation (23505). */
export async function insertScopedRow(
  db: Db,
  row: {
    orgId: string;
    stableKey: string;
    kind: ScopedConnectionKind;
    name: string;
    description: string;
    component: string;
    connection: string;
  },
): Promise<ScopedRow> {
  return db
    .insertInto('scoped_connections')
    .values({
      org_id: row.orgId,
      stable_key: row.stableKey,
      kind: row.kind,
      name: row.name,
      description: row.description,
      component_key: row.component,
      connection_key: row.connection,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateScopedRow(
  db: Db,
  id: string,
  changes: { name?: string; description?: string },
): Promise<ScopedRow> {
  return db
    .updateTable('scoped_connections')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes a scoped connection; its credentials rows go with it (foreign key cascade). */
export async function deleteScopedRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('scoped_connections').where('id', '=', id).execute();
}

/** The credentials row of a scoped connection for a customer, or its global one (customer null). */
export async function scopedCredentialsRowOf(
  db: Db,
  scopedId: string,
  customerId: string | null,
): Promise<ConnectionRow | undefined> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('scoped_connection_id', '=', scopedId)
    .where((eb) => (customerId ? eb('customer_id', '=', customerId) : eb('customer_id', 'is', null)))
    .executeTakeFirst();
}

/** How many customers have credentials for a scoped connection. */
export async function customerCredentialsCount(db: Db, scopedId: string): Promise<number> {
  const count = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('scoped_connection_id', '=', scopedId)
    .where('customer_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(count.count);
}

/** Every customer's credentials of a scoped connection, with the customer's name and external id, by name. */
export async function customerCredentialsRows(db: Db, scopedId: string) {
  return db
    .selectFrom('connections as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .selectAll('c')
    .select(['cu.name as customer_name', 'cu.external_id as customer_external_id'])
    .where('c.scoped_connection_id', '=', scopedId)
    .orderBy('cu.name')
    .execute();
}

/** Deletes one customer's credentials of a scoped connection; answers how many rows went (0 or 1). */
export async function deleteCustomerCredentialsRow(
  db: Db,
  scopedId: string,
  customerId: string,
): Promise<number> {
  const deleted = await db
    .deleteFrom('connections')
    .where('scoped_connection_id', '=', scopedId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

// Instances' connection config variables.

/** An instance of the organization with what its version defines; undefined when there is none (or no UUID). */
export async function instanceWithVersion(db: Db, orgId: string, instanceId: string) {
  if (!isUuid(instanceId)) return undefined;
  return db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .select(['n.id', 'n.customer_id', 'v.definition', 'v.component_manifest'])
    .where('n.org_id', '=', orgId)
    .where('n.id', '=', instanceId)
    .executeTakeFirst();
}

/** The credentials row of an instance's connection config variable (by its stable key). */
export async function instanceCredentialsRow(
  db: Db,
  instanceId: string,
  configVarStableKey: string,
): Promise<ConnectionRow | undefined> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .where('config_var_stable_key', '=', configVarStableKey)
    .executeTakeFirst();
}
