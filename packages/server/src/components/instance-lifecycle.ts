import type { Integration } from '@weft/definition';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { configValuesByName, type StoredValues } from '../api/instance-config.js';
import { resolveConnections } from '../connections/connection-runtime.js';
import { ConnectionUnavailableError } from '../connections/connection-tokens.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { flowsOf } from '../executions/execution-queue.js';
import type { Keyring } from '../secrets/keyring.js';
import type { ComponentSandboxes } from './component-sandboxes.js';
import { connectionComponents } from './custom-component-store.js';
import { ExecutionComponents } from './execution-components.js';
import { resolveParams } from './instance-data-sources.js';

/**
 * Trigger lifecycle functions (Spectral's `onInstanceDeploy` / `onInstanceDelete`): when an instance is deployed
 * or deleted, each flow whose trigger has one runs it with the instance's config, connections, webhook URLs and
 * state — to register the flow's webhook URL with the provider, for example — and the state it returns (or sets
 * in place) is kept for the flow's executions.
 */

export interface LifecycleDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
  sandboxes: ComponentSandboxes;
}

type LifecycleEvent = 'onInstanceDeploy' | 'onInstanceDelete';

const lifecycleTimeoutMs = 60_000;

/** Runs the event's function of every flow trigger that has one; the first failure stops and is thrown. */
export async function runTriggerLifecycle(
  deps: LifecycleDeps,
  orgId: string,
  instanceId: string,
  event: LifecycleEvent,
  baseUrl: string,
): Promise<string[]> {
  const { db } = deps;
  const instance = await db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', 'v.id', 'n.deployed_version_id')
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
    ])
    .where('n.org_id', '=', orgId)
    .where('n.id', '=', instanceId)
    .executeTakeFirst();
  if (!instance) return [];
  const integration = instance.definition as Integration;
  const manifest = (instance.component_manifest ?? null) as Parameters<typeof connectionComponents>[3];
  const components = new ExecutionComponents(
    db,
    deps.sandboxes,
    orgId,
    manifest && instance.bundle_sha256 ? { manifest, bundleSha256: instance.bundle_sha256 } : null,
  );
  const ran: string[] = [];
  let shared: Awaited<ReturnType<typeof sharedContext>> | undefined;
  for (const flow of flowsOf(integration)) {
    const ref = flow.trigger.action;
    const component = await components.load(ref.component);
    const trigger = component?.triggers[ref.key];
    const run = trigger?.[event];
    if (!trigger || !run) continue;
    shared ??= await sharedContext(deps, orgId, instance, integration, manifest, baseUrl);
    const fail = (reason: string) =>
      new WeftError(
        'INSTANCE_LIFECYCLE_FAILED',
        `${event === 'onInstanceDeploy' ? 'The instance was deployed, but' : 'Before the instance was deleted,'} ${event} of flow '${flow.name}' failed: ${shared?.redact(reason)}.`,
        { flow: flow.name, event },
      );
    if (shared.problem) throw fail(shared.problem);
    const states = await loadStates(db, instance.id, instance.integration_id, orgId, flow.stableKey);
    const before = JSON.stringify(states);
    const context = {
      ...shared.context,
      ...states,
      executionState: {},
      flow: { id: flow.stableKey, name: flow.name },
      logger: lifecycleLogger(deps.log, flow.name, event),
      signal: AbortSignal.timeout(lifecycleTimeoutMs),
    };
    let result: Record<string, unknown> | undefined;
    try {
      const params = resolveParams(trigger.inputs, flow.trigger.inputs, shared.context.configVars, flow.name);
      result = ((await run(context as never, params)) ?? undefined) as Record<string, unknown> | undefined;
    } catch (error) {
      throw fail(
        error instanceof DOMException
          ? `no answer within ${lifecycleTimeoutMs / 1000} s`
          : String((error as Error).message ?? error),
      );
    }
    const after = {
      instanceState: (result?.instanceState as Record<string, unknown>) ?? context.instanceState,
      crossFlowState: (result?.crossFlowState as Record<string, unknown>) ?? context.crossFlowState,
      integrationState: (result?.integrationState as Record<string, unknown>) ?? context.integrationState,
    };
    if (JSON.stringify(after) !== before)
      await saveStates(db, instance.id, instance.integration_id, orgId, flow.stableKey, after);
    ran.push(flow.name);
  }
  return ran;
}

type LifecycleInstance = {
  id: string;
  name: string;
  config_values: unknown;
  customer_id: string;
  customer_name: string;
  customer_external_id: string | null;
  integration_id: string;
};

