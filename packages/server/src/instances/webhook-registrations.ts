import { createHash } from 'node:crypto';
import type { Flow } from '@weft/definition';
import type { ComponentTrigger } from '@weft/sdk';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { flowsOf } from '../executions/execution-queue.js';
import { secretContext } from '../secrets/secret-columns.js';
import { resolveParams } from './instance-data-sources.js';
import {
  type LifecycleDeps,
  lifecycleFailure,
  runTriggerEvent,
  type SharedLifecycleContext,
  sharedContext,
} from './instance-lifecycle.js';
import { type InstanceRuntime, loadInstanceRuntime } from './instance-runtime.js';
import type { WebhookRegistration } from './instance-schemas.js';

/**
 * Webhook registrations: Spectral's `webhookLifecycleHandlers` (on the wire `webhookCreate` / `webhookDelete`),
 * with which a trigger registers its flow's webhook URL at the provider (a GitHub repository hook, a Stripe
 * endpoint) and removes it again. Weft keeps one record per instance flow and brings it to what the instance
 * wants, after every change that could alter it:
 *
 * - **wanted**: every flow of the deployed version whose trigger has `webhookCreate`, while the instance is
 *   enabled; nothing while it is paused, or when it is being deleted.
 * - **identity of a registration**: the trigger (`component/key`), the flow's webhook URL, and its resolved inputs
 *   (connections count by the config variable they come from, not by their credentials, so a refreshed token does
 *   not re-register), hashed. A redeploy, upgrade or unpause with the same hash registers nothing again.
 * - a registered flow that is no longer wanted, or whose hash changed, is removed with `webhookDelete` first —
 *   with the component version, flow name, webhook URL and inputs it was created with (the inputs are kept sealed;
 *   connections are the current ones, so their tokens are fresh) — then created again when still wanted. If the
 *   removal fails, nothing is created (the provider would hold two subscriptions): the record keeps saying
 *   registered, with the error.
 * - state `webhookCreate` / `webhookDelete` return (or set in place) is kept, like `onInstanceDeploy`'s, so the
 *   trigger's perform sees what `webhookCreate` stored (a signing secret, the subscription id).
 *
 * Each record says whether the flow is registered, since when, by which integration and component version, for
 * which hash and URL, and the last error of a create or delete; `GET /api/instances/:id` answers them as
 * `webhookRegistrations`. One instance is reconciled by one caller at a time (an advisory lock).
 */

export interface WebhookFailure {
  flow: string;
  operation: 'create' | 'delete';
  message: string;
}

export interface WebhookSyncOutcome {
  created: string[];
  deleted: string[];
  failures: WebhookFailure[];
}

const none: WebhookSyncOutcome = { created: [], deleted: [], failures: [] };

type RegistrationRow = Awaited<ReturnType<typeof registrationRows>>[number];

async function registrationRows(db: Kysely<Database>, instanceId: string) {
  return db
    .selectFrom('instance_webhook_registrations')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .orderBy('flow_name')
    .execute();
}

/** The instance's registration records, for the instance API (`configHash` cut to its first 16 hex digits). */
export async function webhookRegistrationsOf(
  db: Kysely<Database>,
  instanceId: string,
): Promise<WebhookRegistration[]> {
  const rows = await registrationRows(db, instanceId);
  return rows.map((row) => ({
    flow: row.flow_name,
    stableKey: row.flow_stable_key,
    trigger: row.trigger,
    status: row.status,
    webhookUrl: row.webhook_url,
    configHash: row.config_hash?.slice(0, 16) ?? null,
    versionNumber: row.version_number,
    componentVersion: row.component_version,
    registeredAt: row.registered_at?.toISOString() ?? null,
    removedAt: row.removed_at?.toISOString() ?? null,
    lastError: row.last_error ?? null,
  }));
}

interface WantedRegistration {
  flow: Flow;
  trigger: ComponentTrigger;
  triggerName: string;
  componentVersion: number | null;
  webhookUrl: string | null;
  /** Resolved inputs, or why they could not be (an unusable connection). */
  params?: Record<string, unknown>;
  problem?: string;
  hash: string;
}

/**
 * Brings the instance's webhook registrations to what it wants now (see above): `remove` wants none (the instance
 * is being deleted). Failures are recorded on the instance and answered, never thrown; the caller decides.
 */
