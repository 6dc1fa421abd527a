import type { Integration } from '@weft/definition';
import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { customComponentCatalog } from '../components/component-store.js';
import type { Database } from '../database/schema.js';
import { versionNotFound } from '../errors.js';
import { validateDraftForPublish } from './integration-definition.js';
import type { IntegrationVersion } from './integration-schemas.js';
import { type Db, draftOf, getIntegrationRef } from './integration-store.js';

/**
 * Published versions: immutable, numbered snapshots of a draft. Nothing here changes a version's definition;
 * only its availability can change.
 */

const columns = [
  'id',
  'integration_id',
  'version_number',
  'comment',
  'available',
  'is_code_native',
  'published_at',
  'published_by_token_id',
  // Who published, as people read it: the signed-in person, or the token's user, or an organization token's name.
  sql<string | null>`coalesce(
    (select u.name from users u where u.id = published_by_user_id),
    (select coalesce(u.name, t.name) from api_tokens t left join users u on u.id = t.user_id
      where t.id = published_by_token_id))`.as('published_by'),
] as const;

type VersionRow = {
  id: string;
  integration_id: string;
  version_number: number;
  comment: string;
  available: boolean;
  is_code_native: boolean;
  published_at: Date;
  published_by_token_id: string | null;
  published_by: string | null;
};

function toVersion(row: VersionRow): IntegrationVersion {
  return {
    id: row.id,
    integrationId: row.integration_id,
    versionNumber: row.version_number,
    comment: row.comment,
    available: row.available,
    isCodeNative: row.is_code_native,
    publishedAt: row.published_at.toISOString(),
    publishedByTokenId: row.published_by_token_id,
    publishedBy: row.published_by,
  };
}

/**
 * Validates the draft against today's catalog and stores it as the next version. The integration row is locked
 * for the transaction, so concurrent publishes of one integration take numbers one after the other.
 */
export async function publishIntegration(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  comment: string,
): Promise<IntegrationVersion> {
  return db.transaction().execute(async (trx) => {
    const draft = await draftOf(trx, caller.orgId, id, 'update');
    const custom = await customComponentCatalog(trx, caller.orgId);
    const definition = validateDraftForPublish(
      draft.definition,
      draft.componentManifest ? [draft.componentManifest, ...custom] : custom,
    );
    const { next } = await trx
      .selectFrom('integration_versions')
      .select(sql<number>`coalesce(max(version_number), 0) + 1`.as('next'))
      .where('integration_id', '=', draft.id)
      .executeTakeFirstOrThrow();
    const row = await trx
      .insertInto('integration_versions')
      .values({
        org_id: caller.orgId,
        integration_id: draft.id,
        version_number: next,
        comment,
        definition: JSON.stringify(definition),
        bundle_sha256: draft.bundleSha256,
        component_manifest: draft.componentManifest ? JSON.stringify(draft.componentManifest) : null,
        is_code_native: definition.isCodeNative,
        published_by_token_id: caller.tokenId,
        published_by_user_id: caller.kind === 'organization' && !caller.tokenId ? caller.userId : null,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toVersion(row);
  });
}

/** Newest first. */
export async function listVersions(db: Db, orgId: string, id: string): Promise<IntegrationVersion[]> {
  const integration = await getIntegrationRef(db, orgId, id);
  const rows = await db
    .selectFrom('integration_versions')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id)
    .orderBy('version_number', 'desc')
    .execute();
  return rows.map(toVersion);
}

export async function getVersion(
  db: Db,
  orgId: string,
  id: string,
  versionNumber: number,
): Promise<IntegrationVersion & { definition: Integration }> {
  const integration = await getIntegrationRef(db, orgId, id);
  const row = await db
    .selectFrom('integration_versions')
    .select([...columns, 'definition'])
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id)
    .where('version_number', '=', versionNumber)
    .executeTakeFirst();
  if (!row) throw versionNotFound(integration.name, versionNumber);
  return { ...toVersion(row), definition: row.definition as Integration };
}

/** Marks a version available (deployable) or not; the only change a version admits. */
export async function setVersionAvailable(
  db: Db,
  orgId: string,
  id: string,
  versionNumber: number,
  available: boolean,
): Promise<IntegrationVersion> {
  const integration = await getIntegrationRef(db, orgId, id);
  const row = await db
    .updateTable('integration_versions')
    .set({ available })
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id)
    .where('version_number', '=', versionNumber)
    .returning(columns)
    .executeTakeFirst();
  if (!row) throw versionNotFound(integration.name, versionNumber);
  return toVersion(row);
}
