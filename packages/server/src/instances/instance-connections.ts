import type { ConfigVar, Integration } from '@weft/definition';
import type { Transaction } from 'kysely';
import {
  connectionFields,
  findConnectionDefinition,
  mergeInputs,
} from '../connections/connection-definitions.js';
import { openFields, saveConnection } from '../connections/connection-store.js';
import type { Database } from '../database/schema.js';
import type { ExtraComponents } from '../integrations/component-catalog.js';
import type { Keyring } from '../secrets/keyring.js';
import type { ConfigProblem, StoredValues } from './instance-config.js';

/**
 * Connection config values of an instance. The API takes a connection's input values like any config value
 * (`{"apiKey": "..."}`); they are checked against the connection's definition, merged over the inputs already
 * stored (so one input can change without sending the secrets again), sealed into `connections`, and the instance's
 * `config_values` keeps only `{connectionId}`. Checks run first; the answered writes run once nothing was refused.
 */
export async function prepareConnectionValues(
  trx: Transaction<Database>,
  keyring: Keyring,
  request: {
    orgId: string;
    instanceId: string;
    definition: unknown;
    manifest: ExtraComponents;
    set: StoredValues;
    unset: string[];
    problems: ConfigProblem[];
  },
): Promise<Array<() => Promise<void>>> {
  const writes: Array<() => Promise<void>> = [];
  const configVars = ((request.definition as Integration | null)?.configVars ?? []).filter(
    (configVar) => configVar.dataType === 'connection',
  );
  for (const configVar of configVars) {
    const stableKey = configVar.stableKey;
    if (request.unset.includes(stableKey)) {
      writes.push(async () => {
        await trx
          .deleteFrom('connections')
          .where('instance_id', '=', request.instanceId)
          .where('config_var_stable_key', '=', stableKey)
          .execute();
      });
      continue;
    }
    if (!Object.hasOwn(request.set, stableKey)) continue;
    const given = request.set[stableKey] as Record<string, unknown>;
    if (configVar.useScopedConfigVar) {
      request.problems.push({
        configVar: configVar.key,
        message: `Config variable '${configVar.key}' uses the organization connection '${configVar.useScopedConfigVar}': set its credentials with weft connections:update or weft connections:set-customer, not on the instance`,
      });
      continue;
    }
    const ref = configVar.connection;
    const definition = ref
      ? findConnectionDefinition(ref.component.key, ref.key, request.manifest)
      : undefined;
    if (!definition) {
      request.problems.push({
        configVar: configVar.key,
        message: `Config variable '${configVar.key}' names connection ${ref ? `${ref.component.key}/${ref.key}` : '(none)'}, which no component defines`,
      });
      continue;
    }
    const existing = await trx
      .selectFrom('connections')
      .select(['id', 'fields_secret'])
      .where('instance_id', '=', request.instanceId)
      .where('config_var_stable_key', '=', stableKey)
      .executeTakeFirst();
    const stored = existing ? await openFields(keyring, existing).catch(() => ({})) : {};
    const { fields, problems } = connectionFields(
      definition,
      mergeInputs(definition, stored, given),
      integrationInputValues(configVar),
    );
    if (problems.length > 0) {
      request.problems.push({
        configVar: configVar.key,
        message: `Config variable '${configVar.key}' (connection ${definition.componentKey}/${definition.key}): ${problems.join('; ')}`,
      });
      continue;
    }
    writes.push(async () => {
      const connectionId = await saveConnection(
        trx,
        keyring,
        { orgId: request.orgId, instanceId: request.instanceId, configVarStableKey: stableKey },
        definition,
        fields,
      );
      request.set[stableKey] = { connectionId };
    });
  }
  return writes;
}

/** Values the integration itself gives the connection's inputs (the config variable's `inputs`). */
export function integrationInputValues(configVar: ConfigVar): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(configVar.inputs ?? {})) {
    if (input.type === 'value' && input.value !== undefined) values[name] = input.value;
  }
  return values;
}
