import type { CatalogComponent, Integration } from '@weft/definition';
import { type Kysely, sql } from 'kysely';
import { connectionComponents } from '../components/component-store.js';
import { type CustomerRef, getCustomer, normalizeLabels } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import { instanceNotFound, integrationNotFound, versionNotFound, WeftError } from '../errors.js';
import type { Db } from '../integrations/integration-store.js';
import type { Keyring } from '../secrets/keyring.js';
import {
  checkConfigValues,
  configVariablesView,
  defaultValues,
  type StoredValues,
} from './instance-config.js';
import { prepareConnectionValues } from './instance-connections.js';
import type {
  Instance,
  InstanceCreate,
  InstanceDetail,
  InstanceListQuery,
  InstancePage,
  InstanceUpdate,
} from './instance-schemas.js';
import { webhookRegistrationsOf } from './webhook-registrations.js';

/** The SQL behind the instances API. Every function takes the caller's organization and never reads past it. */

function instanceSelect(db: Db, orgId: string) {
  return db
    .selectFrom('instances as n')
    .innerJoin('customers as c', 'c.id', 'n.customer_id')
    .innerJoin('integrations as i', 'i.id', 'n.integration_id')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .leftJoin('integration_versions as dv', 'dv.id', 'n.deployed_version_id')
    .select([
      'dv.version_number as deployed_version_number',
      'n.deployed_at',
      'n.id',
      'n.name',
      'n.description',
      'n.labels',
      'n.enabled',
      'n.created_at',
      'n.updated_at',
      'c.id as customer_id',
      'c.external_id as customer_external_id',
      'c.name as customer_name',
      'i.id as integration_id',
      'i.name as integration_name',
      'v.version_number',
    ])
    .where('n.org_id', '=', orgId);
}

type InstanceRow = {
  id: string;
  name: string;
  description: string;
  labels: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  customer_id: string;
  customer_external_id: string | null;
  customer_name: string;
  integration_id: string;
  integration_name: string;
  version_number: number;
  deployed_version_number: number | null;
  deployed_at: Date | null;
};

function toInstance(row: InstanceRow): Instance {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels,
    enabled: row.enabled,
    customer: { id: row.customer_id, externalId: row.customer_external_id, name: row.customer_name },
    integration: { id: row.integration_id, name: row.integration_name },
    versionNumber: row.version_number,
    deployedVersionNumber: row.deployed_version_number,
    deployedAt: row.deployed_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function conflictFrom(error: unknown, name: string | undefined): never {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === '23505' && constraint === 'instances_name_key') {
    throw new WeftError('INSTANCE_NAME_TAKEN', `The customer already has an instance named '${name}'.`, {
      field: 'name',
    });
  }
  throw error;
}

export async function getInstance(db: Db, orgId: string, id: string): Promise<Instance> {
  const row = isUuid(id)
    ? await instanceSelect(db, orgId).where('n.id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  return toInstance(row);
}

/** The instance with its version's config variables and their values (connection values masked). */
export async function getInstanceDetail(
  db: Db,
  orgId: string,
  id: string,
  audience: 'organization' | 'customer' = 'organization',
): Promise<InstanceDetail> {
  const row = isUuid(id)
    ? await instanceSelect(db, orgId)
        .select(['n.config_values', 'v.definition'])
        .where('n.id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  return {
    ...toInstance(row),
    configVariables: configVariablesView(row.definition, row.config_values ?? {}, audience),
    webhookRegistrations: await webhookRegistrationsOf(db, row.id),
  };
}

/** The version to deploy: the one asked for, which must be available, or else the newest available one. */
export async function versionToDeploy(
  db: Db,
  orgId: string,
  integration: { id: string; name: string },
  versionNumber: number | undefined,
) {
  const select = db
    .selectFrom('integration_versions')
    .select(['id', 'version_number', 'available', 'definition'])
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id);
  if (versionNumber !== undefined) {
    const version = await select.where('version_number', '=', versionNumber).executeTakeFirst();
    if (!version) throw versionNotFound(integration.name, versionNumber);
    if (!version.available) {
      throw new WeftError(
        'INTEGRATION_VERSION_UNAVAILABLE',
        `Version ${versionNumber} of integration '${integration.name}' is marked unavailable and cannot be deployed.`,
        { versionNumber },
      );
    }
    return version;
  }
  const version = await select
    .where('available', '=', true)
    .orderBy('version_number', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!version) {
    throw new WeftError(
      'INTEGRATION_NOT_PUBLISHED',
      `Integration '${integration.name}' has no available version to deploy: publish it first.`,
    );
  }
  return version;
}

