import { builtinCatalog } from '@weft/components';
import { type Kysely, sql } from 'kysely';
import { type CustomerRef, getCustomer } from '../customers/customer-store.js';
import type { Database } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { findConnectionDefinition } from './connection-definitions.js';
import { findScoped, scopedView } from './connection-operations.js';
import type { ConnectionType, ConnectionUsage, CustomerConnectionState } from './connection-schemas.js';
import { connectionView, listScopedRows, scopedCredentialsRowOf } from './connection-store.js';

/**
 * What the console needs to manage integration-agnostic connections beyond their CRUD: which connection types can
 * be created, where a connection is used, and which per-customer connections a customer has credentials for.
 */

/**
 * The connection types an organization connection may be created with: the built-in components' connections
 * (an organization connection is resolved without an integration, so only catalog components can define one).
 */
export function connectionTypes(): ConnectionType[] {
  const types: ConnectionType[] = [];
  for (const component of builtinCatalog) {
    for (const [key] of Object.entries(component.connections ?? {})) {
      const definition = findConnectionDefinition(component.key, key);
      if (!definition) continue;
      types.push({
        component: component.key,
        componentLabel: component.label ?? component.key,
        connection: key,
        label: definition.label ?? key,
        description: definition.description ?? '',
        ...(definition.oauth2Type ? { oauth2Type: definition.oauth2Type } : {}),
        inputs: definition.inputs.map((input) => ({
          key: input.key,
          label: input.label ?? input.key,
          type: input.type,
          required: input.required === true,
          shown: input.shown !== false,
          secret: input.type === 'password',
          ...(input.default !== undefined && input.default !== null && typeof input.default !== 'object'
            ? { default: input.default as string | number | boolean }
            : {}),
          ...(input.model ? { model: input.model } : {}),
          ...(input.templateValue !== undefined ? { templateValue: input.templateValue } : {}),
        })),
      });
    }
  }
  return types;
}

/** The integrations whose draft or published versions name the connection (`useScopedConfigVar`), and their instances. */
export async function connectionUsage(
  db: Kysely<Database>,
  orgId: string,
  idOrStableKey: string,
): Promise<ConnectionUsage> {
  const scoped = await findScoped(db, orgId, idOrStableKey);
  const pattern = JSON.stringify([{ useScopedConfigVar: scoped.stable_key }]);
  const uses = (column: string) => sql<boolean>`${sql.ref(column)} -> 'configVars' @> ${pattern}::jsonb`;
  const integrations = await db
    .selectFrom('integrations as i')
    .select(['i.id', 'i.name'])
    .select((eb) =>
      eb
        .selectFrom('instances as n')
        .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
        .select(eb.fn.countAll<string>().as('count'))
        .whereRef('n.integration_id', '=', 'i.id')
        .where(uses('v.definition'))
        .as('instance_count'),
    )
    .where('i.org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        uses('i.definition'),
        eb.exists(
          eb
            .selectFrom('integration_versions as v')
            .select('v.id')
            .whereRef('v.integration_id', '=', 'i.id')
            .where(uses('v.definition')),
        ),
      ]),
    )
    .orderBy('i.name')
    .limit(200)
    .execute();
  return {
    integrations: integrations.map((row) => ({
      id: row.id,
      name: row.name,
      instanceCount: Number(row.instance_count ?? 0),
    })),
  };
}

/** Every per-customer organization connection, with this customer's credentials (null: none set yet). */
export async function customerConnections(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  customerRef: CustomerRef,
): Promise<CustomerConnectionState[]> {
  const customer = await getCustomer(db, orgId, customerRef);
  const rows = (await listScopedRows(db, orgId)).filter((row) => row.kind !== 'org_global');
  return Promise.all(
    rows.map(async (row) => {
      const credentials = await scopedCredentialsRowOf(db, row.id, customer.id);
      return {
        connection: await scopedView(db, keyring, row),
        credentials: credentials
          ? await connectionView(
              keyring,
              credentials,
              findConnectionDefinition(row.component_key, row.connection_key),
            )
          : null,
      };
    }),
  );
}
