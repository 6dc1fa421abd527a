import { builtinComponent } from '@weft/components';
import type { CatalogComponent, ComponentRef } from '@weft/definition';
import type { ComponentLoader } from '@weft/engine';
import type { Component } from '@weft/sdk';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { isWeftError } from '../errors.js';
import type { ComponentSandboxes } from './component-sandboxes.js';
import { componentBundle, findComponentVersion } from './component-store.js';
import { sandboxedComponent } from './sandboxed-component.js';

/** A code-native integration version's own component: its manifest and its bundle's hash. */
export interface GeneratedComponent {
  manifest: CatalogComponent;
  bundleSha256: string;
}

/**
 * The components one execution (or one data source request) may use, in the order a key is looked up: the
 * code-native integration's own component, the built-in catalog, then the organization's custom components at the
 * version the step names (LATEST: the newest at the time the step first needs it). Custom and code-native code
 * runs in sandboxes. `versionsUsed` records which custom component versions were loaded, for the execution record.
 */
export class ExecutionComponents implements ComponentLoader {
  readonly versionsUsed: Record<string, number> = {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sandboxes: ComponentSandboxes,
    private readonly orgId: string,
    private readonly generated: GeneratedComponent | null,
  ) {}

  async load(ref: ComponentRef): Promise<Component | undefined> {
    const { db, orgId, generated } = this;
    if (generated && ref.key === generated.manifest.key) {
      const sha256 = generated.bundleSha256;
      return sandboxedComponent(
        generated.manifest,
        {
          sha256,
          label: `the code-native integration's component '${ref.key}'`,
          load: () => integrationBundle(db, orgId, sha256),
        },
        this.sandboxes,
      );
    }
    const builtin = builtinComponent(ref.key);
    if (builtin) return builtin;
    let found: Awaited<ReturnType<typeof findComponentVersion>>;
    try {
      found = await findComponentVersion(db, orgId, ref.key, ref.version ?? 'LATEST');
    } catch (error) {
      if (isWeftError(error) && error.code === 'COMPONENT_NOT_FOUND') return undefined;
      throw error;
    }
    this.versionsUsed[ref.key] = found.version;
    const { sha256 } = found;
    return sandboxedComponent(
      found.manifest,
      {
        sha256,
        label: `component '${ref.key}' (version ${found.version})`,
        load: () => componentBundle(db, orgId, sha256),
      },
      this.sandboxes,
    );
  }
}

async function integrationBundle(db: Kysely<Database>, orgId: string, sha256: string): Promise<Buffer> {
  const row = await db
    .selectFrom('integration_bundles')
    .select('content')
    .where('org_id', '=', orgId)
    .where('sha256', '=', sha256)
    .executeTakeFirstOrThrow();
  return row.content;
}
