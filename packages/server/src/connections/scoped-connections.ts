import type { Kysely, Selectable } from 'kysely';
import { type CustomerRef, getCustomer } from '../customers/customer-store.js';
import type { Database, ScopedConnectionKind, ScopedConnectionsTable } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { isUuid } from '../integrations/integration-store.js';
import type { Keyring } from '../secrets/keyring.js';
import {
  type ConnectionDefinition,
  connectionFields,
  definitionOf,
  mergeInputs,
} from './connection-definitions.js';
import {
  type ConnectionRow,
  type ConnectionView,
  connectionView,
  openFields,
  saveConnection,
} from './connection-store.js';

/**
 * Integration-agnostic connections: defined once per organization under a stable key that definitions reference
 * (`useScopedConfigVar`). An org-activated global one holds one set of credentials for every customer; org-activated
 * customer and customer-activated ones hold a set per customer, reused by every instance of that customer.
 */
export interface ScopedConnection {
  id: string;
  stableKey: string;
  kind: ScopedConnectionKind;
  name: string;
  description: string;
  component: string;
  connection: string;
  /** Org-activated global connections: their credentials (masked). */
  credentials: ConnectionView | null;
  /** How many customers have credentials for it. */
  customerCount: number;
  createdAt: string;
  updatedAt: string;
}

type ScopedRow = Selectable<ScopedConnectionsTable>;

function checkedFields(
  definition: ConnectionDefinition,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const { fields, problems } = connectionFields(definition, given);
  if (problems.length > 0) {
    throw new WeftError(
      'CONNECTION_INPUTS_INVALID',
      `Connection ${definition.componentKey}/${definition.key}: ${problems.join('; ')}.`,
      { problems },
    );
  }
  return fields;
}

export async function findScoped(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
): Promise<ScopedRow> {
  const row = await db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      isUuid(idOrStableKey) ? eb('id', '=', idOrStableKey) : eb('stable_key', '=', idOrStableKey),
    )
    .executeTakeFirst();
  if (!row) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `No organization connection with id or stable key '${idOrStableKey}'.`,
    );
  }
  return row;
}

async function credentialsRow(db: Kysely<Database>, scopedId: string, customerId: string | null) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('scoped_connection_id', '=', scopedId)
    .where((eb) => (customerId ? eb('customer_id', '=', customerId) : eb('customer_id', 'is', null)))
    .executeTakeFirst();
}

export async function scopedView(
  db: Kysely<Database>,
  keyring: Keyring,
  row: ScopedRow,
): Promise<ScopedConnection> {
  const global = row.kind === 'org_global' ? await credentialsRow(db, row.id, null) : undefined;
  const count = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('scoped_connection_id', '=', row.id)
    .where('customer_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    stableKey: row.stable_key,
    kind: row.kind,
    name: row.name,
    description: row.description,
    component: row.component_key,
    connection: row.connection_key,
    credentials: global ? await connectionView(keyring, global, definitionOf(row)) : null,
    customerCount: Number(count.count),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface ScopedCreate {
  stableKey: string;
  kind: ScopedConnectionKind;
  name: string;
  description?: string;
  component: string;
  connection: string;
  values?: Record<string, unknown>;
}

export async function createScoped(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  body: ScopedCreate,
): Promise<ScopedConnection> {
  const definition = definitionOf({ component_key: body.component, connection_key: body.connection });
  if (body.values && body.kind !== 'org_global') {
    throw new WeftError(
      'CONNECTION_INPUTS_INVALID',
      `A ${body.kind} connection holds credentials per customer: set them with PUT /api/connections/{id}/customers/{customer}.`,
      { field: 'values' },
    );
  }
  const fields = body.kind === 'org_global' ? checkedFields(definition, body.values ?? {}) : undefined;
  const row = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('scoped_connections')
      .values({
        org_id: orgId,
        stable_key: body.stableKey,
        kind: body.kind,
        name: body.name,
        description: body.description ?? '',
        component_key: body.component,
        connection_key: body.connection,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: { code?: string }) => {
        if (error.code === '23505') {
          throw new WeftError(
            'CONNECTION_STABLE_KEY_TAKEN',
            `Your organization already has a connection with stable key '${body.stableKey}'.`,
            { field: 'stableKey' },
          );
        }
        throw error;
      });
    if (fields)
      await saveConnection(
        trx,
        keyring,
        { orgId, scopedConnectionId: inserted.id, customerId: null },
        definition,
        fields,
      );
    return inserted;
  });
  return scopedView(db, keyring, row);
}

/** Merges given input values over the stored ones and checks the result. */
async function mergedFields(
  keyring: Keyring,
  definition: ConnectionDefinition,
  existing: ConnectionRow | undefined,
  given: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const stored = existing ? await openFields(keyring, existing).catch(() => ({})) : {};
  return checkedFields(definition, mergeInputs(definition, stored, given));
}