async function sharedContext(
  deps: LifecycleDeps,
  orgId: string,
  instance: LifecycleInstance,
  integration: Integration,
  manifest: Parameters<typeof connectionComponents>[3],
  baseUrl: string,
) {
  const configVars = configValuesByName(integration, (instance.config_values ?? {}) as StoredValues);
  let secrets: string[] = [];
  let problem: string | undefined;
  try {
    const connections = await resolveConnections(
      { db: deps.db, keyring: deps.keyring, log: deps.log },
      { orgId, instanceId: instance.id, customerId: instance.customer_id },
      integration,
      await connectionComponents(deps.db, orgId, integration, manifest),
    );
    Object.assign(configVars, connections?.values);
    secrets = connections?.secrets ?? [];
  } catch (error) {
    if (!(error instanceof ConnectionUnavailableError)) throw error;
    problem = error.message;
  }
  const endpoints = await webhookEndpoints(deps.db, instance.id, integration, { baseUrl: () => baseUrl });
  const redact = (text: string) =>
    secrets.reduce((masked, secret) => masked.split(secret).join('[REDACTED]'), text);
  return {
    problem,
    redact,
    context: {
      configVars,
      ...endpoints,
      customer: {
        id: instance.customer_id,
        externalId: instance.customer_external_id ?? '',
        name: instance.customer_name,
      },
      instance: { id: instance.id, name: instance.name },
      user: { id: '', email: '', name: '', externalId: '' },
      integration: {
        id: instance.integration_id,
        name: integration.name,
        versionSequenceId: '',
        externalVersion: '',
      },
      executionId: '',
      startedAt: new Date().toISOString(),
    },
  };
}

function lifecycleLogger(log: Logger, flow: string, event: LifecycleEvent) {
  const child = log.child({ flow, event });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      child[level](args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  return {
    metric: write('debug'),
    trace: write('debug'),
    debug: write('debug'),
    info: write('info'),
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

async function loadStates(
  db: Kysely<Database>,
  instanceId: string,
  integrationId: string,
  orgId: string,
  flowKey: string,
) {
  const rows = await db
    .selectFrom('instance_state')
    .select(['scope', 'state'])
    .where('instance_id', '=', instanceId)
    .where('scope', 'in', [`flow:${flowKey}`, 'crossFlow'])
    .execute();
  const integrationRow = await db
    .selectFrom('integration_state')
    .select('state')
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integrationId)
    .executeTakeFirst();
  return {
    instanceState: rows.find((row) => row.scope === `flow:${flowKey}`)?.state ?? {},
    crossFlowState: rows.find((row) => row.scope === 'crossFlow')?.state ?? {},
    integrationState: integrationRow?.state ?? {},
  };
}

async function saveStates(
  db: Kysely<Database>,
  instanceId: string,
  integrationId: string,
  orgId: string,
  flowKey: string,
  states: {
    instanceState: Record<string, unknown>;
    crossFlowState: Record<string, unknown>;
    integrationState: Record<string, unknown>;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [scope, state] of [
      [`flow:${flowKey}`, states.instanceState],
      ['crossFlow', states.crossFlowState],
    ] as const) {
      await trx
        .insertInto('instance_state')
        .values({ instance_id: instanceId, scope, state: JSON.stringify(state) })
        .onConflict((conflict) =>
          conflict.columns(['instance_id', 'scope']).doUpdateSet({ state: JSON.stringify(state) }),
        )
        .execute();
    }
    await trx
      .insertInto('integration_state')
      .values({
        org_id: orgId,
        integration_id: integrationId,
        state: JSON.stringify(states.integrationState),
      })
      .onConflict((conflict) =>
        conflict
          .columns(['org_id', 'integration_id'])
          .doUpdateSet({ state: JSON.stringify(states.integrationState) }),
      )
      .execute();
  });
}

/** The instance's webhook URL per flow name, its API keys per flow, and its instance-wide URL. */
export async function webhookEndpoints(
  db: Kysely<Database>,
  instanceId: string,
  integration: Integration,
  deps: { baseUrl?: () => string | undefined },
): Promise<{
  webhookUrls?: Record<string, string>;
  webhookApiKeys?: Record<string, string[]>;
  invokeUrl?: string;
}> {
  const baseUrl = deps.baseUrl?.();
  if (!baseUrl) return {};
  const [instance, tokens] = await Promise.all([
    db
      .selectFrom('instances')
      .select(['webhook_token', 'api_keys'])
      .where('id', '=', instanceId)
      .executeTakeFirst(),
    db
      .selectFrom('instance_flows')
      .select(['flow_stable_key', 'webhook_token'])
      .where('instance_id', '=', instanceId)
      .execute(),
  ]);
  const webhookUrls: Record<string, string> = {};
  const webhookApiKeys: Record<string, string[]> = {};
  for (const flow of flowsOf(integration)) {
    const token = tokens.find((candidate) => candidate.flow_stable_key === flow.stableKey);
    if (token) webhookUrls[flow.name] = `${baseUrl}/trigger/${token.webhook_token}`;
    webhookApiKeys[flow.name] = flow.endpointSecurityType === 'unsecured' ? [] : (instance?.api_keys ?? []);
  }
  return {
    webhookUrls,
    webhookApiKeys,
    ...(instance ? { invokeUrl: `${baseUrl}/trigger/${instance.webhook_token}` } : {}),
  };
}
