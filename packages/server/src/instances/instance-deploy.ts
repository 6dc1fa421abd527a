import { randomBytes } from 'node:crypto';
import { cronProblem, type Flow, type Integration } from '@weft/definition';
import { type Kysely, sql, type Transaction } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { instanceNotFound, WeftError } from '../errors.js';
import { flowsOf, queueExecutionIn } from '../executions/execution-queue.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import type { Db } from '../integrations/integration-store.js';
import { nextTick } from '../scheduler/schedule-ticks.js';
import { configIncompleteError, configVarsOf, defaultValues, type StoredValues } from './instance-config.js';
import type { DeployOutcome, InstanceEndpoints, RemoveOutcome } from './instance-schemas.js';

/**
 * An instance's life cycle beyond configuration: deploy (webhook endpoints, API keys and schedules registered for
 * every flow of the configured version, then its deploy-trigger flows queued, all in one transaction), upgrade to
 * another version, and removal (remove-trigger flows run, then the instance and its data are deleted).
 */

/**
 * What a deploy did: the version deployed, when, and the executions of its deploy-trigger flows (a failing one
 * does not undo the deploy).
 */
export type DeployedVersion = Omit<DeployOutcome, 'instance'>;

/** `component/action` of a flow's trigger. */
export function triggerOf(flow: Flow): string {
  return `${flow.trigger?.action?.component?.key ?? ''}/${flow.trigger?.action?.key ?? ''}`;
}

export const deployTrigger = 'management-triggers/instanceDeploy';
export const removeTrigger = 'management-triggers/instanceRemove';

/**
 * Flows secured with instance API keys that must exist: deploy generates one when the instance has none. (Flows
 * secured by the organization take the flow's `organizationApiKeys`, never the instance's.)
 */
const keyedSecurity = new Set(['customer_required']);

/** The API keys that open a flow's webhook: none, the flow's organization keys, or the instance's keys. */
export function flowApiKeys(flow: Flow, instanceApiKeys: string[]): string[] {
  if (flow.endpointSecurityType === 'unsecured') return [];
  if (flow.endpointSecurityType === 'organization') {
    return (flow.organizationApiKeys ?? []).filter((key) => key !== '');
  }
  return instanceApiKeys;
}

export function newApiKey(): string {
  return randomBytes(24).toString('base64url');
}

interface ResolvedSchedule {
  flow: Flow;
  cron: string;
  timeZone: string;
}

/** The cron and time zone of each schedule-triggered flow, from the definition or a schedule config variable. */
function resolveSchedules(integration: Integration, stored: StoredValues) {
  const schedules: ResolvedSchedule[] = [];
  const problems: Array<{ configVar: string; message: string }> = [];
  const configVars = configVarsOf(integration);
  for (const flow of flowsOf(integration)) {
    const schedule = flow.schedule;
    // Exports write an unscheduled trigger's schedule empty (`value: ""`, `scheduleType: once`): no schedule.
    if (!schedule || schedule.value.trim() === '') continue;
    let cron = schedule.value;
    let timeZone = schedule.timeZone ?? '';
    if (schedule.type === 'configVar') {
      const configVar = configVars.find((candidate) => candidate.key === schedule.value);
      const value = configVar ? stored[configVar.stableKey] : undefined;
      if (typeof value !== 'string' || cronProblem(value) !== undefined) {
        problems.push({
          configVar: schedule.value,
          message: `'${schedule.value}' must hold a valid cron expression for flow '${flow.name}'`,
        });
        continue;
      }
      cron = value;
      timeZone = timeZone || configVar?.timeZone || '';
    }
    schedules.push({ flow, cron, timeZone: timeZone || 'UTC' });
  }
  return { schedules, problems };
}

async function lockInstance(trx: Transaction<Database>, orgId: string, id: string) {
  const row = isUuid(id)
    ? await trx
        .selectFrom('instances as n')
        .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
        .select([
          'n.id',
          'n.enabled',
          'n.config_values',
          'n.api_keys',
          'n.integration_version_id',
          'v.version_number',
          'v.definition',
        ])
        .where('n.org_id', '=', orgId)
        .where('n.id', '=', id)
        .forUpdate('n')
        .executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  return row;
}

/**
 * Deploys the instance's configured version (its records: endpoints, keys, schedules, deploy flows queued); throws
 * INSTANCE_CONFIG_INCOMPLETE (nothing changed) when values are missing. instance-operations.ts runs the rest.
 */
