import { type Integration, privateKeyFragmentsIn } from '@weft/definition';
import type { Egress } from '@weft/egress';
import {
  defaultLimits,
  type ErrorRecord,
  type FlowResponse,
  runFlow,
  type StatePort,
  type StateScope,
  type StepEvent,
  type TriggerRequest,
  withBinaryData,
} from '@weft/engine';
import { applyStateOperation, type StateOperation, setStateValue, stateValue } from '@weft/sdk';
import type { Task } from 'graphile-worker';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import { connectionComponents } from '../components/component-store.js';
import { ExecutionComponents } from '../components/execution-components.js';
import { type ResolvedConnections, resolveConnections } from '../connections/connection-runtime.js';
import { ConnectionUnavailableError } from '../connections/connection-tokens.js';
import type { Database, TriggerKind } from '../database/schema.js';
import { isWeftError } from '../errors.js';
import { jsonText } from '../executions/execution-blobs.js';
import { queueExecutionIn } from '../executions/execution-queue.js';
import { type ExecutionWaiter, executionTriggeredChannel } from '../executions/execution-waiter.js';
import { configValuesByName, type StoredValues } from '../instances/instance-config.js';
import { webhookEndpoints } from '../instances/instance-lifecycle.js';
import { IntegrationVersions } from '../integrations/integration-versions.js';
import { createWeftMetrics, type WeftMetrics } from '../monitoring/metrics.js';
import type { ExecutionTracer } from '../monitoring/tracing.js';
import type { Keyring } from '../secrets/keyring.js';
import { type ActiveRun, ExecutionLeases } from './execution-leases.js';
import { type ExecutionObserver, observeExecution } from './execution-observer.js';
import { ExecutionRecorder, type FinalOutcome, type StoredRow } from './execution-recorder.js';
import { flowInvoker } from './flow-invoker.js';
import { retryPlan } from './retry-policy.js';

/**
 * Running one execution: claim it (with a lease), run the flow with the engine, store what it did as it goes, and
 * store the outcome, queueing the flow's automatic retry in the same transaction when it failed. Used by the
 * `run-execution` queue task, and callable in-process (a synchronous webhook on the machine that received it):
 * `runExecution` answers with the stored outcome, so the caller does not read it back.
 */

/** What one process needs to run executions: its leases (and their heartbeat), versions, the waiter. */
export interface ExecutionRunDeps {
  leases: ExecutionLeases;
  /** Opens the instance's stored credentials. */
  keyring: Keyring;
  versions: IntegrationVersions;
  /** Where custom components and code-native integrations run. */
  sandboxes: ComponentSandboxes;
  /**
   * Outbound HTTP of the built-in components' steps and of token renewals: the server's egress policy. Without it,
   * the sandboxes' (the one policy the server gave them).
   */
  egress?: Egress;
  /** The address webhook URLs are given with (`WEFT_PUBLIC_URL`, else where Weft listens), once known. */
  baseUrl?: () => string | undefined;
  /** Cross-flow calls to queued flows wait on it; without it they poll. */
  waiter?: ExecutionWaiter;
  /** Executions started and finished, step durations (monitoring/metrics.ts). */
  metrics: WeftMetrics;
  /** Set when traces are exported: each execution's trace (monitoring/tracing.ts). */
  tracer?: ExecutionTracer;
  /** An execution wrote an outbox event (alerts, log streams): this process's monitoring dispatcher looks now. */
  onMonitoringEvent?: () => void;
}

