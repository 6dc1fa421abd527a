import type { Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { findConnectionDefinition } from '../connections/connection-definitions.js';
import { deleteCustomerCredentials, setCustomerCredentials } from '../connections/connection-operations.js';
import {
  type ConnectionRow,
  type ScopedRow,
  scopedCredentialsRowOf,
} from '../connections/connection-store.js';
import type { CustomerSummary } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import type { SelfServiceConnection } from './marketplace-schemas.js';
import {
  type AuthorizationUrls,
  authorizeCredentials,
  connectionState,
  credentialsToAuthorize,
  inputsNotEditable,
} from './wizard-connections.js';

/**
 * Customer-activated connections, self-served (seed 003): the organization defines a connection once
 * (`kind: customer_activated`), each customer enters their own credentials (or goes through OAuth 2.0) and every
 * instance of theirs that uses it (`useScopedConfigVar`) runs with them. A customer user sees and changes only
 * their own customer's credentials, never a secret value.
 */

export interface SelfServiceDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
}

/** A customer-activated connection of the organization by id or stable key; CONNECTION_NOT_FOUND otherwise. */
async function customerActivated(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
): Promise<ScopedRow> {
  const row = await db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('kind', '=', 'customer_activated')
    .where((eb) =>
      isUuid(idOrStableKey)
        ? eb.or([eb('id', '=', idOrStableKey), eb('stable_key', '=', idOrStableKey)])
        : eb('stable_key', '=', idOrStableKey),
    )
    .executeTakeFirst();
  if (!row) {
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `No customer-activated connection with id or stable key '${idOrStableKey}' in your organization.`,
    );
  }
  return row;
}

/** Which of the customer's instances use which connections (their configured version's `useScopedConfigVar`). */
async function usage(db: Kysely<Database>, orgId: string, customerId: string) {
  const rows = await db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .innerJoin('integrations as i', 'i.id', 'n.integration_id')
    .select(['n.id', 'n.name', 'i.id as integration_id', 'i.name as integration_name', 'v.definition'])
    .where('n.org_id', '=', orgId)
    .where('n.customer_id', '=', customerId)
    .orderBy('n.created_at')
    .orderBy('n.id')
    .execute();
  const byStableKey = new Map<string, SelfServiceConnection['usedBy']>();
  for (const row of rows) {
    for (const configVar of (row.definition as Integration).configVars ?? []) {
      if (!configVar.useScopedConfigVar) continue;
      const list = byStableKey.get(configVar.useScopedConfigVar) ?? [];
      list.push({
        instanceId: row.id,
        instanceName: row.name,
        integration: { id: row.integration_id, name: row.integration_name },
        configVar: configVar.key,
      });
      byStableKey.set(configVar.useScopedConfigVar, list);
    }
  }
  return byStableKey;
}

/** The customer's credentials of each of `scoped`, by connection id, in one query. */
async function credentialsOf(
  db: Kysely<Database>,
  scoped: ScopedRow[],
  customerId: string,
): Promise<Map<string, ConnectionRow>> {
  if (scoped.length === 0) return new Map();
  const rows = await db
    .selectFrom('connections')
    .selectAll()
    .where(
      'scoped_connection_id',
      'in',
      scoped.map((row) => row.id),
    )
    .where('customer_id', '=', customerId)
    .execute();
  return new Map(rows.map((row) => [row.scoped_connection_id ?? '', row]));
}

/** A connection as the customer sees it; `credentials` are the customer's of it, when there are any. */
async function viewOf(
  deps: SelfServiceDeps,
  caller: Caller,
  row: ScopedRow,
  credentials: ConnectionRow | undefined,
  usedBy: SelfServiceConnection['usedBy'],
): Promise<SelfServiceConnection> {
  const definition = findConnectionDefinition(row.component_key, row.connection_key);
  const state = await connectionState(deps.keyring, definition, credentials, undefined, caller);
  return {
    id: row.id,
    stableKey: row.stable_key,
    name: row.name,
    description: row.description,
    component: row.component_key,
    connection: row.connection_key,
    ...state,
    updatedAt: credentials?.updated_at.toISOString() ?? null,
    usedBy,
  };
}

/** The organization's customer-activated connections, with the customer's state of each (none without a customer). */
export async function listSelfServiceConnections(
  deps: SelfServiceDeps,
  caller: Caller,
  customer: CustomerSummary | undefined,
): Promise<{ customer: CustomerSummary | null; items: SelfServiceConnection[] }> {
  const rows = await deps.db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .where('kind', '=', 'customer_activated')
    .orderBy('stable_key')
    .execute();
  const used = customer ? await usage(deps.db, caller.orgId, customer.id) : new Map();
  const credentials = customer ? await credentialsOf(deps.db, rows, customer.id) : new Map();
  const items = await Promise.all(
    rows.map((row) => viewOf(deps, caller, row, credentials.get(row.id), used.get(row.stable_key) ?? [])),
  );
  return { customer: customer ?? null, items };
}

export async function getSelfServiceConnection(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerSummary | undefined,
): Promise<SelfServiceConnection> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  const used = customer ? await usage(deps.db, caller.orgId, customer.id) : new Map();
  const credentials = customer ? await scopedCredentialsRowOf(deps.db, row.id, customer.id) : undefined;
  return viewOf(deps, caller, row, credentials, used.get(row.stable_key) ?? []);
}

/** Creates or updates the customer's credentials (merged into the stored ones; null removes an input). */
export async function setSelfServiceCredentials(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerSummary,
  values: Record<string, unknown>,
): Promise<SelfServiceConnection> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  const definition = findConnectionDefinition(row.component_key, row.connection_key);
  if (definition && caller.kind === 'customer') {
    const state = await connectionState(deps.keyring, definition, undefined, undefined, caller);
    const refused = inputsNotEditable(
      state.inputs,
      values,
      definition.inputs.map((input) => input.key),
    );
    if (refused.length > 0) {
      throw new WeftError(
        'CONNECTION_INPUTS_INVALID',
        `Connection '${row.name}': ${refused.map((key) => `'${key}'`).join(', ')} cannot be set by customer users.`,
        { problems: refused.map((key) => `'${key}' cannot be set by customer users`) },
      );
    }
  }
  await setCustomerCredentials(deps.db, deps.keyring, caller.orgId, row.id, { id: customer.id }, values);
  return getSelfServiceConnection(deps, caller, row.id, customer);
}

/** Starts (or restarts: re-authorize) the OAuth 2.0 authorization of the customer's credentials. */
export async function authorizeSelfService(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerSummary,
  urls: AuthorizationUrls,
): Promise<{ authorizeUrl: string; expiresAt: string; returnTo: string }> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  const credentials = await credentialsToAuthorize(deps, caller.orgId, row.id, customer.id);
  if (!credentials)
    throw new WeftError('CONNECTION_NOT_FOUND', `Connection '${row.name}' has no credentials.`);
  return authorizeCredentials(deps, caller.orgId, credentials.id, urls);
}

export async function deleteSelfServiceCredentials(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerSummary,
): Promise<void> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  await deleteCustomerCredentials(deps.db, caller.orgId, row.id, { id: customer.id });
}