export async function updateScoped(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  idOrStableKey: string,
  body: { name?: string; description?: string; values?: Record<string, unknown> },
): Promise<ScopedConnection> {
  const row = await findScoped(db, orgId, idOrStableKey);
  if (body.values && row.kind !== 'org_global') {
    throw new WeftError(
      'CONNECTION_INPUTS_INVALID',
      `A ${row.kind} connection holds credentials per customer: set them with PUT /api/connections/${row.stable_key}/customers/{customer}.`,
      { field: 'values' },
    );
  }
  const definition = definitionOf(row);
  if (body.values) {
    const fields = await mergedFields(
      keyring,
      definition,
      await credentialsRow(db, row.id, null),
      body.values,
    );
    await saveConnection(
      db,
      keyring,
      { orgId, scopedConnectionId: row.id, customerId: null },
      definition,
      fields,
    );
  }
  const updated = await db
    .updateTable('scoped_connections')
    .set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return scopedView(db, keyring, updated);
}

export async function deleteScoped(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
): Promise<void> {
  const row = await findScoped(db, orgId, idOrStableKey);
  await db.deleteFrom('scoped_connections').where('id', '=', row.id).execute();
}

export interface CustomerConnection {
  customer: { id: string; externalId: string | null; name: string };
  credentials: ConnectionView;
}

export async function setCustomerCredentials(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  idOrStableKey: string,
  customerRef: CustomerRef,
  values: Record<string, unknown>,
): Promise<CustomerConnection> {
  const row = await findScoped(db, orgId, idOrStableKey);
  if (row.kind === 'org_global') {
    throw new WeftError(
      'CONNECTION_INPUTS_INVALID',
      `'${row.stable_key}' is an org-activated global connection: one set of credentials for every customer; set them with PATCH /api/connections/${row.stable_key}.`,
      { field: 'customer' },
    );
  }
  const customer = await getCustomer(db, orgId, customerRef);
  const definition = definitionOf(row);
  const fields = await mergedFields(
    keyring,
    definition,
    await credentialsRow(db, row.id, customer.id),
    values,
  );
  await saveConnection(
    db,
    keyring,
    { orgId, scopedConnectionId: row.id, customerId: customer.id },
    definition,
    fields,
  );
  return customerCredentials(db, keyring, row, customer);
}

async function customerCredentials(
  db: Kysely<Database>,
  keyring: Keyring,
  row: ScopedRow,
  customer: { id: string; externalId: string | null; name: string },
): Promise<CustomerConnection> {
  const credentials = await credentialsRow(db, row.id, customer.id);
  if (!credentials) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Customer '${customer.name}' has no credentials for connection '${row.stable_key}'.`,
    );
  }
  return {
    customer: { id: customer.id, externalId: customer.externalId, name: customer.name },
    credentials: await connectionView(keyring, credentials, definitionOf(row)),
  };
}

export async function listCustomerCredentials(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  idOrStableKey: string,
): Promise<CustomerConnection[]> {
  const row = await findScoped(db, orgId, idOrStableKey);
  const rows = await db
    .selectFrom('connections as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .selectAll('c')
    .select(['cu.name as customer_name', 'cu.external_id as customer_external_id'])
    .where('c.scoped_connection_id', '=', row.id)
    .orderBy('cu.name')
    .execute();
  const definition = definitionOf(row);
  return Promise.all(
    rows.map(async (credentials) => ({
      customer: {
        id: credentials.customer_id ?? '',
        externalId: credentials.customer_external_id,
        name: credentials.customer_name,
      },
      credentials: await connectionView(keyring, credentials, definition),
    })),
  );
}

export async function deleteCustomerCredentials(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
  customerRef: CustomerRef,
): Promise<void> {
  const row = await findScoped(db, orgId, idOrStableKey);
  const customer = await getCustomer(db, orgId, customerRef);
  const deleted = await db
    .deleteFrom('connections')
    .where('scoped_connection_id', '=', row.id)
    .where('customer_id', '=', customer.id)
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Customer '${customer.name}' has no credentials for connection '${row.stable_key}'.`,
    );
  }
}

/** The credentials row a scoped connection uses for a customer (or its global one). */
export async function scopedCredentialsRow(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
  customerRef: CustomerRef | undefined,
): Promise<{ scoped: ScopedRow; row: ConnectionRow }> {
  const scoped = await findScoped(db, orgId, idOrStableKey);
  const customerId =
    scoped.kind === 'org_global' || !customerRef ? null : (await getCustomer(db, orgId, customerRef)).id;
  if (scoped.kind !== 'org_global' && !customerId) {
    throw new WeftError(
      'CONNECTION_INPUTS_INVALID',
      `'${scoped.stable_key}' holds credentials per customer: name the customer.`,
      { field: 'customer' },
    );
  }
  const row = await credentialsRow(db, scoped.id, customerId);
  if (!row)
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Connection '${scoped.stable_key}' has no credentials${customerId ? ' for this customer' : ''} yet.`,
    );
  return { scoped, row };
}
