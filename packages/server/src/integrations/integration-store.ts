import type { CatalogComponent, Integration } from '@weft/definition';
import { exportIntegrationYaml } from '@weft/definition';
import { type Kysely, sql, type Transaction } from 'kysely';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import { refuseWhileWebhooksRegistered } from '../database/registered-webhooks.js';
import type { Database } from '../database/schema.js';
import { integrationNotFound, versionNotFound, WeftError } from '../errors.js';
import {
  cleanMetadata,
  emptyDraft,
  type IntegrationMetadata,
  metadataOf,
  withMetadata,
} from './integration-definition.js';
import type {
  IntegrationCreate,
  IntegrationFork,
  IntegrationPage,
  IntegrationSummary,
  IntegrationUpdate,
} from './integration-schemas.js';

/**
 * The SQL behind the integrations API: the integration and its draft. Every function takes the caller's
 * organization and never reads past it. Imports are in integration-operations.ts, versions in
 * integration-version-store.ts, the icon and attachments in integration-file-store.ts. What they answer is typed
 * by the response schemas (integration-schemas.ts).
 */

export type Db = Kysely<Database> | Transaction<Database>;

function summarySelect(db: Db, orgId: string) {
  return db
    .selectFrom('integrations as i')
    .select([
      'i.id',
      'i.name',
      'i.description',
      'i.category',
      'i.labels',
      'i.documentation',
      'i.is_code_native',
      'i.created_at',
      'i.updated_at',
      'i.draft_updated_at',
      'i.flow_count',
      'i.config_var_count',
      sql<boolean>`i.icon_content_type is not null`.as('has_icon'),
      sql<
        number | null
      >`(select max(v.version_number) from integration_versions v where v.integration_id = i.id)`.as(
        'latest_version_number',
      ),
      sql<Date | null>`(select max(v.published_at) from integration_versions v where v.integration_id = i.id)`.as(
        'latest_published_at',
      ),
      'i.marketplace_listed',
      sql<number>`(select count(*)::int from instances n where n.integration_id = i.id)`.as('instance_count'),
    ])
    .where('i.org_id', '=', orgId);
}

type SummaryRow = {
  id: string;
  name: string;
  description: string;
  category: string | null;
  labels: string[];
  documentation: string | null;
  is_code_native: boolean;
  created_at: Date;
  updated_at: Date;
  draft_updated_at: Date;
  has_icon: boolean;
  flow_count: number;
  config_var_count: number;
  latest_version_number: number | null;
  latest_published_at: Date | null;
  marketplace_listed: boolean;
  instance_count: number;
};