/** Create once per process (or per role that runs executions) and pass to every `runExecution`. */
export function createExecutionRunDeps(
  db: Kysely<Database>,
  log: Logger,
  options: {
    leaseMs: number;
    waiter?: ExecutionWaiter;
    keyring: Keyring;
    sandboxes: ComponentSandboxes;
    egress?: Egress;
    baseUrl?: () => string | undefined;
    onMonitoringEvent?: () => void;
    /** The server's metrics; without them, a registry of their own that nobody scrapes. */
    metrics?: WeftMetrics;
    tracer?: ExecutionTracer;
  },
): ExecutionRunDeps {
  return {
    metrics: options.metrics ?? createWeftMetrics(),
    ...(options.tracer ? { tracer: options.tracer } : {}),
    keyring: options.keyring,
    sandboxes: options.sandboxes,
    ...(options.egress ? { egress: options.egress } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    leases: new ExecutionLeases(db, log, options.leaseMs),
    versions: new IntegrationVersions(db),
    ...(options.waiter ? { waiter: options.waiter } : {}),
    ...(options.onMonitoringEvent ? { onMonitoringEvent: options.onMonitoringEvent } : {}),
  };
}

/** The outcome of an execution as stored. */
export interface StoredOutcome {
  executionId: string;
  /** `cancelled` when it was cancelled through the API while it ran (what ran is stored). */
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: ErrorRecord;
  /** The flow's response (status, headers, body) for synchronous callers. */
  response?: FlowResponse;
  /** Each step's result by step key (a loop child's: its last iteration's). */
  steps: Record<string, unknown>;
  attempt: number;
  durationMs: number;
  /** The automatic retry queued in the same transaction, if any. */
  retryExecutionId?: string;
}

export interface RunExecutionOptions {
  /** How deep in flow invocations this execution is (cross-flow calls run inline pass it; otherwise derived). */
  crossFlowDepth?: number;
  /** Remove the execution's (parked) queue job with its outcome: set by in-process callers (synchronous webhooks). */
  removeJobOnFinish?: boolean;
}

/**
 * The `run-execution` task: runs one queued execution. Idempotent: an execution that already finished, was
 * cancelled, or runs under another worker's live lease is left alone, so a job run twice changes nothing.
 */
export function runExecutionTask(db: Kysely<Database>, log: Logger, deps: ExecutionRunDeps): Task {
  return async (payload) => {
    const executionId = (payload as { executionId?: unknown } | null)?.executionId;
    if (typeof executionId !== 'string' || !uuidPattern.test(executionId)) {
      log.warn({ payload }, 'run-execution job without a valid executionId; dropped');
      return;
    }
    await runExecution(db, executionId, log, deps);
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Claims, runs and stores one execution. Returns the stored outcome; undefined when it did not run here (already
 * finished or cancelled, running under another live lease or already in this process), or when this worker lost it
 * midway (its lease went to another worker, or shutdown cut it off: the reaper hands it on).
 */
export async function runExecution(
  db: Kysely<Database>,
  executionId: string,
  log: Logger,
  deps: ExecutionRunDeps,
  options: RunExecutionOptions = {},
): Promise<StoredOutcome | undefined> {
  const run = deps.leases.reserve(executionId);
  if (!run) return undefined; // this process runs it already (an inline cross-flow call, a duplicate job)
  const observed: { observer?: ExecutionObserver } = {};
  try {
    return await claimAndRun(db, run, log, deps, options, observed);
  } finally {
    observed.observer?.close();
    deps.leases.release(run);
  }
}

interface ClaimedExecution {
  id: string;
  org_id: string;
  instance_id: string;
  customer_id: string;
  integration_id: string;
  integration_version_id: string;
  flow_name: string;
  flow_stable_key: string;
  trigger: unknown;
  trigger_kind: TriggerKind;
  retry_of_id: string | null;
  retry_number: number;
  invoked_by_id: string | null;
  is_synchronous: boolean;
  awaits_trigger_response: boolean;
  unique_request_id: string | null;
  attempt: number;
  instance_name: string | null;
  config_values: StoredValues | null;
  customer_name: string | null;
  customer_external_id: string | null;
  /** A test run, or a retry or replay of one: it keeps its own flow state (state-scopes.ts). */
  test_state: boolean;
  flow_state: Record<string, unknown> | null;
  cross_flow_state: Record<string, unknown> | null;
  integration_state: Record<string, unknown> | null;
  /** 1 when the claim wrote an `execution.started` outbox event. */
  started_event: number;
}

/**
 * Queued becomes running; running again is a new attempt (attempt + 1), taken only once the lease expired (its
 * worker died) or when it is this process's own lease (an earlier try here threw). With the instance, customer
 * and the state stores, in one round trip.
 */
async function claim(
  db: Kysely<Database>,
  executionId: string,
  leases: ExecutionLeases,
): Promise<ClaimedExecution | undefined> {
  const { rows } = await sql<ClaimedExecution>`
    with claimed as (
      update executions set
        status = 'running',
        started_at = now(),
        attempt = case when status = 'running' then attempt + 1 else attempt end,
        lease_owner = ${leases.owner},
        lease_expires_at = now() + ${leases.leaseMs} * interval '1 millisecond'
      where id = ${executionId}
        and (status = 'queued' or (status = 'running' and (
          lease_expires_at is null or lease_expires_at < now() or lease_owner = ${leases.owner})))
      returning id, org_id, instance_id, customer_id, integration_id, integration_version_id, flow_name,
        flow_stable_key, trigger, trigger_kind, retry_of_id, retry_number, invoked_by_id, is_synchronous, attempt,
        awaits_trigger_response, unique_request_id, replay_of_id, test_state
    ),
    -- execution.started (migration 0020), only when a monitor watching this instance asks for it.
    started_event as (
      insert into monitoring_events (org_id, type, subject_id, data)
      select c.org_id, 'execution.started', c.id, jsonb_build_object(
          'executionId', c.id, 'instanceId', c.instance_id, 'customerId', c.customer_id,
          'integrationId', c.integration_id, 'flowName', c.flow_name, 'attempt', c.attempt,
          'isTest', c.test_state, 'triggerKind', c.trigger_kind)
      from claimed c
      where exists (
        select 1 from alert_monitors m
        where m.org_id = c.org_id and m.enabled and 'execution-started' = any (m.triggers)
          and (m.instance_id = c.instance_id or (m.instance_id is null
            and (m.integration_id is null or m.integration_id = c.integration_id)
            and (m.customer_id is null or m.customer_id = c.customer_id))))
      returning 1
    )
    select c.*, n.name as instance_name, n.config_values, cu.name as customer_name,
      (select count(*) from started_event)::int as started_event,
      cu.external_id as customer_external_id,
      -- A test run's retries and replays keep the test runs' state too (test_state is set when queued).
      (select s.state from instance_state s
        where s.instance_id = c.instance_id
          and s.scope = case when c.test_state then 'testFlow:' else 'flow:' end || c.flow_stable_key) as flow_state,
      (select s.state from instance_state s
        where s.instance_id = c.instance_id and s.scope = 'crossFlow') as cross_flow_state,
      (select s.state from integration_state s
        where s.org_id = c.org_id and s.integration_id = c.integration_id) as integration_state
    from claimed c
    -- Not worth an fsync: a claim lost with a database crash leaves the execution queued (or its lease expired).
    cross join (select set_config('synchronous_commit', 'off', true)) as async_commit
    left join instances n on n.id = c.instance_id
    left join customers cu on cu.id = c.customer_id`.execute(db);
  return rows[0];
}

function storedState(state: Record<string, unknown> | null): Record<string, unknown> {
  return state ? (withBinaryData(state) as Record<string, unknown>) : {};
}

/** Whether anyone may wait for this execution's outcome (see ExecutionWaiter): then it NOTIFYs when it ends. */
function mayBeAwaited(execution: {
  is_synchronous: boolean;
  trigger_kind: TriggerKind;
  awaits_trigger_response: boolean;
}): boolean {
  return (
    execution.is_synchronous ||
    // Its caller waits for the trigger; if the trigger fails, the end of the execution is what it hears.
    execution.awaits_trigger_response ||
    ['crossFlow', 'remove', 'deploy', 'test'].includes(execution.trigger_kind)
  );
}

/**
 * Stores the trigger's response (null when it set none) as soon as the trigger step ran and tells whoever waits
 * for it: the webhook caller of an asynchronous flow whose trigger may answer. Fenced by the lease.
 */
async function publishTriggerResponse(
  db: Kysely<Database>,
  executionId: string,
  leaseOwner: string,
  response: FlowResponse | undefined,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    with stored as (
      update executions set trigger_response = ${jsonText(response ?? null)}::jsonb, triggered_at = now()
       where id = ${executionId} and lease_owner = ${leaseOwner} and status = 'running'
      returning id
    )
    select id, pg_notify(${executionTriggeredChannel}, id::text) from stored`.execute(db);
  return rows.length > 0;
}

async function claimAndRun(
  db: Kysely<Database>,
  run: ActiveRun,
  log: Logger,
  deps: ExecutionRunDeps,
  options: RunExecutionOptions,
  observed: { observer?: ExecutionObserver },
): Promise<StoredOutcome | undefined> {
  const executionId = run.executionId;
  const execution = await claim(db, executionId, deps.leases);
  if (!execution) return undefined;
  run.claimed = true;
  if (execution.started_event > 0) deps.onMonitoringEvent?.();
  if (execution.attempt > 1) {
    // A new attempt starts from the trigger: what the interrupted one stored goes (its writes are fenced by now).
    log.info({ executionId, attempt: execution.attempt }, 'running an interrupted execution again');
    await db.deleteFrom('execution_steps').where('execution_id', '=', executionId).execute();
    await db.deleteFrom('execution_logs').where('execution_id', '=', executionId).execute();
  }

  const recorder = new ExecutionRecorder(
    db,
    {
      executionId,
      leaseOwner: deps.leases.owner,
      orgId: execution.org_id,
      instanceId: execution.instance_id,
      integrationId: execution.integration_id,
      customerId: execution.customer_id,
      flowStableKey: execution.flow_stable_key,
      ...(execution.test_state ? { testState: true } : {}),
      ...(options.removeJobOnFinish
        ? { removeJob: true, notify: false }
        : { notify: mayBeAwaited(execution) }),
    },
    log,
    { logLimit: defaultLimits.logEntries, onLeaseLost: () => deps.leases.abort(run, 'lease-lost') },
  );

  const version = await deps.versions.entry(execution.integration_version_id);
  const integration = version?.integration;
  const observer = observeExecution(deps, execution, integration);
  observed.observer = observer;
  if (!integration || execution.instance_name === null) {
    return store(db, run, execution, recorder, log, deps, observer, undefined, {
      status: 'failed',
      error: {
        code: 'EXECUTION_CONTEXT_MISSING',
        message: 'the instance or the integration version this execution was queued for no longer exists',
      },
      durationMs: 0,
      steps: {},
    });
  }

  let connections: ResolvedConnections | undefined;
  try {
    connections = await resolveConnections(
      { db, keyring: deps.keyring, log, egress: deps.egress ?? deps.sandboxes.egress },
      { orgId: execution.org_id, instanceId: execution.instance_id, customerId: execution.customer_id },
      integration,
      await connectionComponents(db, execution.org_id, integration, version?.manifest ?? null),
    );
  } catch (error) {
    if (!(error instanceof ConnectionUnavailableError) && !isWeftError(error)) throw error;
    return store(db, run, execution, recorder, log, deps, observer, integration, {
      status: 'failed',
      error: { code: 'CONNECTION_UNAVAILABLE', message: (error as Error).message },
      durationMs: 0,
      steps: {},
    });
  }

  const components = new ExecutionComponents(
    db,
    deps.sandboxes,
    execution.org_id,
    version?.manifest && version.bundleSha256
      ? { manifest: version.manifest, bundleSha256: version.bundleSha256 }
      : null,
  );
  // Custom and code-native code reads its instance's webhook URLs (Spectral's invokeFlow posts to them).
  const endpoints = version?.runsCustomCode
    ? await webhookEndpoints(db, execution.instance_id, integration, deps)
    : {};
  const crossFlowDepth =
    options.crossFlowDepth ??
    (execution.trigger_kind === 'crossFlow' ? await invocationDepth(db, executionId) : 0);
  // The caller of an asynchronous flow whose trigger may answer waits for the trigger step: tell it at once.
  let published: Promise<void> | undefined;
  const onStep: (event: StepEvent) => void = execution.awaits_trigger_response
    ? (event) => {
        recorder.onStep(event);
        if (event.type !== 'triggered' || published) return;
        published = publishTriggerResponse(db, executionId, deps.leases.owner, event.response)
          .then((stored) => {
            if (stored) deps.waiter?.triggered(executionId);
          })
          .catch((error: Error) => {
            // Its caller hears of the execution when it ends instead (it NOTIFYs then).
            log.warn({ executionId, error: error.message }, 'could not store the trigger response');
          });
      }
    : recorder.onStep;
  recorder.start();
  const result = await runFlow({
    integration,
    flowName: execution.flow_name,
    // Binary request bodies are stored as inline marks: the flow gets their bytes back.
    trigger: withBinaryData(execution.trigger) as TriggerRequest,
    configVars: {
      ...configValuesByName(integration, execution.config_values ?? {}),
      ...connections?.values,
    },
    // Private keys pasted into plain config variables are masked like connection secrets (key-material.ts).
    secrets: [...(connections?.secrets ?? []), ...privateKeyFragmentsIn(execution.config_values ?? {})],
    executionId,
    ...endpoints,
    crossFlowDepth,
    signal: run.controller.signal,
    customer: {
      id: execution.customer_id,
      externalId: execution.customer_external_id ?? '',
      name: execution.customer_name ?? '',
    },
    instance: { id: execution.instance_id, name: execution.instance_name },
    ports: {
      components,
      http: observer.http(deps.egress ?? deps.sandboxes.egress, connections?.secrets ?? []),
      state: new PreloadedState(
        {
          // Files kept in state are stored as inline binary marks: steps get their bytes back.
          flow: storedState(execution.flow_state),
          crossFlow: storedState(execution.cross_flow_state),
          execution: {},
          integration: storedState(execution.integration_state),
        },
        recorder,
      ),
      flows: flowInvoker({
        db,
        integration,
        execution,
        leaseMs: deps.leases.leaseMs,
        waiter: deps.waiter,
        runInline: (invokedId, depth) => runExecution(db, invokedId, log, deps, { crossFlowDepth: depth }),
      }),
      log: recorder.onLog,
      onStep: observer.steps(onStep),
      ...(connections ? { connections: connections.port } : {}),
    },
  });
  recorder.close();
  await published;
  recorder.addTrailingLogs(result.logs.slice(recorder.loggedLines));
  return store(db, run, execution, recorder, log, deps, observer, integration, {
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    ...(result.response ? { response: result.response } : {}),
    durationMs: result.durationMs,
    steps: result.steps,
    ...(Object.keys(components.versionsUsed).length > 0
      ? { componentVersions: components.versionsUsed }
      : {}),
  });
}

/** Stores the outcome (and queues the retry) unless this run lost its execution; wakes local waiters. */
async function store(
  db: Kysely<Database>,
  run: ActiveRun,
  execution: ClaimedExecution,
  recorder: ExecutionRecorder,
  log: Logger,
  deps: ExecutionRunDeps,
  observer: ExecutionObserver,
  integration: Integration | undefined,
  outcome: FinalOutcome & { steps: Record<string, unknown> },
): Promise<StoredOutcome | undefined> {
  const executionId = execution.id;
  if (run.detached) {
    log.warn(
      { executionId },
      'shutdown cut this execution off; its lease expires and another worker runs it again',
    );
    return undefined;
  }
  if (run.lost) return undefined;
  const flow = integration?.flows.find((candidate) => candidate.stableKey === execution.flow_stable_key);
  const retry = outcome.status === 'failed' ? retryPlan(flow, execution) : undefined;
  outcome.finishedEvent = finishedEventOf(execution, integration, recorder, outcome, retry !== undefined);
  let row: StoredRow | undefined;
  let retryExecutionId: string | undefined;
  const finish = async (): Promise<StoredRow | undefined> => {
    if (!retry) return recorder.finish(outcome);
    return db.transaction().execute(async (trx) => {
      const stored = await recorder.finish(outcome, trx);
      if (stored?.status === 'failed') retryExecutionId = await queueRetry(trx, execution, retry, log);
      return stored;
    });
  };
  try {
    try {
      row = await finish();
    } catch (error) {
      // A blob pruned between our check and our reference, a deadlock: once more, then give up.
      if (!isTransient(error)) throw error;
      row = await finish();
    }
  } catch (error) {
    if (!isDataError(error)) throw error; // the job fails and comes back: a new attempt
    log.error({ executionId, error: (error as Error).message }, 'could not store the execution records');
    row = await recorder.finishBare({
      status: 'failed',
      error: {
        code: 'EXECUTION_NOT_STORED',
        message: `its step results or logs could not be stored (${(error as Error).message}); make the steps return plain JSON text`,
      },
      durationMs: outcome.durationMs,
      // The alert monitors watching the instance hear of this failure too.
      ...(outcome.finishedEvent
        ? {
            finishedEvent: {
              ...outcome.finishedEvent,
              retryPending: false,
              error: {
                code: 'EXECUTION_NOT_STORED',
                message: 'its step results or logs could not be stored',
                stepName: null,
              },
            },
          }
        : {}),
    });
  }
  if (!row) {
    log.warn({ executionId }, 'this worker lost the execution before storing its outcome; nothing stored');
    return undefined;
  }
  deps.waiter?.finished(executionId);
  if (Number(row.monitored ?? 0) > 0) deps.onMonitoringEvent?.();
  observer.finished(
    row.status as StoredOutcome['status'],
    outcome.durationMs,
    (row.error ?? undefined) as ErrorRecord | undefined,
  );
  log.debug(
    {
      executionId,
      status: row.status,
      durationMs: outcome.durationMs,
      ...(observer.traceId ? { traceId: observer.traceId } : {}),
    },
    'execution finished',
  );
  return {
    executionId,
    status: row.status as StoredOutcome['status'],
    ...(row.error !== null && row.error !== undefined ? { error: row.error as ErrorRecord } : {}),
    ...(row.response !== null && row.response !== undefined
      ? { response: row.response as FlowResponse }
      : {}),
    steps: outcome.steps,
    attempt: row.attempt,
    durationMs: outcome.durationMs,
    ...(retryExecutionId ? { retryExecutionId } : {}),
  };
}

/** What the `execution.finished` outbox event says (its consumers: alert monitors, log streams). */
function finishedEventOf(
  execution: ClaimedExecution,
  integration: Integration | undefined,
  recorder: ExecutionRecorder,
  outcome: FinalOutcome,
  retryPending: boolean,
): Record<string, unknown> {
  const worst = recorder.worstLog;
  return {
    executionId: execution.id,
    instanceId: execution.instance_id,
    instanceName: execution.instance_name,
    customerId: execution.customer_id,
    customerName: execution.customer_name,
    customerExternalId: execution.customer_external_id,
    integrationId: execution.integration_id,
    integrationName: integration?.name ?? null,
    flowName: execution.flow_name,
    triggerKind: execution.trigger_kind,
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
    attempt: execution.attempt,
    retryNumber: execution.retry_number,
    retryOfId: execution.retry_of_id,
    isTest: execution.test_state,
    retryPending,
    error: outcome.error
      ? {
          message: outcome.error.message,
          code: outcome.error.code,
          stepName: recorder.stepName(outcome.error.stepKey) ?? outcome.error.stepKey ?? null,
        }
      : null,
    worstLog: worst
      ? {
          level: worst.level,
          message: worst.message,
          stepName: recorder.stepName(worst.stepKey) ?? worst.stepKey ?? null,
        }
      : null,
  };
}

async function queueRetry(
  trx: Transaction<Database>,
  execution: ClaimedExecution,
  retry: { retryNumber: number; runAt?: Date },
  log: Logger,
): Promise<string | undefined> {
  try {
    if (execution.unique_request_id !== null) {
      const newer = await newerRequest(trx, execution);
      if (newer) {
        // Retry cancellation: a newer request with the same unique request id came while this one ran.
        await trx
          .updateTable('executions')
          .set({ cancelled_by_id: newer })
          .where('id', '=', execution.id)
          .execute();
        log.info(
          { executionId: execution.id, newerExecutionId: newer },
          'execution failed; not retried, a newer request carried the same unique request id',
        );
        return undefined;
      }
    }
    const queued = await queueExecutionIn(trx, {
      orgId: execution.org_id,
      instanceId: execution.instance_id,
      flowStableKey: execution.flow_stable_key,
      trigger: withBinaryData(execution.trigger) as TriggerRequest,
      kind: 'retry',
      testState: execution.test_state,
      retryOfId: execution.retry_of_id ?? execution.id,
      retryNumber: retry.retryNumber,
      integrationVersionId: execution.integration_version_id,
      ...(retry.runAt ? { runAt: retry.runAt } : {}),
      ...(execution.unique_request_id !== null ? { uniqueRequestId: execution.unique_request_id } : {}),
    });
    log.info(
      { executionId: execution.id, retryExecutionId: queued.executionId, retryNumber: retry.retryNumber },
      'execution failed; its retry is queued',
    );
    return queued.executionId;
  } catch (error) {
    // A paused or deleted instance runs nothing, retries included.
    if (!isWeftError(error)) throw error;
    log.info({ executionId: execution.id, reason: error.message }, 'execution failed; not retried');
    return undefined;
  }
}

/**
 * A webhook execution of the same instance flow with the same unique request id, queued after the first execution
 * of this one's retry chain: the request that makes this chain's retries obsolete.
 */
async function newerRequest(
  trx: Transaction<Database>,
  execution: ClaimedExecution,
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    select e.id from executions e
     where e.instance_id = ${execution.instance_id} and e.flow_stable_key = ${execution.flow_stable_key}
       and e.unique_request_id = ${execution.unique_request_id} and e.trigger_kind = 'webhook'
       and e.queued_at > (select o.queued_at from executions o where o.id = ${execution.retry_of_id ?? execution.id})
     order by e.queued_at desc
     limit 1`.execute(trx);
  return rows[0]?.id;
}

/** Foreign key violation (a blob pruned meanwhile), serialization failure, deadlock: worth one more try. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === '40001' || code === '40P01';
}

/** PostgreSQL refused the data itself (an unpaired surrogate in a result, ...): retrying would not help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** How many flow invocations led to this execution (its `invoked_by_id` chain). */
async function invocationDepth(db: Kysely<Database>, executionId: string): Promise<number> {
  const { rows } = await sql<{ depth: number }>`
    with recursive chain (id, invoked_by_id, depth) as (
      select id, invoked_by_id, 0 from executions where id = ${executionId}
      union all
      select e.id, e.invoked_by_id, chain.depth + 1
      from executions e join chain on e.id = chain.invoked_by_id
      where chain.depth < 1000
    )
    select max(depth)::int as depth from chain`.execute(db);
  return rows[0]?.depth ?? 0;
}

/** Stored values are keyed by config variable stable key; the engine takes them by name. */
/**
 * The state stores as they stood when the execution was claimed (read in the claim's round trip). Plain writes
 * are not made here: the recorder stores the keys each step set or removed in the same statement as that step's
 * record, and execution state lives in the engine for the run. Read-modify-write operations go to the database at
 * once, atomically (the recorder's `updateState`, state-store.ts).
 */
class PreloadedState implements StatePort {
  constructor(
    private readonly stores: Record<StateScope, Record<string, unknown>>,
    private readonly recorder: ExecutionRecorder,
  ) {}

  async load(scope: StateScope): Promise<Record<string, unknown>> {
    return this.stores[scope];
  }

  async save(): Promise<void> {}

  async update(scope: StateScope, key: string, operation: StateOperation): Promise<unknown> {
    // The engine applies execution-state operations itself; this is for completeness.
    if (scope === 'execution') {
      setStateValue(
        this.stores.execution,
        key,
        applyStateOperation(key, stateValue(this.stores.execution, key), operation),
      );
      return stateValue(this.stores.execution, key);
    }
    return this.recorder.updateState(scope, key, operation);
  }
}