export async function syncWebhookRegistrations(
  deps: LifecycleDeps,
  orgId: string,
  instanceId: string,
  baseUrl: string,
  options: { remove?: boolean } = {},
): Promise<WebhookSyncOutcome> {
  const { db } = deps;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(instanceId)) return none;
  // Held while the provider is called, so two deploys of one instance never register a flow twice.
  return db.transaction().execute(async (trx) => {
    const lockKey = `webhooks:${instanceId.toLowerCase()}`;
    await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx);
    // Read once the lock is held: a pause and an unpause racing each other both end in the state written last.
    const instance = await trx
      .selectFrom('instances')
      .select(['id', 'enabled', 'deployed_version_id'])
      .where('org_id', '=', orgId)
      .where('id', '=', instanceId)
      .executeTakeFirst();
    if (!instance) return none;
    const records = await registrationRows(db, instance.id);
    const wantsAny = !options.remove && instance.enabled && instance.deployed_version_id !== null;
    const current = wantsAny ? await loadInstanceRuntime(deps, orgId, instance.id, 'deployed') : undefined;
    if (records.length === 0 && !(current && (await hasWebhookTriggers(current)))) return none;

    const runtimes = new Map<string, { runtime: InstanceRuntime; shared: SharedLifecycleContext }>();
    const contextOf = async (runtime: InstanceRuntime) => {
      const known = runtimes.get(runtime.versionId);
      if (known) return known;
      const entry = { runtime, shared: await sharedContext(db, runtime, baseUrl) };
      runtimes.set(runtime.versionId, entry);
      return entry;
    };
    const wanted = new Map<string, WantedRegistration>();
    if (current) {
      const { runtime, shared } = await contextOf(current);
      for (const entry of await wantedRegistrations(runtime, shared)) wanted.set(entry.flow.stableKey, entry);
    }

    const outcome: WebhookSyncOutcome = { created: [], deleted: [], failures: [] };
    const blocked = new Set<string>();
    for (const record of records) {
      if (record.status !== 'registered') continue;
      const want = wanted.get(record.flow_stable_key);
      if (want && want.hash === record.config_hash) {
        wanted.delete(record.flow_stable_key);
        continue;
      }
      if (want?.problem !== undefined) {
        // Its inputs cannot be resolved now (an unusable connection): whether they changed is unknown, so the
        // registration stays as it is, and the problem is said.
        wanted.delete(record.flow_stable_key);
        const { shared } = await contextOf(current as InstanceRuntime);
        outcome.failures.push(await checkFailed(db, record, shared.redact(want.problem)));
        continue;
      }
      const failure = await removeRegistration(deps, orgId, instance.id, record, current, contextOf);
      if (failure) {
        outcome.failures.push(failure);
        blocked.add(record.flow_stable_key);
      } else outcome.deleted.push(record.flow_name);
    }
    for (const want of wanted.values()) {
      if (blocked.has(want.flow.stableKey) || !current) continue;
      const { shared } = await contextOf(current);
      const failure = await createRegistration(deps, current, shared, want);
      if (failure) outcome.failures.push(failure);
      else outcome.created.push(want.flow.name);
    }
    return outcome;
  });
}

async function hasWebhookTriggers(runtime: InstanceRuntime): Promise<boolean> {
  for (const flow of flowsOf(runtime.integration)) {
    const ref = flow.trigger.action;
    const component = await runtime.components.load(ref.component);
    if (component?.triggers[ref.key]?.webhookCreate) return true;
  }
  return false;
}

/** The flows of the runtime's version whose trigger registers a webhook, with their inputs and hash. */
async function wantedRegistrations(
  runtime: InstanceRuntime,
  shared: SharedLifecycleContext,
): Promise<WantedRegistration[]> {
  const wanted: WantedRegistration[] = [];
  for (const flow of flowsOf(runtime.integration)) {
    const ref = flow.trigger.action;
    const component = await runtime.components.load(ref.component);
    const trigger = component?.triggers[ref.key];
    if (!trigger?.webhookCreate) continue;
    const triggerName = `${ref.component.key}/${ref.key}`;
    const webhookUrl = shared.context.webhookUrls?.[flow.name] ?? null;
    const entry: Omit<WantedRegistration, 'hash'> = {
      flow,
      trigger,
      triggerName,
      componentVersion: runtime.components.versionsUsed[ref.component.key] ?? null,
      webhookUrl,
    };
    if (shared.problem) {
      // The hash cannot be known without the inputs: it never matches, and the create fails saying why.
      wanted.push({ ...entry, problem: shared.problem, hash: '' });
      continue;
    }
    try {
      const params = resolveParams(trigger.inputs, flow.trigger.inputs, shared.context.configVars, flow.name);
      wanted.push({
        ...entry,
        params,
        hash: registrationHash(triggerName, webhookUrl, trigger, flow, params),
      });
    } catch (error) {
      wanted.push({ ...entry, problem: lifecycleFailure(error), hash: '' });
    }
  }
  return wanted;
}

