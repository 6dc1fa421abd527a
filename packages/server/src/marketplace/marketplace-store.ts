import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import {
  type CustomerSummary,
  customerNamedBy,
  customerSummaryOf,
  normalizeLabels,
} from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { customerNotFound, integrationNotFound, versionNotFound, WeftError } from '../errors.js';
import { defaultValues, missingConfigValues, type StoredValues } from '../instances/instance-config.js';
import { versionToDeploy } from '../instances/instance-store.js';
import type { Db } from '../integrations/integration-store.js';
import type {
  Activation,
  MarketplaceInstance,
  MarketplaceIntegration,
  MarketplaceList,
  MarketplaceListQuery,
  MarketplaceSettings,
  MarketplaceSettingsUpdate,
} from './marketplace-schemas.js';

/**
 * The SQL behind the marketplace: each integration's marketplace settings (listed, overview, customer-deployable,
 * multiple instances, the version offered), what a customer may activate with their instances of it, and the
 * activation itself. Every function takes the caller's organization and never reads past it.
 */

const externalPrefix = 'external:';

/** Whether `given` names `customer`: its id, its external id, or `external:` and its external id. */
function namesCustomer(given: string, customer: CustomerSummary): boolean {
  if (given === customer.id) return true;
  const { externalId } = customer;
  return externalId !== null && (given === externalId || given === `${externalPrefix}${externalId}`);
}

/**
 * The customer a marketplace request is for. A customer user acts for their own customer (naming another one is
 * a 404, as for anything outside their scope); an organization caller names one (id or external id,
 * `external:<id>` forces the latter), which `required` makes mandatory.
 */
