import { createHash } from 'node:crypto';
import { builtinComponent } from '@weft/components';
import type { CatalogComponent } from '@weft/definition';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { extractComponentBundle } from './code-native-bundle.js';
import { refuseUnsupportedFeatures } from './component-features.js';
import type {
  ComponentSummary,
  ComponentUsage,
  ComponentVersion,
  PublishedComponent,
} from './component-schemas.js';

/**
 * An organization's custom components: every publish of a bundle is a new, immutable version numbered from 1;
 * publishing the very same bundle again is a no-op that answers the existing version. The manifest stored with
 * each version was read from the bundle in a sandbox; the bundle itself is loaded only when a sandbox process
 * starts for it.
 */

type Db = Kysely<Database>;

/** A version as executions use it: its manifest and how to reach its bundle. */
export interface ComponentVersionRef {
  key: string;
  version: number;
  sha256: string;
  manifest: CatalogComponent;
}

const keyPattern = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

function checkKey(key: string): void {
  if (!keyPattern.test(key)) {
    throw new WeftError(
      'BUNDLE_INVALID',
      `The component's key '${key.slice(0, 120)}' is not usable: start with a letter, then letters, digits, - or _ (at most 100).`,
    );
  }
  if (builtinComponent(key) || key.toLowerCase().startsWith('cni-')) {
    throw new WeftError(
      'COMPONENT_KEY_RESERVED',
      `The key '${key}' is reserved (${key.toLowerCase().startsWith('cni-') ? 'cni- keys belong to code-native integrations' : "it is a built-in component's key"}); give your component another key.`,
      { key },
    );
  }
}

function operationKeys(collection: Record<string, unknown> | undefined): string[] {
  return Object.keys(collection ?? {}).sort();
}

/** Reads the bundle's manifest in a sandbox and stores it as the component's next version (unless unchanged). */
export async function publishComponent(
  db: Db,
  orgId: string,
  input: { bundle: Buffer; comment?: string; tokenId?: string | null; userId?: string | null },
): Promise<PublishedComponent> {
  const { component, declared } = await extractComponentBundle(input.bundle);
  checkKey(component.key);
  refuseUnsupportedFeatures(component.key, declared);
  const sha256 = createHash('sha256').update(input.bundle).digest('hex');
  const manifest: CatalogComponent = { ...component, isPublic: false };
  delete manifest.versions;
  const published = await db.transaction().execute(async (trx) => {
    // One publisher per key at a time: version numbers have no gaps and no duplicates.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`component:${orgId}:${component.key}`}, 0))`.execute(
      trx,
    );
    const latest = await trx
      .selectFrom('component_versions')
      .select(['version', 'bundle_sha256'])
      .where('org_id', '=', orgId)
      .where('key', '=', component.key)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest?.bundle_sha256 === sha256) {
      const row = await versionRow(trx, orgId, component.key, latest.version);
      return { row, unchanged: true };
    }
    const row = await trx
      .insertInto('component_versions')
      .values({
        org_id: orgId,
        key: component.key,
        version: (latest?.version ?? 0) + 1,
        label: component.label ?? component.key,
        description: component.description ?? '',
        comment: input.comment ?? '',
        manifest: JSON.stringify(manifest),
        bundle: input.bundle,
        bundle_sha256: sha256,
        size_bytes: input.bundle.length,
        published_by_token_id: input.tokenId ?? null,
        published_by_user_id: input.tokenId ? null : (input.userId ?? null),
      })
      .returning(summaryColumns)
      .executeTakeFirstOrThrow();
    return { row, unchanged: false };
  });
  return {
    ...summaryOf(published.row),
    unchanged: published.unchanged,
    actions: operationKeys(manifest.actions),
    triggers: operationKeys(manifest.triggers),
    dataSources: operationKeys(manifest.dataSources),
    connections: operationKeys(manifest.connections),
  };
}

const summaryColumns = [
  'key',
  'version',
  'label',
  'description',
  'comment',
  'bundle_sha256',
  'size_bytes',
  'published_at',
  // Who published, as people read it: the signed-in person, or the token's user, or an organization token's name.
  sql<string | null>`coalesce(
    (select u.name from users u where u.id = published_by_user_id),
    (select coalesce(u.name, t.name) from api_tokens t left join users u on u.id = t.user_id
      where t.id = published_by_token_id))`.as('published_by'),
] as const;

type SummaryRow = {
  key: string;
  version: number;
  label: string;
  description: string;
  comment: string;
  bundle_sha256: string;
  size_bytes: number;
  published_at: Date;
  published_by: string | null;
};

function summaryOf(row: SummaryRow): ComponentVersion {
  return {
    key: row.key,
    version: row.version,
    label: row.label,
    description: row.description,
    comment: row.comment,
    sha256: row.bundle_sha256,
    bundleBytes: row.size_bytes,
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.published_by,
  };
}

async function versionRow(db: Db, orgId: string, key: string, version: number): Promise<SummaryRow> {
  return db
    .selectFrom('component_versions')
    .select(summaryColumns)
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
}

