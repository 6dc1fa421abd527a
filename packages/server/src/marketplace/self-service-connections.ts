import type { Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { findConnectionDefinition } from '../connections/connection-definitions.js';
import { deleteCustomerCredentials, setCustomerCredentials } from '../connections/connection-operations.js';
import { type ScopedRow, scopedCredentialsRowOf } from '../connections/connection-store.js';
import { startAuthorization } from '../connections/oauth-authorization.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { isUuid } from '../integrations/integration-store.js';
import type { Keyring } from '../secrets/keyring.js';
import type { SelfServiceConnection } from './marketplace-schemas.js';
import type { CustomerRef } from './marketplace-store.js';
import { connectionState, inputsNotEditable } from './wizard-connections.js';

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

async function viewOf(
  deps: SelfServiceDeps,
  caller: Caller,
  row: ScopedRow,
  customer: CustomerRef | undefined,
  usedBy: SelfServiceConnection['usedBy'],
): Promise<SelfServiceConnection> {
  const definition = findConnectionDefinition(row.component_key, row.connection_key);
  const credentials = customer ? await scopedCredentialsRowOf(deps.db, row.id, customer.id) : undefined;
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
  customer: CustomerRef | undefined,
): Promise<{ customer: CustomerRef | null; items: SelfServiceConnection[] }> {
  const rows = await deps.db
    .selectFrom('scoped_connections')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .where('kind', '=', 'customer_activated')
    .orderBy('stable_key')
    .execute();
  const used = customer ? await usage(deps.db, caller.orgId, customer.id) : new Map();
  const items = await Promise.all(
    rows.map((row) => viewOf(deps, caller, row, customer, used.get(row.stable_key) ?? [])),
  );
  return { customer: customer ?? null, items };
}

export async function getSelfServiceConnection(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerRef | undefined,
): Promise<SelfServiceConnection> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  const used = customer ? await usage(deps.db, caller.orgId, customer.id) : new Map();
  return viewOf(deps, caller, row, customer, used.get(row.stable_key) ?? []);
}

/** Creates or updates the customer's credentials (merged into the stored ones; null removes an input). */
export async function setSelfServiceCredentials(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerRef,
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
  customer: CustomerRef,
  urls: { callbackUrl: string; returnTo: string },
): Promise<{ authorizeUrl: string; expiresAt: string; returnTo: string }> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  let credentials = await scopedCredentialsRowOf(deps.db, row.id, customer.id);
  if (!credentials) {
    // Nothing entered yet: the connection's defaults may be all an OAuth connection needs.
    await setCustomerCredentials(deps.db, deps.keyring, caller.orgId, row.id, { id: customer.id }, {});
    credentials = await scopedCredentialsRowOf(deps.db, row.id, customer.id);
  }
  if (!credentials)
    throw new WeftError('CONNECTION_NOT_FOUND', `Connection '${row.name}' has no credentials.`);
  const started = await startAuthorization(deps, {
    orgId: caller.orgId,
    connectionId: credentials.id,
    redirectUri: urls.callbackUrl,
    returnTo: urls.returnTo,
  });
  return { ...started, returnTo: urls.returnTo };
}

export async function deleteSelfServiceCredentials(
  deps: SelfServiceDeps,
  caller: Caller,
  idOrStableKey: string,
  customer: CustomerRef,
): Promise<void> {
  const row = await customerActivated(deps.db, caller.orgId, idOrStableKey);
  await deleteCustomerCredentials(deps.db, caller.orgId, row.id, { id: customer.id });
}
