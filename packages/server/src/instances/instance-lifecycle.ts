import type { Integration } from '@weft/definition';
import { copyOfStore, diffState, Redactor, type StateChanges, withBinaryData } from '@weft/engine';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { ConnectionUnavailableError } from '../connections/connection-tokens.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { jsonText } from '../executions/execution-blobs.js';
import { flowsOf } from '../executions/execution-queue.js';
import { resolveParams } from './instance-data-sources.js';
import { flowApiKeys } from './instance-deploy.js';
import { type InstanceRuntime, type InstanceRuntimeDeps, loadInstanceRuntime } from './instance-runtime.js';

/**
 * Trigger lifecycle functions (Spectral's `onInstanceDeploy` / `onInstanceDelete`): when an instance is deployed
 * or deleted, each flow whose trigger has one runs it with the instance's config, connections, webhook URLs and
 * state — to register the flow's webhook URL with the provider, for example — and the state it returns (or sets
 * in place) is kept for the flow's executions. The webhook lifecycle handlers (`webhookCreate` / `webhookDelete`)
 * run through `runTriggerEvent` too, from webhook-registrations.ts, which decides when.
 */

export type LifecycleDeps = InstanceRuntimeDeps;

type LifecycleEvent = 'onInstanceDeploy' | 'onInstanceDelete';

/** Every function of a trigger the platform calls around an instance's life: these two and the webhook handlers. */
export type TriggerEvent = LifecycleEvent | 'webhookCreate' | 'webhookDelete';

type TriggerEventFunction = (context: never, params: never) => Promise<unknown> | unknown;

export const lifecycleTimeoutMs = 60_000;

/** Runs the event's function of every flow trigger that has one; the first failure stops and is thrown. */
export async function runTriggerLifecycle(
  deps: LifecycleDeps,
  orgId: string,
  instanceId: string,
  event: LifecycleEvent,
  baseUrl: string,
): Promise<string[]> {
  const { db } = deps;
  const runtime = await loadInstanceRuntime(deps, orgId, instanceId, 'deployed');
  if (!runtime) return [];
  const { integration, components } = runtime;
  const ran: string[] = [];
  let shared: SharedLifecycleContext | undefined;
  for (const flow of flowsOf(integration)) {
    const ref = flow.trigger.action;
    const component = await components.load(ref.component);
    const trigger = component?.triggers[ref.key];
    const run = trigger?.[event];
    if (!trigger || !run) continue;
    shared ??= await sharedContext(db, runtime, baseUrl);
    const fail = (reason: string) =>
      new WeftError(
        'INSTANCE_LIFECYCLE_FAILED',
        `${event === 'onInstanceDeploy' ? 'The instance was deployed, but' : 'Before the instance was deleted,'} ${event} of flow '${flow.name}' failed: ${shared?.redact(reason)}.`,
        { flow: flow.name, event },
      );
    if (shared.problem) throw fail(shared.problem);
    try {
      const params = resolveParams(trigger.inputs, flow.trigger.inputs, shared.context.configVars, flow.name);
      await runTriggerEvent(deps, runtime, shared, {
        event,
        run,
        params,
        flow: { stableKey: flow.stableKey, name: flow.name },
      });
    } catch (error) {
      throw fail(lifecycleFailure(error));
    }
    ran.push(flow.name);
  }
  return ran;
}

/** Why a trigger's lifecycle function failed, in words (its own message, or the time-out). */
export function lifecycleFailure(error: unknown): string {
  return error instanceof DOMException
    ? `no answer within ${lifecycleTimeoutMs / 1000} s`
    : String((error as Error)?.message ?? error);
}

export type SharedLifecycleContext = Awaited<ReturnType<typeof sharedContext>>;

/**
 * Runs one lifecycle function of a flow's trigger with the instance's context (config, connections, webhook URLs)
 * and the flow's state, and keeps the state it returns or sets in place. Throws what the function threw.
 */
export async function runTriggerEvent(
  deps: LifecycleDeps,
  runtime: InstanceRuntime,
  shared: SharedLifecycleContext,
  call: {
    event: TriggerEvent;
    run: TriggerEventFunction;
    params: Record<string, unknown>;
    flow: { stableKey: string; name: string };
    /** The flow's webhook URL as it was registered (removing a registration made for another URL). */
    webhookUrl?: string | null;
  },
): Promise<void> {
  const { db } = deps;
  const { flow } = call;
  const states = await loadStates(
    db,
    runtime.instanceId,
    runtime.integrationId,
    runtime.orgId,
    flow.stableKey,
  );
  const context = {
    ...shared.context,
    ...(call.webhookUrl
      ? { webhookUrls: { ...shared.context.webhookUrls, [flow.name]: call.webhookUrl } }
      : {}),
    // The function's own copies: what it changes (returned, or in place) is compared with `states` afterwards.
    instanceState: copyOfStore(states.instanceState),
    crossFlowState: copyOfStore(states.crossFlowState),
    integrationState: copyOfStore(states.integrationState),
    executionState: {},
    flow: { id: flow.stableKey, name: flow.name },
    logger: lifecycleLogger(deps.log, flow.name, call.event, shared.redact),
    signal: AbortSignal.timeout(lifecycleTimeoutMs),
  };
  const result = ((await call.run(context as never, call.params as never)) ?? undefined) as
    | Record<string, unknown>
    | undefined;
  const after = {
    instanceState: (result?.instanceState as Record<string, unknown>) ?? context.instanceState,
    crossFlowState: (result?.crossFlowState as Record<string, unknown>) ?? context.crossFlowState,
    integrationState: (result?.integrationState as Record<string, unknown>) ?? context.integrationState,
  };
  await saveStateChanges(db, runtime, flow.stableKey, {
    instanceState: diffState(states.instanceState, after.instanceState),
    crossFlowState: diffState(states.crossFlowState, after.crossFlowState),
    integrationState: diffState(states.integrationState, after.integrationState),
  });
}

