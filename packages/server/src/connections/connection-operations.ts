import type { CatalogComponent, ConfigVar, Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import { connectionComponents } from '../components/component-store.js';
import { type CustomerRef, getCustomer } from '../customers/customer-store.js';
import type { Database } from '../database/schema.js';
import { instanceNotFound, WeftError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import {
  type ConnectionDefinition,
  connectionFields,
  definitionOf,
  findConnectionDefinition,
  mergeInputs,
} from './connection-definitions.js';
import type {
  Connection,
  ConnectionCreateBody,
  ConnectionUpdateBody,
  CustomerConnection,
  InstanceConnection,
} from './connection-schemas.js';
import {
  type ConnectionRow,
  connectionView,
  customerCredentialsCount,
  customerCredentialsRows,
  deleteCustomerCredentialsRow,
  deleteScopedRow,
  findScopedRow,
  insertScopedRow,
  instanceCredentialsRow,
  instanceWithVersion,
  listScopedRows,
  openFields,
  type ScopedRow,
  saveConnection,
  scopedCredentialsRowOf,
  scopedRowByStableKey,
  updateScopedRow,
} from './connection-store.js';

/**
 * What the connection routes do beyond SQL.
 *
 * Integration-agnostic connections: defined once per organization under a stable key that definitions reference
 * (`useScopedConfigVar`). An org-activated global one holds one set of credentials for every customer; org-activated
 * customer and customer-activated ones hold a set per customer, reused by every instance of that customer.
 *
 * Instances' connection config variables: where each one's credentials come from (the instance, or the
 * organization connection it uses) and their state.
 */

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
  const row = await findScopedRow(db, orgId, idOrStableKey);
  if (!row) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `No organization connection with id or stable key '${idOrStableKey}'.`,
    );
  }
  return row;
}

export async function scopedView(
  db: Kysely<Database>,
  keyring: Keyring,
  row: ScopedRow,
): Promise<Connection> {
  const global = row.kind === 'org_global' ? await scopedCredentialsRowOf(db, row.id, null) : undefined;
  const customerCount = await customerCredentialsCount(db, row.id);
  return {
    id: row.id,
    stableKey: row.stable_key,
    kind: row.kind,
    name: row.name,
    description: row.description,
    component: row.component_key,
    connection: row.connection_key,
    credentials: global ? await connectionView(keyring, global, definitionOf(row)) : null,
    customerCount,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The organization's connections, by stable key. */
export async function listScoped(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
): Promise<Connection[]> {
  const rows = await listScopedRows(db, orgId);
  return Promise.all(rows.map((row) => scopedView(db, keyring, row)));
}

export async function createScoped(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  body: ConnectionCreateBody,
): Promise<Connection> {
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
    const inserted = await insertScopedRow(trx, {
      orgId,
      stableKey: body.stableKey,
      kind: body.kind,
      name: body.name,
      description: body.description ?? '',
      component: body.component,
      connection: body.connection,
    }).catch((error: { code?: string }) => {
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
  body: ConnectionUpdateBody,
): Promise<Connection> {
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
      await scopedCredentialsRowOf(db, row.id, null),
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
  const updated = await updateScopedRow(db, row.id, body);
  return scopedView(db, keyring, updated);
}

export async function deleteScoped(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
): Promise<void> {
  const row = await findScoped(db, orgId, idOrStableKey);
  await deleteScopedRow(db, row.id);
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
    await scopedCredentialsRowOf(db, row.id, customer.id),
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
  const credentials = await scopedCredentialsRowOf(db, row.id, customer.id);
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
  const rows = await customerCredentialsRows(db, row.id);
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
  if ((await deleteCustomerCredentialsRow(db, row.id, customer.id)) === 0) {
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
  const row = await scopedCredentialsRowOf(db, scoped.id, customerId);
  if (!row)
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Connection '${scoped.stable_key}' has no credentials${customerId ? ' for this customer' : ''} yet.`,
    );
  return { scoped, row };
}

/** An instance's connection config variables, with what its version says about them. */
async function instanceConnectionVars(db: Kysely<Database>, orgId: string, instanceId: string) {
  const instance = await instanceWithVersion(db, orgId, instanceId);
  if (!instance) throw instanceNotFound(instanceId);
  const vars = ((instance.definition as Integration).configVars ?? []).filter(
    (v) => v.dataType === 'connection',
  );
  const components = await connectionComponents(
    db,
    orgId,
    instance.definition as Integration,
    (instance.component_manifest ?? null) as CatalogComponent | null,
  );
  return { instance, vars, components };
}

/** Every connection config variable of an instance: where its credentials come from, and their state. */
export async function listInstanceConnections(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  instanceId: string,
  audience: 'organization' | 'customer' = 'organization',
): Promise<InstanceConnection[]> {
  const { instance, vars, components } = await instanceConnectionVars(db, orgId, instanceId);
  const items: InstanceConnection[] = [];
  // Customers see neither the connections the organization keeps to itself nor the inputs it marks orgOnly
  // (its OAuth app's client id, endpoints...), as in the config wizard.
  const shown = audience === 'customer' ? vars.filter((configVar) => !configVar.orgOnly) : vars;
  const withoutOrgInputs = (configVar: ConfigVar, view: InstanceConnection['connection']) => {
    if (audience !== 'customer' || !view) return view;
    const hidden = Object.entries(configVar.inputs ?? {})
      .filter(([, input]) => input.meta?.orgOnly === true)
      .map(([name]) => name);
    return {
      ...view,
      fields: Object.fromEntries(Object.entries(view.fields).filter(([name]) => !hidden.includes(name))),
    };
  };
  for (const configVar of shown) {
    if (configVar.useScopedConfigVar) {
      const scoped = await scopedRowByStableKey(db, orgId, configVar.useScopedConfigVar);
      const row = scoped
        ? await scopedCredentialsRowOf(
            db,
            scoped.id,
            scoped.kind === 'org_global' ? null : instance.customer_id,
          )
        : undefined;
      items.push({
        configVar: configVar.key,
        stableKey: configVar.stableKey,
        source: scoped?.kind ?? 'missing',
        scopedConnection: configVar.useScopedConfigVar,
        connection: withoutOrgInputs(
          configVar,
          row && scoped ? await connectionView(keyring, row, definitionOf(scoped)) : null,
        ),
      });
      continue;
    }
    const row = await instanceCredentialsRow(db, instance.id, configVar.stableKey);
    const definition = row
      ? findConnectionDefinition(row.component_key, row.connection_key, components)
      : undefined;
    items.push({
      configVar: configVar.key,
      stableKey: configVar.stableKey,
      source: 'instance',
      connection: withoutOrgInputs(configVar, row ? await connectionView(keyring, row, definition) : null),
    });
  }
  return items;
}

/** The credentials row of one connection config variable of an instance (by key or stable key). */
export async function instanceConnection(
  db: Kysely<Database>,
  orgId: string,
  instanceId: string,
  configVar: string,
) {
  const { instance, vars, components } = await instanceConnectionVars(db, orgId, instanceId);
  const found = vars.find((v) => v.key === configVar || v.stableKey === configVar);
  if (!found) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `The instance has no connection config variable '${configVar}' (it has: ${vars.map((v) => v.key).join(', ') || 'none'}).`,
    );
  }
  const row = await instanceCredentialsRow(db, instance.id, found.stableKey);
  if (!row) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Connection '${found.key}' has no inputs on this instance yet: set them with weft instances:configure.`,
    );
  }
  return { row, configVar: found, manifest: components };
}
