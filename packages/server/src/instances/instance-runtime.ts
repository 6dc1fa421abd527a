import { type Integration, privateKeyFragmentsIn } from '@weft/definition';
import type { Egress } from '@weft/egress';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import { connectionComponents } from '../components/component-store.js';
import { ExecutionComponents } from '../components/execution-components.js';
import { resolveConnections } from '../connections/connection-runtime.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { configValuesByName, type StoredValues } from './instance-config.js';

/**
 * What running component code for an instance outside an execution needs (a config wizard's data source, a
 * trigger's deploy and delete functions): the instance and its version, the components its steps may use, who it
 * is for, and its config values with its connections resolved.
 */

export interface InstanceRuntimeDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
  sandboxes: ComponentSandboxes;
  /** Token renewals of the instance's connections go out under it; without it, the sandboxes' (the server's). */
  egress?: Egress;
}

export interface InstanceRuntime {
  orgId: string;
  instanceId: string;
  integrationId: string;
  /** The integration version whose definition and components these are. */
  versionId: string;
  versionNumber: number;
  integration: Integration;
  components: ExecutionComponents;
  /** The context fields that say whom the code runs for. */
  identity: {
    customer: { id: string; externalId: string; name: string };
    instance: { id: string; name: string };
    user: { id: string; email: string; name: string; externalId: string };
    integration: { id: string; name: string; versionSequenceId: string; externalVersion: string };
  };
  /** Config values by name, connections included; throws ConnectionUnavailableError when one cannot be used. */
  configValues(): Promise<{ values: Record<string, unknown>; secrets: string[] }>;
}

/**
 * The instance with its configured (wizards) or deployed (lifecycle functions) version, or another version of its
 * integration given by id (removing a webhook registered by an earlier version); undefined when absent.
 */
export async function loadInstanceRuntime(
  deps: InstanceRuntimeDeps,
  orgId: string,
  instanceId: string,
  version: 'configured' | 'deployed' | { versionId: string },
): Promise<InstanceRuntime | undefined> {
  const { db } = deps;
  if (!isUuid(instanceId)) return undefined;
  const row = await db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', (join) =>
      typeof version === 'object'
        ? join.on('v.id', '=', version.versionId).onRef('v.integration_id', '=', 'n.integration_id')
        : join.onRef(
            'v.id',
            '=',
            version === 'deployed' ? 'n.deployed_version_id' : 'n.integration_version_id',
          ),
    )
    .innerJoin('customers as c', 'c.id', 'n.customer_id')
    .select([
      'n.id',
      'n.name',
      'n.config_values',
      'n.customer_id',
      'c.name as customer_name',
      'c.external_id as customer_external_id',
      'v.definition',
      'v.component_manifest',
      'v.bundle_sha256',
      'v.integration_id',
      'v.id as version_id',
      'v.version_number',
    ])
    .where('n.org_id', '=', orgId)
    .where('n.id', '=', instanceId)
    .executeTakeFirst();
  if (!row) return undefined;
  const integration = row.definition as Integration;
  const manifest = (row.component_manifest ?? null) as Parameters<typeof connectionComponents>[3];
  return {
    orgId,
    instanceId: row.id,
    integrationId: row.integration_id,
    versionId: row.version_id,
    versionNumber: row.version_number,
    integration,
    components: new ExecutionComponents(
      db,
      deps.sandboxes,
      orgId,
      manifest && row.bundle_sha256 ? { manifest, bundleSha256: row.bundle_sha256 } : null,
    ),
    identity: {
      customer: { id: row.customer_id, externalId: row.customer_external_id ?? '', name: row.customer_name },
      instance: { id: row.id, name: row.name },
      user: { id: '', email: '', name: '', externalId: '' },
      integration: {
        id: row.integration_id,
        name: integration.name,
        versionSequenceId: '',
        externalVersion: '',
      },
    },
    configValues: async () => {
      const values = configValuesByName(integration, (row.config_values ?? {}) as StoredValues);
      const connections = await resolveConnections(
        { db, keyring: deps.keyring, log: deps.log, egress: deps.egress ?? deps.sandboxes.egress },
        { orgId, instanceId: row.id, customerId: row.customer_id },
        integration,
        await connectionComponents(db, orgId, integration, manifest),
      );
      return {
        values: { ...values, ...connections?.values },
        // Private keys pasted into plain config variables are masked like connection secrets (key-material.ts).
        secrets: [...(connections?.secrets ?? []), ...privateKeyFragmentsIn(row.config_values ?? {})],
      };
    },
  };
}