function connectionInputs(trigger: ComponentTrigger): Set<string> {
  return new Set(trigger.inputs.filter((input) => input.type === 'connection').map((input) => input.key));
}

/** The inputs kept with a registration (sealed): all but connections, which are taken fresh when it is removed. */
function keptParams(trigger: ComponentTrigger, params: Record<string, unknown>): Record<string, unknown> {
  const connections = connectionInputs(trigger);
  return Object.fromEntries(Object.entries(params).filter(([key]) => !connections.has(key)));
}

function registrationHash(
  triggerName: string,
  webhookUrl: string | null,
  trigger: ComponentTrigger,
  flow: Flow,
  params: Record<string, unknown>,
): string {
  // A connection counts by where it comes from (its config variable), not by its credentials or token.
  const connections = Object.fromEntries(
    [...connectionInputs(trigger)].map((key) => [key, flow.trigger.inputs?.[key] ?? null]),
  );
  const identity = { trigger: triggerName, webhookUrl, params: keptParams(trigger, params), connections };
  return createHash('sha256').update(stableJson(identity)).digest('hex');
}

/** JSON with object keys sorted, so equal values always hash the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const paramsContext = (id: string) => secretContext('instance_webhook_registrations', 'params_secret', id);

async function createRegistration(
  deps: LifecycleDeps,
  runtime: InstanceRuntime,
  shared: SharedLifecycleContext,
  want: WantedRegistration,
): Promise<WebhookFailure | undefined> {
  const { db, keyring } = deps;
  const { flow, trigger } = want;
  const record = await recordFor(db, runtime.instanceId, flow, want.triggerName);
  let failure: string | undefined = want.problem;
  if (!failure && want.params && trigger.webhookCreate) {
    try {
      await runTriggerEvent(deps, runtime, shared, {
        event: 'webhookCreate',
        run: trigger.webhookCreate,
        params: want.params,
        flow: { stableKey: flow.stableKey, name: flow.name },
      });
    } catch (error) {
      failure = lifecycleFailure(error);
    }
  }
  if (failure !== undefined) {
    const message = shared.redact(failure);
    await db
      .updateTable('instance_webhook_registrations')
      .set({
        status: 'failed',
        flow_name: flow.name,
        trigger: want.triggerName,
        last_error: JSON.stringify({ operation: 'create', message, at: new Date().toISOString() }),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', record)
      .execute();
    return {
      flow: flow.name,
      operation: 'create',
      message: `webhookCreate of flow '${flow.name}' (trigger '${want.triggerName}') failed: ${message}`,
    };
  }
  await db
    .updateTable('instance_webhook_registrations')
    .set({
      status: 'registered',
      flow_name: flow.name,
      trigger: want.triggerName,
      config_hash: want.hash,
      webhook_url: want.webhookUrl,
      integration_version_id: runtime.versionId,
      version_number: runtime.versionNumber,
      component_version: want.componentVersion,
      params_secret: await keyring.seal(keptParams(trigger, want.params ?? {}), paramsContext(record)),
      registered_at: sql<Date>`now()`,
      removed_at: null,
      last_error: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', record)
    .execute();
  return undefined;
}

/** The record of the flow (made when missing), by id. */
async function recordFor(
  db: Kysely<Database>,
  instanceId: string,
  flow: Flow,
  triggerName: string,
): Promise<string> {
  await db
    .insertInto('instance_webhook_registrations')
    .values({
      instance_id: instanceId,
      flow_stable_key: flow.stableKey,
      flow_name: flow.name,
      status: 'failed',
      trigger: triggerName,
    })
    .onConflict((conflict) => conflict.columns(['instance_id', 'flow_stable_key']).doNothing())
    .execute();
  const row = await db
    .selectFrom('instance_webhook_registrations')
    .select('id')
    .where('instance_id', '=', instanceId)
    .where('flow_stable_key', '=', flow.stableKey)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Runs `webhookDelete` for a registered flow as it was registered: the trigger of the integration version and
 * component version that created it, its flow name and webhook URL, and its inputs (connections current).
 */
async function removeRegistration(
  deps: LifecycleDeps,
  orgId: string,
  instanceId: string,
  record: RegistrationRow,
  current: InstanceRuntime | undefined,
  contextOf: (
    runtime: InstanceRuntime,
  ) => Promise<{ runtime: InstanceRuntime; shared: SharedLifecycleContext }>,
): Promise<WebhookFailure | undefined> {
  const { db, keyring } = deps;
  const fail = async (reason: string, redact: (text: string) => string = (text) => text) => {
    const message = redact(reason);
    await db
      .updateTable('instance_webhook_registrations')
      .set({
        last_error: JSON.stringify({ operation: 'delete', message, at: new Date().toISOString() }),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', record.id)
      .execute();
    return {
      flow: record.flow_name,
      operation: 'delete' as const,
      message: `webhookDelete of flow '${record.flow_name}' (trigger '${record.trigger}') failed: ${message}`,
    };
  };
  const versionId = record.integration_version_id;
  const runtime =
    (versionId && current?.versionId === versionId ? current : undefined) ??
    (versionId ? await loadInstanceRuntime(deps, orgId, instanceId, { versionId }) : undefined) ??
    current ??
    (await loadInstanceRuntime(deps, orgId, instanceId, 'deployed'));
  const flow = runtime
    ? flowsOf(runtime.integration).find((candidate) => candidate.stableKey === record.flow_stable_key)
    : undefined;
  let trigger: ComponentTrigger | undefined;
  if (runtime && flow) {
    const ref = flow.trigger.action;
    const component = await runtime.components.load(
      record.component_version !== null
        ? { ...ref.component, version: record.component_version }
        : ref.component,
    );
    trigger = component?.triggers[ref.key];
  }
  if (runtime && flow && trigger?.webhookDelete) {
    const { shared } = await contextOf(runtime);
    if (shared.problem) return fail(shared.problem, shared.redact);
    try {
      const kept = record.params_secret
        ? await keyring.open<Record<string, unknown>>(
            record.params_secret,
            paramsContext(record.id),
            `the inputs flow '${record.flow_name}' registered its webhook with`,
          )
        : {};
      const fresh = resolveParams(trigger.inputs, flow.trigger.inputs, shared.context.configVars, flow.name);
      await runTriggerEvent(deps, runtime, shared, {
        event: 'webhookDelete',
        run: trigger.webhookDelete,
        params: { ...fresh, ...kept },
        flow: { stableKey: record.flow_stable_key, name: record.flow_name },
        webhookUrl: record.webhook_url,
      });
    } catch (error) {
      return fail(lifecycleFailure(error), shared.redact);
    }
  }
  // Without a webhookDelete (a trigger that only registers), there is nothing to run: it is no longer registered.
  await db
    .updateTable('instance_webhook_registrations')
    .set({
      status: 'removed',
      params_secret: null,
      removed_at: sql<Date>`now()`,
      last_error: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', record.id)
    .execute();
  return undefined;
}

async function checkFailed(
  db: Kysely<Database>,
  record: RegistrationRow,
  message: string,
): Promise<WebhookFailure> {
  await db
    .updateTable('instance_webhook_registrations')
    .set({
      last_error: JSON.stringify({ operation: 'create', message, at: new Date().toISOString() }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', record.id)
    .execute();
  return {
    flow: record.flow_name,
    operation: 'create',
    message: `the webhook registration of flow '${record.flow_name}' (trigger '${record.trigger}') could not be checked: ${message}`,
  };
}

/** The error a change answers with when some registration did not reach the wanted state (it took effect still). */
export function webhookRegistrationError(done: string, failures: WebhookFailure[]): WeftError {
  return new WeftError(
    'WEBHOOK_REGISTRATION_FAILED',
    `${done}, but ${failures.length === 1 ? 'a webhook registration' : `${failures.length} webhook registrations`} did not complete: ${failures.map((failure) => failure.message).join('; ')}.`,
    { failures },
  );
}