function toSummary(row: SummaryRow): IntegrationSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category,
    labels: row.labels,
    documentation: row.documentation,
    isCodeNative: row.is_code_native,
    hasIcon: row.has_icon,
    iconUrl: row.has_icon ? `/api/integrations/${row.id}/icon` : null,
    flowCount: row.flow_count,
    configVarCount: row.config_var_count,
    latestVersionNumber: row.latest_version_number,
    latestPublishedAt: row.latest_published_at ? new Date(row.latest_published_at).toISOString() : null,
    marketplaceListed: row.marketplace_listed,
    instanceCount: row.instance_count,
    draftUpdatedAt: row.draft_updated_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getIntegrationSummary(db: Db, orgId: string, id: string): Promise<IntegrationSummary> {
  const row = isUuid(id)
    ? await summarySelect(db, orgId).where('i.id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw integrationNotFound(id);
  return toSummary(row);
}

export async function getIntegration(
  db: Db,
  orgId: string,
  id: string,
): Promise<IntegrationSummary & { definition: Integration }> {
  const row = isUuid(id)
    ? await summarySelect(db, orgId).select('i.definition').where('i.id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw integrationNotFound(id);
  return { ...toSummary(row), definition: row.definition as Integration };
}

/**
 * The token of the integration's shared webhook URL (`/trigger/<token>`), when its draft or any published version
 * uses a shared endpoint (`endpointType: shared_instance`); null otherwise.
 */
export async function sharedWebhookToken(db: Db, orgId: string, id: string): Promise<string | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom('integrations as i')
    .select([
      'i.shared_webhook_token',
      sql<boolean>`i.definition->>'endpointType' = 'shared_instance' or exists (
        select 1 from integration_versions v
         where v.integration_id = i.id and v.definition->>'endpointType' = 'shared_instance')`.as('shared'),
    ])
    .where('i.org_id', '=', orgId)
    .where('i.id', '=', id)
    .executeTakeFirst();
  return row?.shared ? row.shared_webhook_token : null;
}

type RowLock = 'update' | 'share' | 'none';

function integrationRow(db: Db, orgId: string, id: string, lock: RowLock) {
  if (!isUuid(id)) throw integrationNotFound(id);
  const query = db.selectFrom('integrations').where('org_id', '=', orgId).where('id', '=', id);
  return lock === 'update' ? query.forUpdate() : lock === 'share' ? query.forShare() : query;
}

/**
 * The integration's id and name, or INTEGRATION_NOT_FOUND when the caller's organization has no such integration:
 * what the routes on an integration's versions, icon and attachments check first. Reads nothing else (the draft
 * definition can be megabytes).
 */
export async function getIntegrationRef(
  db: Db,
  orgId: string,
  id: string,
  lock: RowLock = 'none',
): Promise<{ id: string; name: string }> {
  const row = await integrationRow(db, orgId, id, lock).select(['id', 'name']).executeTakeFirst();
  if (!row) throw integrationNotFound(id);
  return row;
}

/** The draft and what publishing or importing needs of it, with the integration row locked when `lock` says so. */
export async function draftOf(db: Db, orgId: string, id: string, lock: RowLock = 'none') {
  const row = await integrationRow(db, orgId, id, lock)
    .select(['id', 'name', 'definition', 'bundle_sha256', 'component_manifest', 'is_code_native'])
    .executeTakeFirst();
  if (!row) throw integrationNotFound(id);
  return {
    id: row.id,
    name: row.name,
    definition: row.definition as Integration,
    bundleSha256: row.bundle_sha256,
    componentManifest: (row.component_manifest ?? null) as CatalogComponent | null,
    isCodeNative: row.is_code_native,
  };
}

/** Turns the unique name index's violation into the 409 a user can act on; rethrows anything else. */
async function nameConflictFrom(db: Db, orgId: string, error: unknown, name: string): Promise<never> {
  const pgError = error as { code?: string; constraint?: string };
  if (pgError.code === '23505' && pgError.constraint === 'integrations_name_key') {
    const existing = await db
      .selectFrom('integrations')
      .select('id')
      .where('org_id', '=', orgId)
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    throw new WeftError(
      'INTEGRATION_NAME_TAKEN',
      `Your organization already has an integration named '${name}'${existing ? ` (id ${existing.id})` : ''}.`,
      { field: 'name', ...(existing ? { integrationId: existing.id } : {}) },
    );
  }
  throw error;
}

/** Runs `work` in one transaction and turns a clash of names into INTEGRATION_NAME_TAKEN. */
export async function withNameCheck<T>(
  db: Kysely<Database>,
  orgId: string,
  name: () => string,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    return nameConflictFrom(db, orgId, error, name());
  }
}

export function metadataColumns(metadata: IntegrationMetadata) {
  return {
    name: metadata.name,
    description: metadata.description,
    category: metadata.category,
    labels: metadata.labels,
    documentation: metadata.documentation,
  };
}