export async function createInstance(
  db: Kysely<Database>,
  orgId: string,
  tokenId: string | null,
  input: InstanceCreate,
): Promise<Instance> {
  if ((input.customerId === undefined) === (input.customerExternalId === undefined)) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      'Name the customer with exactly one of customerId and customerExternalId.',
      { part: 'body', field: input.customerId === undefined ? 'customerId' : 'customerExternalId' },
    );
  }
  const customerRef: CustomerRef =
    input.customerId !== undefined
      ? { id: input.customerId }
      : { externalId: input.customerExternalId ?? '' };
  const customer = await getCustomer(db, orgId, customerRef);
  const integration = isUuid(input.integrationId)
    ? await db
        .selectFrom('integrations')
        .select(['id', 'name', 'labels'])
        .where('org_id', '=', orgId)
        .where('id', '=', input.integrationId)
        .executeTakeFirst()
    : undefined;
  if (!integration) throw integrationNotFound(input.integrationId);
  const version = await versionToDeploy(db, orgId, integration, input.versionNumber);
  const name = input.name.trim();
  try {
    const { id } = await db
      .insertInto('instances')
      .values({
        org_id: orgId,
        customer_id: customer.id,
        integration_id: integration.id,
        integration_version_id: version.id,
        name,
        description: input.description ?? '',
        labels: normalizeLabels(input.labels ?? integration.labels),
        config_values: JSON.stringify(defaultValues(version.definition)),
        created_by_token_id: tokenId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return await getInstance(db, orgId, id);
  } catch (error) {
    conflictFrom(error, name);
  }
}

export async function updateInstance(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  changes: InstanceUpdate,
): Promise<Instance> {
  const name = changes.name?.trim();
  try {
    const row = isUuid(id)
      ? await db
          .updateTable('instances')
          .set({
            ...(name !== undefined ? { name } : {}),
            ...(changes.description !== undefined ? { description: changes.description } : {}),
            ...(changes.labels !== undefined ? { labels: normalizeLabels(changes.labels) } : {}),
            updated_at: sql<Date>`now()`,
          })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .returning('id')
          .executeTakeFirst()
      : undefined;
    if (!row) throw instanceNotFound(id);
  } catch (error) {
    conflictFrom(error, name);
  }
  return getInstance(db, orgId, id);
}

export async function setInstanceEnabled(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  enabled: boolean,
): Promise<Instance> {
  const row = isUuid(id)
    ? await db
        .updateTable('instances')
        .set({ enabled, updated_at: sql<Date>`now()` })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  return getInstance(db, orgId, id);
}

/**
 * Merges config values given by variable name into the instance's, after checking every one against the
 * instance version's config variables: one bad value and nothing is stored. A null value clears a variable.
 */
export async function configureInstance(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
  values: Record<string, unknown>,
): Promise<InstanceDetail> {
  await db.transaction().execute(async (trx) => {
    const row = isUuid(id)
      ? await trx
          .selectFrom('instances as n')
          .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
          .select(['n.id', 'v.definition', 'v.component_manifest'])
          .where('n.org_id', '=', orgId)
          .where('n.id', '=', id)
          .forUpdate('n')
          .executeTakeFirst()
      : undefined;
    if (!row) throw instanceNotFound(id);
    const { set, unset, problems } = checkConfigValues(row.definition, values);
    // Connection values are credentials: stored sealed in `connections`; the instance keeps only a reference.
    const connectionWrites =
      problems.length === 0
        ? await prepareConnectionValues(trx, keyring, {
            orgId,
            instanceId: row.id,
            definition: row.definition,
            manifest: await connectionComponents(
              trx,
              orgId,
              row.definition as Integration,
              row.component_manifest as CatalogComponent | null,
            ),
            set,
            unset,
            problems,
          })
        : [];
    if (problems.length > 0) {
      throw new WeftError(
        'INSTANCE_CONFIG_INVALID',
        problems.length === 1
          ? `${problems[0]?.message}.`
          : `${problems.length} config values are invalid: ${problems.map((p) => p.configVar).join(', ')}.`,
        { problems },
      );
    }
    for (const write of connectionWrites) await write();
    await trx
      .updateTable('instances')
      .set({
        config_values: sql<string>`(config_values || ${JSON.stringify(set satisfies StoredValues)}::jsonb) - ${unset}::text[]`,
        updated_at: sql<Date>`now()`,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', row.id)
      .execute();
  });
  return getInstanceDetail(db, orgId, id);
}

/** Oldest first, in keyset pages (100 by default), like every list of the API. */
/** `onlyCustomer` confines the page to one customer: a customer caller's scope, set by the route, never by the query. */
export async function listInstances(
  db: Db,
  orgId: string,
  query: InstanceListQuery,
  onlyCustomer?: string,
): Promise<InstancePage> {
  const limit = query.limit ?? 100;
  let select = instanceSelect(db, orgId);
  if (onlyCustomer !== undefined) select = select.where('c.id', '=', onlyCustomer);
  if (query.customer !== undefined) {
    const customer = query.customer;
    select = select.where((eb) =>
      isUuid(customer)
        ? eb.or([eb('c.id', '=', customer), eb('c.external_id', '=', customer)])
        : eb('c.external_id', '=', customer),
    );
  }
  if (query.integration !== undefined) {
    if (!isUuid(query.integration)) return { items: [], nextCursor: null };
    select = select.where('n.integration_id', '=', query.integration);
  }
  const labels = normalizeLabels(query.label ?? []);
  if (labels.length > 0) select = select.where('n.labels', '@>', sql<string[]>`${labels}::text[]`);
  if (query.enabled !== undefined) select = select.where('n.enabled', '=', query.enabled);
  if (query.deployed !== undefined) {
    select = select.where('n.deployed_version_id', query.deployed ? 'is not' : 'is', null);
  }
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) =>
      eb.or([eb('n.name', 'ilike', pattern), eb('n.description', 'ilike', pattern)]),
    );
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(n.created_at, n.id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('n.created_at')
    .orderBy('n.id')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toInstance);
}