/** Every custom component of the organization, by key, with its latest version. */
export async function listComponents(db: Db, orgId: string): Promise<ComponentSummary[]> {
  const rows = await db
    .selectFrom('component_versions as v')
    .select(['v.key', 'v.label', 'v.description', 'v.version', 'v.published_at'])
    .select(
      sql<number>`(select count(*)::int from component_versions c where c.org_id = v.org_id and c.key = v.key)`.as(
        'version_count',
      ),
    )
    .where('v.org_id', '=', orgId)
    .where(({ eb, selectFrom }) =>
      eb(
        'v.version',
        '=',
        selectFrom('component_versions as l')
          .select(({ fn }) => fn.max('l.version').as('latest'))
          .whereRef('l.org_id', '=', 'v.org_id')
          .whereRef('l.key', '=', 'v.key'),
      ),
    )
    .orderBy('v.key')
    .execute();
  return rows.map((row) => ({
    key: row.key,
    label: row.label,
    description: row.description,
    latestVersion: row.version,
    versionCount: row.version_count,
    publishedAt: row.published_at.toISOString(),
  }));
}

/** A component's versions, newest first. */
export async function componentVersions(db: Db, orgId: string, key: string): Promise<ComponentVersion[]> {
  const rows = await db
    .selectFrom('component_versions')
    .select(summaryColumns)
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .orderBy('version', 'desc')
    .execute();
  if (rows.length === 0) throw notFound(key);
  return rows.map(summaryOf);
}

function notFound(key: string): WeftError {
  return new WeftError('COMPONENT_NOT_FOUND', `No custom component '${key}' in your organization.`, { key });
}

/** One version (a number, or LATEST / undefined for the newest) with its manifest. */
export async function findComponentVersion(
  db: Db,
  orgId: string,
  key: string,
  version?: number | 'LATEST',
): Promise<ComponentVersionRef & ComponentVersion> {
  let query = db
    .selectFrom('component_versions')
    .select([...summaryColumns, 'manifest'])
    .where('org_id', '=', orgId)
    .where('key', '=', key);
  query =
    typeof version === 'number'
      ? query.where('version', '=', version)
      : query.orderBy('version', 'desc').limit(1);
  const row = await query.executeTakeFirst();
  if (!row) {
    if (typeof version !== 'number') throw notFound(key);
    throw new WeftError('COMPONENT_VERSION_NOT_FOUND', `Component '${key}' has no version ${version}.`, {
      key,
      version,
    });
  }
  return { ...summaryOf(row), manifest: row.manifest as CatalogComponent };
}

/** The bundle of one version, by its content hash (what sandbox processes load). */
export async function componentBundle(db: Db, orgId: string, sha256: string): Promise<Buffer> {
  const row = await db
    .selectFrom('component_versions')
    .select('bundle')
    .where('org_id', '=', orgId)
    .where('bundle_sha256', '=', sha256)
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new WeftError('COMPONENT_NOT_FOUND', 'The component bundle was deleted.');
  return row.bundle;
}

/**
 * The organization's custom components as catalog entries for definition validation: each key's latest manifest,
 * with every version number (a step may name an older one, or LATEST).
 */
export async function customComponentCatalog(db: Db, orgId: string): Promise<CatalogComponent[]> {
  const rows = await db
    .selectFrom('component_versions')
    .select(['key', 'version', 'manifest'])
    .where('org_id', '=', orgId)
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute();
  const byKey = new Map<string, CatalogComponent>();
  for (const row of rows) {
    const entry = byKey.get(row.key);
    if (entry) entry.versions?.push(row.version);
    else
      byKey.set(row.key, { ...(row.manifest as CatalogComponent), isPublic: false, versions: [row.version] });
  }
  return [...byKey.values()];
}

/**
 * The components an integration version's connections may be defined by: its code-native component, and the
 * custom components its connection config variables name (looked up only when there are any).
 */
export async function connectionComponents(
  db: Db,
  orgId: string,
  definition: { configVars?: Array<{ connection?: { component: { key: string } } }> } | null | undefined,
  generated: CatalogComponent | null,
): Promise<CatalogComponent[]> {
  const own = generated ? [generated] : [];
  const keys = new Set<string>();
  for (const configVar of definition?.configVars ?? []) {
    const key = configVar.connection?.component.key;
    if (key && key !== generated?.key && !builtinComponent(key)) keys.add(key);
  }
  if (keys.size === 0) return own;
  const custom = await customComponentCatalog(db, orgId);
  return [...own, ...custom.filter((component) => keys.has(component.key))];
}

/**
 * The integrations whose draft or published versions name the component anywhere a component is named (steps at
 * any depth, connection config variables, supplemental components), by name. One query: a JSON path over the
 * stored definitions, so no definition travels to the caller.
 */
export async function componentUsage(db: Db, orgId: string, key: string): Promise<ComponentUsage[]> {
  await componentVersions(db, orgId, key);
  const path = '$.** ? (@.component.key == $key)';
  const vars = JSON.stringify({ key });
  const { rows } = await sql<{ id: string; name: string; in_draft: boolean; versions: number[] | null }>`
    select i.id, i.name,
           jsonb_path_exists(i.definition, ${path}::jsonpath, ${vars}::jsonb) as in_draft,
           (select array_agg(v.version_number order by v.version_number desc) from integration_versions v
             where v.integration_id = i.id
               and jsonb_path_exists(v.definition, ${path}::jsonpath, ${vars}::jsonb)) as versions
      from integrations i
     where i.org_id = ${orgId}
     order by lower(i.name)`.execute(db);
  return rows
    .filter((row) => row.in_draft || (row.versions?.length ?? 0) > 0)
    .map((row) => ({
      integrationId: row.id,
      integrationName: row.name,
      inDraft: row.in_draft,
      versions: row.versions ?? [],
    }));
}
