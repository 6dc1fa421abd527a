import type { CatalogComponent, Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';

/**
 * Published integration versions by id, kept in memory: a version is an immutable snapshot, so a worker reads and
 * parses each definition once, not once per execution. The engine never changes the definition it runs.
 */
export interface VersionEntry {
  integration: Integration;
  /** A code-native integration's generated component (its connections among them). */
  manifest: CatalogComponent | null;
  /** A code-native integration's bundle (in `integration_bundles`), which its generated component runs from. */
  bundleSha256: string | null;
  /** Whether any step runs code-native or custom component code (which reads its instance's webhook URLs). */
  runsCustomCode: boolean;
}

export class IntegrationVersions {
  private readonly entries = new Map<string, Promise<VersionEntry | undefined>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capacity = 200,
  ) {}

  async get(versionId: string): Promise<Integration | undefined> {
    return (await this.entry(versionId))?.integration;
  }

  entry(versionId: string): Promise<VersionEntry | undefined> {
    const cached = this.entries.get(versionId);
    if (cached) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(versionId);
      this.entries.set(versionId, cached);
      return cached;
    }
    const loading = this.db
      .selectFrom('integration_versions')
      .select(['definition', 'component_manifest', 'bundle_sha256'])
      .where('id', '=', versionId)
      .executeTakeFirst()
      .then((row) =>
        row
          ? {
              integration: row.definition as Integration,
              manifest: (row.component_manifest as CatalogComponent | null) ?? null,
              bundleSha256: row.bundle_sha256,
              // Private component references are code-native or custom ones; built-in components are public.
              runsCustomCode:
                row.component_manifest !== null ||
                JSON.stringify(row.definition).includes('"isPublic":false'),
            }
          : undefined,
      );
    this.entries.set(versionId, loading);
    // A failed or empty read is not kept: the next execution asks again.
    loading.then(
      (entry) => {
        if (!entry) this.entries.delete(versionId);
      },
      () => this.entries.delete(versionId),
    );
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return loading;
  }
}