export async function customerFor(
  db: Db,
  caller: Caller,
  given: string | undefined,
  required: true,
): Promise<CustomerSummary>;
export async function customerFor(
  db: Db,
  caller: Caller,
  given: string | undefined,
  required: false,
): Promise<CustomerSummary | undefined>;
export async function customerFor(
  db: Db,
  caller: Caller,
  given: string | undefined,
  required: boolean,
): Promise<CustomerSummary | undefined> {
  if (caller.kind === 'customer') {
    const own = await customerSummaryOf(db, caller.orgId, caller.customerId);
    if (!own || (given !== undefined && !namesCustomer(given, own))) {
      throw customerNotFound(`id or externalId '${given ?? caller.customerId}'`);
    }
    return own;
  }
  if (given === undefined) {
    if (!required) return undefined;
    throw new WeftError(
      'MARKETPLACE_CUSTOMER_REQUIRED',
      'Name the customer to act for: an organization caller passes customer (id or external id); customer users act for their own.',
      { field: 'customer' },
    );
  }
  const external = given.startsWith(externalPrefix);
  const customer = await customerNamedBy(
    db,
    caller.orgId,
    external ? given.slice(externalPrefix.length) : given,
    external,
  );
  if (!customer) throw customerNotFound(`id or externalId '${given}'`);
  return customer;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const settingsColumns = [
  'id',
  'name',
  'marketplace_listed',
  'marketplace_overview',
  'customer_deployable',
  'allow_multiple_instances',
  'marketplace_version',
] as const;

async function availableVersions(db: Db, integrationId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('integration_versions')
    .select('version_number')
    .where('integration_id', '=', integrationId)
    .where('available', '=', true)
    .orderBy('version_number', 'desc')
    .execute();
  return rows.map((row) => row.version_number);
}

/** The version activations get: the pinned one while it is available, else the newest available; null if none. */
function offeredVersion(pinned: number | null, available: number[]): number | null {
  if (pinned !== null) return available.includes(pinned) ? pinned : null;
  return available[0] ?? null;
}

/** An integration's settings; INTEGRATION_NOT_FOUND when the organization has none with that id. */
async function settingsRowOf(db: Db, orgId: string, integrationId: string, forUpdate: boolean) {
  const row = isUuid(integrationId)
    ? await db
        .selectFrom('integrations')
        .select(settingsColumns)
        .where('org_id', '=', orgId)
        .where('id', '=', integrationId)
        .$if(forUpdate, (select) => select.forUpdate())
        .executeTakeFirst()
    : undefined;
  if (!row) throw integrationNotFound(integrationId);
  return row;
}

/** The largest version number there can be (an integer column): a larger one names no version. */
const maxVersionNumber = 2_147_483_647;

export async function getMarketplaceSettings(
  db: Db,
  orgId: string,
  integrationId: string,
): Promise<MarketplaceSettings> {
  const row = await settingsRowOf(db, orgId, integrationId, false);
  const available = await availableVersions(db, row.id);
  return {
    integrationId: row.id,
    listed: row.marketplace_listed,
    overview: row.marketplace_overview,
    customerDeployable: row.customer_deployable,
    allowMultipleInstances: row.allow_multiple_instances,
    versionNumber: row.marketplace_version,
    offeredVersionNumber: offeredVersion(row.marketplace_version, available),
    availableVersions: available,
  };
}

/**
 * Changes an integration's marketplace settings. A pinned version must be an available published one; an
 * integration can be listed only while a version is offered (MARKETPLACE_NO_AVAILABLE_VERSION).
 */
export async function updateMarketplaceSettings(
  db: Kysely<Database>,
  orgId: string,
  integrationId: string,
  changes: MarketplaceSettingsUpdate,
): Promise<MarketplaceSettings> {
  await db.transaction().execute(async (trx) => {
    const row = await settingsRowOf(trx, orgId, integrationId, true);
    if (changes.versionNumber !== undefined && changes.versionNumber !== null) {
      if (changes.versionNumber > maxVersionNumber) throw versionNotFound(row.name, changes.versionNumber);
      // INTEGRATION_VERSION_NOT_FOUND or INTEGRATION_VERSION_UNAVAILABLE when it is not one customers may get.
      await versionToDeploy(trx, orgId, row, changes.versionNumber);
    }
    const pinned = changes.versionNumber !== undefined ? changes.versionNumber : row.marketplace_version;
    const listed = changes.listed ?? row.marketplace_listed;
    if (listed) {
      const available = await availableVersions(trx, row.id);
      if (offeredVersion(pinned, available) === null) {
        throw new WeftError(
          'MARKETPLACE_NO_AVAILABLE_VERSION',
          pinned !== null
            ? `Integration '${row.name}' cannot be listed: its marketplace version ${pinned} is not available. Pin an available version, or set versionNumber to null to offer the newest one.`
            : `Integration '${row.name}' cannot be listed: it has no available published version. Publish it first (weft integrations:publish).`,
          { availableVersions: available, versionNumber: pinned },
        );
      }
    }
    await trx
      .updateTable('integrations')
      .set({
        ...(changes.listed !== undefined ? { marketplace_listed: changes.listed } : {}),
        ...(changes.overview !== undefined ? { marketplace_overview: changes.overview } : {}),
        ...(changes.customerDeployable !== undefined
          ? { customer_deployable: changes.customerDeployable }
          : {}),
        ...(changes.allowMultipleInstances !== undefined
          ? { allow_multiple_instances: changes.allowMultipleInstances }
          : {}),
        ...(changes.versionNumber !== undefined ? { marketplace_version: changes.versionNumber } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', row.id)
      .execute();
  });
  return getMarketplaceSettings(db, orgId, integrationId);
}

// ---------------------------------------------------------------------------------------------------------------
// The marketplace
// ---------------------------------------------------------------------------------------------------------------

/** Integrations with their settings and the version they offer (null when none is available). */
function offeringSelect(db: Db, orgId: string) {
  return db
    .selectFrom('integrations as i')
    .select([
      'i.id',
      'i.name',
      'i.description',
      'i.category',
      'i.labels',
      'i.marketplace_listed',
      'i.marketplace_overview',
      'i.customer_deployable',
      'i.allow_multiple_instances',
      sql<boolean>`i.icon_content_type is not null`.as('has_icon'),
      sql<number | null>`case when i.marketplace_version is not null
        then (select v.version_number from integration_versions v
              where v.integration_id = i.id and v.version_number = i.marketplace_version and v.available)
        else (select max(v.version_number) from integration_versions v
              where v.integration_id = i.id and v.available) end`.as('offered_version'),
    ])
    .where('i.org_id', '=', orgId);
}

type OfferingRow = {
  id: string;
  name: string;
  description: string;
  category: string | null;
  labels: string[];
  marketplace_listed: boolean;
  marketplace_overview: string;
  customer_deployable: boolean;
  allow_multiple_instances: boolean;
  has_icon: boolean;
  offered_version: number | null;
};

/** One integration as `offeringSelect` reads it; undefined when the organization has none with that id. */
async function offeringOf(db: Db, orgId: string, integrationId: string): Promise<OfferingRow | undefined> {
  if (!isUuid(integrationId)) return undefined;
  return (await offeringSelect(db, orgId).where('i.id', '=', integrationId).executeTakeFirst()) as
    | OfferingRow
    | undefined;
}

/** The customer's instances of the given integrations, as the marketplace shows them. */
async function customerInstances(
  db: Db,
  orgId: string,
  customerId: string,
  offered: Map<string, number | null>,
): Promise<Map<string, MarketplaceInstance[]>> {
  const byIntegration = new Map<string, MarketplaceInstance[]>();
  if (offered.size === 0) return byIntegration;
  const rows = await db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .leftJoin('integration_versions as dv', 'dv.id', 'n.deployed_version_id')
    .select([
      'n.id',
      'n.name',
      'n.enabled',
      'n.integration_id',
      'n.config_values',
      'n.created_at',
      'v.version_number',
      'v.definition',
      'dv.version_number as deployed_version_number',
    ])
    .where('n.org_id', '=', orgId)
    .where('n.customer_id', '=', customerId)
    .where('n.integration_id', 'in', [...offered.keys()])
    .orderBy('n.created_at')
    .orderBy('n.id')
    .execute();
  for (const row of rows) {
    const offeredVersion = offered.get(row.integration_id) ?? null;
    const deployed = row.deployed_version_number !== null;
    const list = byIntegration.get(row.integration_id) ?? [];
    list.push({
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      deployed,
      status: !deployed ? 'unconfigured' : row.enabled ? 'active' : 'paused',
      needsConfiguration:
        missingConfigValues(row.definition, (row.config_values ?? {}) as StoredValues).length > 0,
      versionNumber: row.version_number,
      deployedVersionNumber: row.deployed_version_number,
      upgradeAvailable: offeredVersion !== null && offeredVersion > row.version_number,
      createdAt: row.created_at.toISOString(),
    });
    byIntegration.set(row.integration_id, list);
  }
  return byIntegration;
}

function toItem(row: OfferingRow, instances: MarketplaceInstance[]): MarketplaceIntegration {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    overview: row.marketplace_overview,
    category: row.category,
    labels: row.labels,
    iconUrl: row.has_icon ? `/api/marketplace/${row.id}/icon` : null,
    listed: row.marketplace_listed && row.offered_version !== null,
    versionNumber: row.offered_version,
    customerDeployable: row.customer_deployable,
    allowMultipleInstances: row.allow_multiple_instances,
    instances,
  };
}

/**
 * What a customer may activate, by name: listed integrations that offer a version (and, with `includeActive`,
 * those the customer has an instance of), with the customer's instances of each. Without a customer (an
 * organization caller who named none), the listed ones alone.
 */
export async function listMarketplace(
  db: Db,
  orgId: string,
  query: MarketplaceListQuery,
  customer: CustomerSummary | undefined,
): Promise<MarketplaceList> {
  let select = offeringSelect(db, orgId);
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) =>
      eb.or([eb('i.name', 'ilike', pattern), eb('i.description', 'ilike', pattern)]),
    );
  }
  if (query.category)
    select = select.where(sql<string>`lower(i.category)`, '=', query.category.toLowerCase());
  const labels = normalizeLabels(query.label ?? []);
  if (labels.length > 0) {
    select = select.where(sql<boolean>`integration_label_keys(i.labels) @> ${labels}::text[]`);
  }
  const withInstances = query.includeActive === true && customer !== undefined;
  select = select.where((eb) =>
    withInstances
      ? eb.or([
          eb('i.marketplace_listed', '=', true),
          eb.exists(
            eb
              .selectFrom('instances as n')
              .select('n.id')
              .whereRef('n.integration_id', '=', 'i.id')
              .where('n.customer_id', '=', customer.id),
          ),
        ])
      : eb('i.marketplace_listed', '=', true),
  );
  const rows = (await select.orderBy(sql`lower(i.name)`).orderBy('i.id').execute()) as OfferingRow[];
  const offered = new Map(rows.map((row) => [row.id, row.offered_version]));
  const instances = customer ? await customerInstances(db, orgId, customer.id, offered) : new Map();
  const items = rows
    .map((row) => toItem(row, instances.get(row.id) ?? []))
    .filter((item) => item.listed || item.instances.length > 0);
  return { customer: customer ?? null, items };
}

