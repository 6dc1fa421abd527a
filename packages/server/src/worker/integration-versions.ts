import type { Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';

/**
 * Published integration versions by id, kept in memory: a version is an immutable snapshot, so a worker reads and
 * parses each definition once, not once per execution. The engine never changes the definition it runs.
 */
export class IntegrationVersions {
  private readonly entries = new Map<string, Promise<Integration | undefined>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capacity = 200,
  ) {}

  get(versionId: string): Promise<Integration | undefined> {
    const cached = this.entries.get(versionId);
    if (cached) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(versionId);
      this.entries.set(versionId, cached);
      return cached;
    }
    const loading = this.db
      .selectFrom('integration_versions')
      .select('definition')
      .where('id', '=', versionId)
      .executeTakeFirst()
      .then((row) => (row ? (row.definition as Integration) : undefined));
    this.entries.set(versionId, loading);
    // A failed or empty read is not kept: the next execution asks again.
    loading.then(
      (integration) => {
        if (!integration) this.entries.delete(versionId);
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
