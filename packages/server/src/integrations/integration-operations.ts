import { createHash } from 'node:crypto';
import type { CatalogComponent, DefinitionProblem, Integration } from '@weft/definition';
import { type Kysely, sql } from 'kysely';
import { extractCodeNativeBundle } from '../components/code-native-bundle.js';
import { customComponentCatalog } from '../components/component-store.js';
import type { Database } from '../database/schema.js';
import {
  metadataOf,
  type ParsedDefinition,
  parseDefinition,
  withMetadata,
} from './integration-definition.js';
import type { IntegrationSummary } from './integration-schemas.js';
import {
  type Db,
  draftOf,
  dropUnusedBundles,
  getIntegrationRef,
  getIntegrationSummary,
  metadataColumns,
  withNameCheck,
} from './integration-store.js';

/**
 * The integrations' operation beyond SQL: importing a definition (the SQL of the draft itself is in
 * integration-store.ts). YAML as given, or a code-native bundle read in its sandbox first. Either creates an
 * integration or replaces the draft of one; a code-native bundle is stored once per organization and content hash.
 */

export interface ImportInput {
  /** YAML text. */
  definition?: string;
  /** A code-native bundle (CommonJS). */
  bundle?: Buffer;
  fileName?: string;
  integrationId?: string;
}

export interface ImportResult {
  integration: IntegrationSummary;
  created: boolean;
  warnings: DefinitionProblem[];
}