export async function sharedContext(db: Kysely<Database>, runtime: InstanceRuntime, baseUrl: string) {
  let configVars: Record<string, unknown> = {};
  let secrets: string[] = [];
  let problem: string | undefined;
  try {
    ({ values: configVars, secrets } = await runtime.configValues());
  } catch (error) {
    if (!(error instanceof ConnectionUnavailableError)) throw error;
    problem = error.message;
  }
  const endpoints = await webhookEndpoints(db, runtime.instanceId, runtime.integration, {
    baseUrl: () => baseUrl,
  });
  const redactor = new Redactor(secrets);
  return {
    problem,
    redact: (text: string) => redactor.text(text),
    context: {
      configVars,
      ...endpoints,
      ...runtime.identity,
      executionId: '',
      startedAt: new Date().toISOString(),
    },
  };
}

/** The function's log lines, into the server log with the instance's secrets masked (as execution logs are). */
function lifecycleLogger(log: Logger, flow: string, event: TriggerEvent, redact: (text: string) => string) {
  const child = log.child({ flow, event });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      child[level](
        redact(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')),
      );
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
  // Files kept in state are stored as binary marks: the function gets their bytes.
  const stored = (state: unknown) => (withBinaryData(state ?? {}) as Record<string, unknown>) ?? {};
  return {
    instanceState: stored(rows.find((row) => row.scope === `flow:${flowKey}`)?.state),
    crossFlowState: stored(rows.find((row) => row.scope === 'crossFlow')?.state),
    integrationState: stored(integrationRow?.state),
  };
}

/**
 * The keys the function set or removed, per key (as executions write theirs, worker/state-store.ts): executions
 * running meanwhile keep the keys they wrote.
 */
async function saveStateChanges(
  db: Kysely<Database>,
  runtime: InstanceRuntime,
  flowKey: string,
  changes: Record<'instanceState' | 'crossFlowState' | 'integrationState', StateChanges | undefined>,
): Promise<void> {
  const written = (changes: StateChanges) => ({
    set: jsonText(changes.set) ?? '{}',
    deleted: changes.deleted,
  });
  await db.transaction().execute(async (trx) => {
    for (const [scope, change] of [
      [`flow:${flowKey}`, changes.instanceState],
      ['crossFlow', changes.crossFlowState],
    ] as const) {
      if (!change) continue;
      const { set, deleted } = written(change);
      await sql`insert into instance_state as t (instance_id, scope, state)
        values (${runtime.instanceId}::uuid, ${scope}, ${set}::jsonb)
        on conflict (instance_id, scope) do update set state = (t.state - ${deleted}::text[]) || excluded.state`.execute(
        trx,
      );
    }
    if (changes.integrationState) {
      const { set, deleted } = written(changes.integrationState);
      await sql`insert into integration_state as t (org_id, integration_id, state)
        values (${runtime.orgId}::uuid, ${runtime.integrationId}::uuid, ${set}::jsonb)
        on conflict (org_id, integration_id) do update set state = (t.state - ${deleted}::text[]) || excluded.state`.execute(
        trx,
      );
    }
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
      .selectFrom('instances as n')
      .innerJoin('integrations as i', 'i.id', 'n.integration_id')
      .select(['n.webhook_token', 'n.api_keys', 'i.shared_webhook_token'])
      .where('n.id', '=', instanceId)
      .executeTakeFirst(),
    db
      .selectFrom('instance_flows')
      .select(['flow_stable_key', 'webhook_token'])
      .where('instance_id', '=', instanceId)
      .execute(),
  ]);
  // A shared endpoint: every flow, and the instance, answer at the integration's one URL.
  const sharedUrl =
    integration.endpointType === 'shared_instance' && instance
      ? `${baseUrl}/trigger/${instance.shared_webhook_token}`
      : undefined;
  const webhookUrls: Record<string, string> = {};
  const webhookApiKeys: Record<string, string[]> = {};
  for (const flow of flowsOf(integration)) {
    const token = tokens.find((candidate) => candidate.flow_stable_key === flow.stableKey);
    if (sharedUrl) webhookUrls[flow.name] = sharedUrl;
    else if (token) webhookUrls[flow.name] = `${baseUrl}/trigger/${token.webhook_token}`;
    webhookApiKeys[flow.name] = flowApiKeys(flow, instance?.api_keys ?? []);
  }
  return {
    webhookUrls,
    webhookApiKeys,
    ...(instance ? { invokeUrl: sharedUrl ?? `${baseUrl}/trigger/${instance.webhook_token}` } : {}),
  };
}