/**
 * One integration as the marketplace shows it. Customer users reach only what their marketplace lists (or what
 * they have an instance of): anything else is MARKETPLACE_INTEGRATION_NOT_FOUND.
 */
export async function getMarketplaceIntegration(
  db: Db,
  caller: Caller,
  integrationId: string,
  customer: CustomerSummary | undefined,
): Promise<MarketplaceIntegration> {
  const row = await offeringOf(db, caller.orgId, integrationId);
  const instances =
    row && customer
      ? ((
          await customerInstances(db, caller.orgId, customer.id, new Map([[row.id, row.offered_version]]))
        ).get(row.id) ?? [])
      : [];
  const item = row ? toItem(row, instances) : undefined;
  if (!item) throw notInMarketplace(integrationId, caller);
  if (caller.kind === 'customer' && !item.listed && item.instances.length === 0) {
    throw notInMarketplace(integrationId, caller);
  }
  return item;
}

function notInMarketplace(integrationId: string, caller: Caller): WeftError {
  return caller.kind === 'customer'
    ? new WeftError(
        'MARKETPLACE_INTEGRATION_NOT_FOUND',
        `No integration with id '${integrationId}' in your marketplace.`,
      )
    : integrationNotFound(integrationId);
}

/** The icon of an integration the caller may see in the marketplace. */
export async function marketplaceIcon(
  db: Db,
  caller: Caller,
  integrationId: string,
  customer: CustomerSummary | undefined,
): Promise<{ contentType: string; icon: Buffer }> {
  const item = await getMarketplaceIntegration(db, caller, integrationId, customer);
  const row = await db
    .selectFrom('integrations')
    .select(['icon', 'icon_content_type'])
    .where('org_id', '=', caller.orgId)
    .where('id', '=', item.id)
    .executeTakeFirst();
  if (!row?.icon || !row.icon_content_type) {
    throw new WeftError('INTEGRATION_ICON_NOT_FOUND', `Integration '${item.name}' has no icon.`);
  }
  return { contentType: row.icon_content_type, icon: row.icon };
}