export async function deployConfiguredVersion(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<DeployedVersion> {
  return db.transaction().execute(async (trx) => {
    const row = await lockInstance(trx, orgId, id);
    const integration = row.definition as Integration;
    const stored = row.config_values ?? {};
    // Every variable of the wizard's pages needs a value; the error names each one and its page.
    const incomplete = configIncompleteError(integration, stored, row.version_number);
    if (incomplete) throw incomplete;
    const { schedules, problems } = resolveSchedules(integration, stored);
    if (problems.length > 0) {
      throw new WeftError('INSTANCE_CONFIG_INVALID', `${problems.map((p) => p.message).join('; ')}.`, {
        problems,
      });
    }

    const flows = flowsOf(integration);
    if (flows.length > 0) {
      await trx
        .insertInto('instance_flows')
        .values(flows.map((flow) => ({ instance_id: row.id, flow_stable_key: flow.stableKey })))
        .onConflict((conflict) => conflict.columns(['instance_id', 'flow_stable_key']).doNothing())
        .execute();
    }
    const needsKeys = flows.some((flow) => keyedSecurity.has(flow.endpointSecurityType));
    const now = new Date();
    await trx.deleteFrom('instance_schedules').where('instance_id', '=', row.id).execute();
    for (const schedule of schedules) {
      const next = nextTick(schedule.cron, schedule.timeZone, now);
      if (!next) continue; // a cron that never fires again
      await trx
        .insertInto('instance_schedules')
        .values({
          instance_id: row.id,
          flow_stable_key: schedule.flow.stableKey,
          org_id: orgId,
          cron: schedule.cron,
          time_zone: schedule.timeZone,
          singleton: schedule.flow.queueConfig?.singletonExecutions === true,
          next_fire_at: next,
        })
        .execute();
    }
    const deployed = await trx
      .updateTable('instances')
      .set({
        deployed_version_id: row.integration_version_id,
        deployed_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
        ...(needsKeys && row.api_keys.length === 0 ? { api_keys: [newApiKey()] } : {}),
      })
      .where('id', '=', row.id)
      .returning('deployed_at')
      .executeTakeFirstOrThrow();

    const deployExecutions: DeployedVersion['deployExecutions'] = [];
    if (row.enabled) {
      for (const flow of flows.filter((candidate) => triggerOf(candidate) === deployTrigger)) {
        const queued = await queueExecutionIn(trx, {
          orgId,
          instanceId: row.id,
          flowStableKey: flow.stableKey,
          trigger: lifecycleTrigger('deploy'),
          kind: 'deploy',
          requireDeployed: true,
        });
        deployExecutions.push({ id: queued.executionId, flow: flow.name });
      }
    }
    return {
      deployedVersionNumber: row.version_number,
      deployedAt: (deployed.deployed_at ?? now).toISOString(),
      deployExecutions,
    };
  });
}

function lifecycleTrigger(event: 'deploy' | 'remove') {
  return {
    headers: {},
    queryParameters: {},
    body: { data: { event }, contentType: 'application/json' },
  };
}

/**
 * Moves the instance to another available version (the newest by default). Values are kept by stable key and the
 * new version's defaults fill variables it adds. A deployed instance is redeployed at once; if that is blocked
 * (a new variable without a value), the version is set but the old one keeps running until a deploy succeeds.
 */
export async function setInstanceVersion(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  version: { id: string; definition: unknown },
): Promise<{ wasDeployed: boolean }> {
  return db.transaction().execute(async (trx) => {
    await lockInstance(trx, orgId, id);
    const current = await trx
      .selectFrom('instances')
      .select(['config_values', 'deployed_version_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const merged = { ...defaultValues(version.definition), ...(current.config_values ?? {}) };
    await trx
      .updateTable('instances')
      .set({
        integration_version_id: version.id,
        config_values: JSON.stringify(merged),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    return { wasDeployed: current.deployed_version_id !== null };
  });
}

/**
 * Deletes an instance: a deployed, unpaused instance first runs its remove-trigger flows (waiting up to
 * `waitMs` for them; their outcomes are answered, since their records go with the instance), then the instance
 * and all its data (executions, state, schedules, webhook endpoints) are deleted.
 */
export async function removeInstance(
  db: Kysely<Database>,
  waiter: ExecutionWaiter,
  orgId: string,
  id: string,
  waitMs: number,
): Promise<Pick<RemoveOutcome, 'removeExecutions'>> {
  const queued = await db.transaction().execute(async (trx) => {
    const row = await lockInstance(trx, orgId, id);
    const deployedVersion = await trx
      .selectFrom('instances as n')
      .innerJoin('integration_versions as v', 'v.id', 'n.deployed_version_id')
      .select('v.definition')
      .where('n.id', '=', row.id)
      .executeTakeFirst();
    const removeFlows = row.enabled
      ? flowsOf(deployedVersion?.definition).filter((flow) => triggerOf(flow) === removeTrigger)
      : [];
    const executions: Array<{ id: string; flow: string }> = [];
    for (const flow of removeFlows) {
      const execution = await queueExecutionIn(trx, {
        orgId,
        instanceId: row.id,
        flowStableKey: flow.stableKey,
        trigger: lifecycleTrigger('remove'),
        kind: 'remove',
        requireDeployed: true,
      });
      executions.push({ id: execution.executionId, flow: flow.name });
    }
    // From here on nothing else fires: no schedules, and webhooks and new runs see a paused instance.
    await trx.deleteFrom('instance_schedules').where('instance_id', '=', row.id).execute();
    await trx.updateTable('instances').set({ enabled: false }).where('id', '=', row.id).execute();
    return executions;
  });

  const deadline = Date.now() + waitMs;
  for (const execution of queued) await waiter.wait(execution.id, Math.max(0, deadline - Date.now()));
  const outcomes =
    queued.length === 0
      ? []
      : await db
          .selectFrom('executions')
          .select(['id', 'flow_name', 'status', 'error'])
          .where(
            'id',
            'in',
            queued.map((execution) => execution.id),
          )
          .execute();
  await db.deleteFrom('instances').where('org_id', '=', orgId).where('id', '=', id).execute();
  return {
    removeExecutions: outcomes.map((execution) => ({
      id: execution.id,
      flow: execution.flow_name,
      status: execution.status,
      ...(execution.error !== null ? { error: execution.error } : {}),
    })),
  };
}

/**
 * Every flow of the instance's deployed (else configured) version with its webhook URL, keys and schedule. For a
 * shared endpoint every flow's URL is the integration's shared one. A flow secured by the organization shows its
 * `organizationApiKeys` only when `showOrganizationKeys` (an organization principal asks).
 */
export async function instanceEndpoints(
  db: Db,
  orgId: string,
  id: string,
  baseUrl: string,
  showOrganizationKeys: boolean,
  /** False: each key is masked to its last 4 characters (the caller may read the instance, not use its keys). */
  revealKeys = true,
): Promise<InstanceEndpoints> {
  const row = isUuid(id)
    ? await db
        .selectFrom('instances as n')
        .innerJoin('integration_versions as v', (join) =>
          join.on(sql<boolean>`v.id = coalesce(n.deployed_version_id, n.integration_version_id)`),
        )
        .innerJoin('integrations as i', 'i.id', 'n.integration_id')
        .select([
          'n.id',
          'n.api_keys',
          'n.deployed_version_id',
          'n.webhook_token',
          'v.definition',
          'i.shared_webhook_token',
        ])
        .where('n.org_id', '=', orgId)
        .where('n.id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  const [tokens, schedules] = await Promise.all([
    db.selectFrom('instance_flows').selectAll().where('instance_id', '=', row.id).execute(),
    db.selectFrom('instance_schedules').selectAll().where('instance_id', '=', row.id).execute(),
  ]);
  const deployed = row.deployed_version_id !== null;
  const endpointType = (row.definition as Partial<Integration>).endpointType ?? 'flow_specific';
  const sharedWebhookUrl =
    deployed && endpointType === 'shared_instance' ? `${baseUrl}/trigger/${row.shared_webhook_token}` : null;
  const flows = flowsOf(row.definition).map((flow) => {
    const token = tokens.find((candidate) => candidate.flow_stable_key === flow.stableKey);
    const schedule = schedules.find((candidate) => candidate.flow_stable_key === flow.stableKey);
    const organizationKeys = flow.endpointSecurityType === 'organization';
    return {
      flow: flow.name,
      stableKey: flow.stableKey,
      webhookUrl:
        sharedWebhookUrl ?? (deployed && token ? `${baseUrl}/trigger/${token.webhook_token}` : null),
      apiKeys:
        organizationKeys && !showOrganizationKeys
          ? []
          : flowApiKeys(flow, row.api_keys).map((key) => (revealKeys ? key : maskedKey(key))),
      isSynchronous: flow.isSynchronous,
      endpointSecurityType: flow.endpointSecurityType,
      trigger: triggerOf(flow),
      ...(schedule
        ? {
            schedule: {
              cron: schedule.cron,
              timeZone: schedule.time_zone,
              nextFireAt: schedule.next_fire_at.toISOString(),
              singleton: schedule.singleton,
            },
          }
        : {}),
    };
  });
  return {
    endpointType,
    instanceWebhookUrl:
      deployed && endpointType !== 'flow_specific' ? `${baseUrl}/trigger/${row.webhook_token}` : null,
    sharedWebhookUrl,
    flows,
  };
}

/** A key as someone who may not use it sees it: enough to tell keys apart, not to call the webhook. */
export function maskedKey(key: string): string {
  return `••••••••${key.slice(-4)}`;
}

/** Replaces the instance's API keys (given, or one new generated key when `keys` is undefined). */
export async function setApiKeys(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  keys: string[] | undefined,
): Promise<string[]> {
  const apiKeys = keys ?? [newApiKey()];
  const row = isUuid(id)
    ? await db
        .updateTable('instances')
        .set({ api_keys: [...new Set(apiKeys)], updated_at: sql<Date>`now()` })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returning('api_keys')
        .executeTakeFirst()
    : undefined;
  if (!row) throw instanceNotFound(id);
  return row.api_keys;
}