function sha256Of(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Stores a bundle once per organization and content hash. When it is already there, the row is still locked (a
 * no-op update) until the import commits, so that an import elsewhere dropping it as unused waits for this one and
 * then sees it in use, instead of deleting it between this insert and the draft that refers to it.
 */
async function storeBundle(trx: Db, orgId: string, content: Buffer): Promise<string> {
  const sha256 = sha256Of(content);
  await trx
    .insertInto('integration_bundles')
    .values({ org_id: orgId, sha256, content, size_bytes: content.length })
    .onConflict((oc) =>
      oc.columns(['org_id', 'sha256']).doUpdateSet({ size_bytes: (eb) => eb.ref('excluded.size_bytes') }),
    )
    .execute();
  return sha256;
}

/** What an import stores: YAML text, and for a code-native bundle the bundle and its generated component. */
interface ImportSource {
  text: string;
  fileName: string;
  bundle: Buffer | null;
  generated: CatalogComponent | null;
  /** The organization's custom components, which steps may use. */
  custom: CatalogComponent[];
}

/** A code-native component (when there is one) and the custom components, for validation. */
function extrasOf(generated: CatalogComponent | null, source: ImportSource): CatalogComponent[] {
  return generated ? [generated, ...source.custom] : source.custom;
}

/**
 * Where an integration import enters: a YAML definition, or a code-native bundle whose YAML and component are
 * read in a sandbox first. The definition is validated against the component catalog; with `integrationId` it
 * replaces that integration's draft (flows and config variables keep their stable keys), otherwise it creates a
 * new integration. Nothing is stored when anything is wrong.
 */
export async function importIntegration(
  db: Kysely<Database>,
  orgId: string,
  input: ImportInput,
): Promise<ImportResult> {
  const source = await importSourceOf(db, orgId, input);
  return input.integrationId
    ? replaceDraftFromImport(db, orgId, input.integrationId, source)
    : createFromImport(db, orgId, source);
}

async function importSourceOf(db: Db, orgId: string, input: ImportInput): Promise<ImportSource> {
  if (!input.bundle) {
    return {
      text: input.definition ?? '',
      fileName: input.fileName ?? 'definition.yaml',
      bundle: null,
      generated: null,
      custom: await customComponentCatalog(db, orgId),
    };
  }
  // Loading a bundle takes seconds, so it happens outside any transaction, after checking there is a draft to replace.
  if (input.integrationId) await getIntegrationRef(db, orgId, input.integrationId);
  const extracted = await extractCodeNativeBundle(input.bundle);
  return {
    text: extracted.yaml,
    fileName: input.fileName ?? 'codeNativeIntegrationYAML',
    bundle: input.bundle,
    generated: extracted.component,
    custom: await customComponentCatalog(db, orgId),
  };
}

/** The definition as stored: code-native when it came from a bundle, its metadata as clean as the columns'. */
function storedDefinition(parsed: ParsedDefinition, fromBundle: boolean): Integration {
  const definition = fromBundle ? { ...parsed.integration, isCodeNative: true } : parsed.integration;
  return withMetadata(definition, metadataOf(definition));
}

/** The columns that hold a draft: its metadata, definition, and a code-native draft's bundle and component. */
function draftColumns(
  definition: Integration,
  bundleSha256: string | null,
  manifest: CatalogComponent | null,
) {
  return {
    ...metadataColumns(metadataOf(definition)),
    is_code_native: definition.isCodeNative,
    definition: JSON.stringify(definition),
    bundle_sha256: bundleSha256,
    component_manifest: manifest ? JSON.stringify(manifest) : null,
  };
}

async function createFromImport(
  db: Kysely<Database>,
  orgId: string,
  source: ImportSource,
): Promise<ImportResult> {
  const parsed = parseDefinition(source.text, {
    fileName: source.fileName,
    generated: extrasOf(source.generated, source),
  });
  const definition = storedDefinition(parsed, source.generated !== null);
  return withNameCheck(
    db,
    orgId,
    () => definition.name,
    async (trx) => {
      const bundleSha256 = source.bundle ? await storeBundle(trx, orgId, source.bundle) : null;
      const { id } = await trx
        .insertInto('integrations')
        .values({ org_id: orgId, ...draftColumns(definition, bundleSha256, source.generated) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return {
        integration: await getIntegrationSummary(trx, orgId, id),
        created: true,
        warnings: parsed.warnings,
      };
    },
  );
}

/**
 * Parses YAML that replaces the draft of an integration that has a bundle. It keeps the bundle only when it is the
 * code-native definition of that bundle (as exported); any other definition is checked without the bundle's
 * component, and replaces it.
 */
function parseReplacement(
  source: ImportSource,
  current: Awaited<ReturnType<typeof draftOf>>,
): { parsed: ParsedDefinition; keepsBundle: boolean } {
  const options = { fileName: source.fileName, previous: current.definition };
  if (source.generated) {
    return {
      parsed: parseDefinition(source.text, { ...options, generated: extrasOf(source.generated, source) }),
      keepsBundle: false,
    };
  }
  if (current.bundleSha256 !== null && current.componentManifest) {
    const parsed = parseDefinition(source.text, {
      ...options,
      generated: extrasOf(current.componentManifest, source),
    });
    if (parsed.integration.isCodeNative) return { parsed, keepsBundle: true };
  }
  return {
    parsed: parseDefinition(source.text, { ...options, generated: source.custom }),
    keepsBundle: false,
  };
}

async function replaceDraftFromImport(
  db: Kysely<Database>,
  orgId: string,
  integrationId: string,
  source: ImportSource,
): Promise<ImportResult> {
  let name = '';
  return withNameCheck(
    db,
    orgId,
    () => name,
    async (trx) => {
      const current = await draftOf(trx, orgId, integrationId, 'update');
      const { parsed, keepsBundle } = parseReplacement(source, current);
      const definition = storedDefinition(parsed, source.generated !== null);
      name = definition.name;
      const bundleSha256 = source.bundle
        ? await storeBundle(trx, orgId, source.bundle)
        : keepsBundle
          ? current.bundleSha256
          : null;
      const manifest = source.generated ?? (keepsBundle ? current.componentManifest : null);
      await trx
        .updateTable('integrations')
        .set({
          ...draftColumns(definition, bundleSha256, manifest),
          updated_at: sql<Date>`now()`,
          draft_updated_at: sql<Date>`now()`,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', current.id)
        .execute();
      if (current.bundleSha256 !== bundleSha256) await dropUnusedBundles(trx, orgId, [current.bundleSha256]);
      return {
        integration: await getIntegrationSummary(trx, orgId, current.id),
        created: false,
        warnings: parsed.warnings,
      };
    },
  );
}