// ---------------------------------------------------------------------------------------------------------------
// Activation
// ---------------------------------------------------------------------------------------------------------------

function instanceNameTaken(name: string): WeftError {
  return new WeftError('INSTANCE_NAME_TAKEN', `The customer already has an instance named '${name}'.`, {
    field: 'name',
  });
}

/** The first of `base`, `base 2`, `base 3`... that none of `taken` (lower-cased) is. */
function freeName(base: string, taken: Set<string>): string {
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n += 1) {
    const name = `${base} ${n}`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

/**
 * Creates the customer's instance of the version the marketplace offers, with the version's defaults (the config
 * wizard takes it from there). Refused when the integration is not listed or offers no version, when a customer
 * user activates one that is not customer-deployable, and when the customer has an instance of it already and
 * the integration does not allow several (409 with its id). One activation at a time per customer, so two clicks
 * make one instance and a default name is never picked twice.
 */
export async function activateIntegration(
  db: Kysely<Database>,
  caller: Caller,
  integrationId: string,
  customer: CustomerSummary,
  name: string | undefined,
): Promise<Activation> {
  const orgId = caller.orgId;
  const instanceId = await db.transaction().execute(async (trx) => {
    const row = await offeringOf(trx, orgId, integrationId);
    if (!row || (caller.kind === 'customer' && !row.marketplace_listed))
      throw notInMarketplace(integrationId, caller);
    if (!row.marketplace_listed) {
      throw new WeftError(
        'MARKETPLACE_NOT_LISTED',
        `Integration '${row.name}' is not in the marketplace: list it first (PUT /api/integrations/${row.id}/marketplace {"listed": true}), or create the instance with POST /api/instances.`,
        { integrationId: row.id },
      );
    }
    if (row.offered_version === null) {
      throw new WeftError(
        'MARKETPLACE_NO_AVAILABLE_VERSION',
        `Integration '${row.name}' offers no available version right now; the organization must publish one or pin an available one.`,
        { integrationId: row.id },
      );
    }
    if (caller.kind === 'customer' && !row.customer_deployable) {
      throw new WeftError(
        'MARKETPLACE_NOT_CUSTOMER_DEPLOYABLE',
        `Integration '${row.name}' is activated by the organization for its customers: ask them to activate it for you.`,
        { integrationId: row.id },
      );
    }
    // Two activations for the same customer wait for each other: the second sees the first's instance, both when
    // the integration allows one per customer and when it picks a free name among the customer's instances.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`marketplace:${customer.id}`}, 0))`.execute(
      trx,
    );
    const existing = await trx
      .selectFrom('instances')
      .select(['id', 'name', 'integration_id'])
      .where('org_id', '=', orgId)
      .where('customer_id', '=', customer.id)
      .orderBy('created_at')
      .execute();
    const ofIt = existing.filter((instance) => instance.integration_id === row.id);
    if (ofIt.length > 0 && !row.allow_multiple_instances) {
      throw new WeftError(
        'MARKETPLACE_INSTANCE_EXISTS',
        `${customer.name} already has an instance of '${row.name}' ('${ofIt[0]?.name}'), and the integration allows one per customer: configure that one.`,
        { instanceId: ofIt[0]?.id, integrationId: row.id },
      );
    }
    const version = await versionToDeploy(trx, orgId, row, row.offered_version);
    const taken = new Set(existing.map((instance) => instance.name.toLowerCase()));
    const instanceName = name?.trim() ?? freeName(row.name, taken);
    if (name !== undefined && taken.has(instanceName.toLowerCase())) throw instanceNameTaken(instanceName);
    const inserted = await trx
      .insertInto('instances')
      .values({
        org_id: orgId,
        customer_id: customer.id,
        integration_id: row.id,
        integration_version_id: version.id,
        name: instanceName,
        description: '',
        labels: normalizeLabels(row.labels),
        config_values: JSON.stringify(defaultValues(version.definition)),
        created_by_token_id: caller.tokenId,
        created_by_customer_user_id: caller.kind === 'customer' ? caller.customerUserId : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        throw violatedUniqueIndex(error) === 'instances_name_key' ? instanceNameTaken(instanceName) : error;
      });
    return inserted.id;
  });
  const item = await getMarketplaceIntegration(db, caller, integrationId, customer);
  const instance = item.instances.find((candidate) => candidate.id === instanceId);
  if (!instance) throw new Error(`activated instance ${instanceId} not found`);
  return {
    instance,
    integration: { id: item.id, name: item.name },
    customer,
    configWizardUrl: `/api/instances/${instanceId}/config-wizard`,
  };
}