export async function createIntegration(
  db: Kysely<Database>,
  orgId: string,
  input: IntegrationCreate,
): Promise<IntegrationSummary> {
  const metadata: IntegrationMetadata = cleanMetadata({
    name: input.name,
    description: input.description ?? '',
    category: input.category ?? null,
    labels: input.labels ?? [],
    documentation: input.documentation ?? null,
  });
  return withNameCheck(
    db,
    orgId,
    () => metadata.name,
    async (trx) => {
      const { id } = await trx
        .insertInto('integrations')
        .values({
          org_id: orgId,
          ...metadataColumns(metadata),
          is_code_native: false,
          definition: JSON.stringify(emptyDraft(metadata)),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return getIntegrationSummary(trx, orgId, id);
    },
  );
}

/** Changes the integration's metadata and its draft definition's alike. */
export async function updateIntegration(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  changes: IntegrationUpdate,
): Promise<IntegrationSummary> {
  const cleaned = cleanMetadata(changes);
  return withNameCheck(
    db,
    orgId,
    () => cleaned.name ?? '',
    async (trx) => {
      const draft = await draftOf(trx, orgId, id, 'update');
      const definition = withMetadata(draft.definition, cleaned);
      await trx
        .updateTable('integrations')
        .set({
          ...metadataColumns(metadataOf(definition)),
          definition: JSON.stringify(definition),
          updated_at: sql<Date>`now()`,
          draft_updated_at: sql<Date>`now()`,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', draft.id)
        .execute();
      return getIntegrationSummary(trx, orgId, draft.id);
    },
  );
}

export interface IntegrationListFilter {
  search?: string;
  category?: string;
  labels?: string[];
  limit: number;
  cursor?: string;
}

/** Oldest first, in keyset pages, like every list of the API. */
export async function listIntegrations(
  db: Db,
  orgId: string,
  query: IntegrationListFilter,
): Promise<IntegrationPage> {
  let select = summarySelect(db, orgId);
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) =>
      eb.or([eb('i.name', 'ilike', pattern), eb('i.description', 'ilike', pattern)]),
    );
  }
  if (query.category)
    select = select.where(sql<string>`lower(i.category)`, '=', query.category.toLowerCase());
  const labels = [
    ...new Set((query.labels ?? []).map((label) => label.trim().toLowerCase()).filter(Boolean)),
  ];
  if (labels.length > 0) {
    // The expression of the integrations_label_keys_idx index (migration 0003), so the planner can use it.
    select = select.where(sql<boolean>`integration_label_keys(i.labels) @> ${labels}::text[]`);
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(i.created_at, i.id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('i.created_at')
    .orderBy('i.id')
    .limit(query.limit + 1)
    .execute();
  return pageOf(rows, query.limit, toSummary);
}

/**
 * Deletes the given bundles once neither a draft nor a version refers to them. Runs inside the caller's transaction
 * (`trx`), behind a savepoint: when a concurrent transaction has just made something refer to a bundle, the delete
 * meets the foreign key, and the bundle is kept rather than the caller's work failing.
 */
export async function dropUnusedBundles(
  trx: Transaction<Database>,
  orgId: string,
  sha256s: Array<string | null>,
): Promise<void> {
  const candidates = [...new Set(sha256s.filter((s): s is string => s !== null))];
  if (candidates.length === 0) return;
  await sql`savepoint drop_unused_bundles`.execute(trx);
  try {
    await sql`
      delete from integration_bundles b
      where b.org_id = ${orgId} and b.sha256 = any(${candidates}::text[])
        and not exists (select 1 from integrations i where i.org_id = b.org_id and i.bundle_sha256 = b.sha256)
        and not exists (select 1 from integration_versions v where v.org_id = b.org_id and v.bundle_sha256 = b.sha256)
    `.execute(trx);
  } catch (error) {
    if ((error as { code?: string }).code !== foreignKeyViolation) throw error;
    await sql`rollback to savepoint drop_unused_bundles`.execute(trx);
  }
  await sql`release savepoint drop_unused_bundles`.execute(trx);
}

const foreignKeyViolation = '23503';

/** The draft, or a published version, as YAML. */
export async function exportIntegration(
  db: Db,
  orgId: string,
  id: string,
  versionNumber?: number,
): Promise<string> {
  if (versionNumber === undefined) return exportIntegrationYaml((await draftOf(db, orgId, id)).definition);
  const integration = await getIntegrationRef(db, orgId, id);
  const version = await db
    .selectFrom('integration_versions')
    .select('definition')
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id)
    .where('version_number', '=', versionNumber)
    .executeTakeFirst();
  if (!version) throw versionNotFound(integration.name, versionNumber);
  return exportIntegrationYaml(version.definition as Integration);
}

/** A new integration with a copy of the draft, icon and attachments of `id`; versions are not copied. */
export async function forkIntegration(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  input: IntegrationFork,
): Promise<IntegrationSummary> {
  const { name } = cleanMetadata({ name: input.name });
  return withNameCheck(
    db,
    orgId,
    () => name,
    async (trx) => {
      const source = await draftOf(trx, orgId, id, 'share');
      const definition = withMetadata(source.definition, {
        name,
        ...(input.description !== undefined ? { description: input.description } : {}),
      });
      const metadata = metadataOf(definition);
      const inserted = await trx
        .insertInto('integrations')
        .columns([
          'org_id',
          'name',
          'description',
          'category',
          'labels',
          'documentation',
          'is_code_native',
          'definition',
          'bundle_sha256',
          'component_manifest',
          'icon',
          'icon_content_type',
        ])
        .expression((eb) =>
          eb
            .selectFrom('integrations')
            .select([
              'org_id',
              sql<string>`${metadata.name}::text`.as('name'),
              sql<string>`${metadata.description}::text`.as('description'),
              'category',
              'labels',
              'documentation',
              'is_code_native',
              sql<string>`${JSON.stringify(definition)}::jsonb`.as('definition'),
              'bundle_sha256',
              'component_manifest',
              'icon',
              'icon_content_type',
            ])
            .where('org_id', '=', orgId)
            .where('id', '=', source.id),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('integration_attachments')
        .columns(['org_id', 'integration_id', 'name', 'content_type', 'size_bytes', 'content', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('integration_attachments')
            .select([
              'org_id',
              sql<string>`${inserted.id}::uuid`.as('integration_id'),
              'name',
              'content_type',
              'size_bytes',
              'content',
              'created_at',
            ])
            .where('org_id', '=', orgId)
            .where('integration_id', '=', source.id),
        )
        .execute();
      return getIntegrationSummary(trx, orgId, inserted.id);
    },
  );
}

/**
 * Deletes the integration with its versions and attachments. While instances exist it refuses, unless `force`,
 * which deletes the instances too.
 */
export async function deleteIntegration(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  force: boolean,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const draft = await draftOf(trx, orgId, id, 'update');
    const { count } = await trx
      .selectFrom('instances')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('org_id', '=', orgId)
      .where('integration_id', '=', draft.id)
      .executeTakeFirstOrThrow();
    if (count > 0 && !force) {
      throw new WeftError(
        'INTEGRATION_HAS_INSTANCES',
        `Integration '${draft.name}' has ${count} instance${count === 1 ? '' : 's'}; deleting it would delete ${count === 1 ? 'it' : 'them'}.`,
        { instanceCount: count },
      );
    }
    if (count > 0) {
      await refuseWhileWebhooksRegistered(
        trx,
        orgId,
        { integrationId: draft.id },
        `integration '${draft.name}'`,
      );
    }
    const versionBundles = await trx
      .selectFrom('integration_versions')
      .select('bundle_sha256')
      .where('org_id', '=', orgId)
      .where('integration_id', '=', draft.id)
      .execute();
    await trx
      .deleteFrom('instances')
      .where('org_id', '=', orgId)
      .where('integration_id', '=', draft.id)
      .execute();
    await trx.deleteFrom('integrations').where('org_id', '=', orgId).where('id', '=', draft.id).execute();
    await dropUnusedBundles(trx, orgId, [draft.bundleSha256, ...versionBundles.map((v) => v.bundle_sha256)]);
  });
}
