import type { Flow, Integration } from '@weft/definition';
import { binaryJson, type TriggerRequest } from '@weft/engine';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, TriggerKind } from '../database/schema.js';
import { instanceNotFound, WeftError } from '../errors.js';

/**
 * Where an execution is queued. Every trigger (webhook, schedule, deploy/remove, test run, cross-flow call, retry,
 * replay) comes through `queueExecution`: the execution row and its graphile-worker job commit in one transaction,
 * so an accepted execution always has a job and a job always finds its execution.
 */

/** The graphile-worker task that runs an execution; its payload is `{executionId}` and its job key the id. */
export const runExecutionTask = 'run-execution';

export interface QueueRequest {
  orgId: string;
  instanceId: string;
  /** The flow, by name or stable key (`flowStableKey` wins). */
  flowName?: string;
  flowStableKey?: string;
  trigger: TriggerRequest;
  kind: TriggerKind;
  /** Webhooks, schedules and lifecycle triggers run only on deployed instances; test runs also on drafts. */
  requireDeployed?: boolean;
  /** The first execution of a retry chain, and which retry this is (1 = first retry). */
  retryOfId?: string;
  retryNumber?: number;
  replayOfId?: string;
  invokedById?: string;
  /** Schedule ticks: unique per instance flow, so a tick fires once. */
  scheduledFor?: Date;
  /** Run no earlier than this (retries with a delay). */
  runAt?: Date;
  /** Run a specific version (retries and replays keep the version of the execution they repeat). */
  integrationVersionId?: string;
  /** The unique request id of the request it repeats (retries inherit it, for retry cancellation). */
  uniqueRequestId?: string;
  /**
   * Keeps the test runs' flow state: a test run does; a retry or replay does as the execution it repeats did
   * (worker/state-scopes.ts). Default: a test run only.
   */
  testState?: boolean;
}

export interface QueuedExecution {
  executionId: string;
  flow: Flow;
  isSynchronous: boolean;
}

export function flowsOf(definition: unknown): Flow[] {
  const flows = (definition as Partial<Integration> | null)?.flows;
  return Array.isArray(flows) ? flows : [];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function queueExecution(db: Kysely<Database>, request: QueueRequest): Promise<QueuedExecution> {
  return db.transaction().execute((trx) => queueExecutionIn(trx, request));
}

/** `queueExecution` inside a transaction the caller owns (deploy queues its deploy flows with the deploy). */
export async function queueExecutionIn(
  trx: Transaction<Database>,
  request: QueueRequest,
): Promise<QueuedExecution> {
  const instance = uuidPattern.test(request.instanceId)
    ? await trx
        .selectFrom('instances')
        .select([
          'id',
          'enabled',
          'customer_id',
          'integration_id',
          'integration_version_id',
          'deployed_version_id',
        ])
        .where('org_id', '=', request.orgId)
        .where('id', '=', request.instanceId)
        .executeTakeFirst()
    : undefined;
  if (!instance) throw instanceNotFound(request.instanceId);
  if (request.requireDeployed && instance.deployed_version_id === null) {
    throw new WeftError(
      'INSTANCE_NOT_DEPLOYED',
      `The instance '${request.instanceId}' is not deployed yet: deploy it first (weft instances:deploy ${request.instanceId}).`,
      { instanceId: request.instanceId },
    );
  }
  if (!instance.enabled) {
    throw new WeftError(
      'INSTANCE_PAUSED',
      `The instance '${request.instanceId}' is paused: it runs nothing.`,
      {
        instanceId: request.instanceId,
      },
    );
  }
  const versionId =
    request.integrationVersionId ?? instance.deployed_version_id ?? instance.integration_version_id;
  const version = await trx
    .selectFrom('integration_versions')
    .select('definition')
    .where('id', '=', versionId)
    .executeTakeFirstOrThrow();
  const flows = flowsOf(version.definition);
  const flow =
    request.flowStableKey !== undefined
      ? flows.find((candidate) => candidate.stableKey === request.flowStableKey)
      : flows.find((candidate) => candidate.name === request.flowName);
  if (!flow) {
    const names = flows.map((candidate) => candidate.name);
    const wanted = request.flowName ?? request.flowStableKey ?? '';
    throw new WeftError(
      'FLOW_NOT_FOUND',
      `The instance has no flow named '${wanted}'; its flows are ${names.map((name) => `'${name}'`).join(', ') || '(none)'}.`,
      { flow: wanted, flows: names },
    );
  }
  const row = await trx
    .insertInto('executions')
    .values({
      org_id: request.orgId,
      instance_id: instance.id,
      customer_id: instance.customer_id,
      integration_id: instance.integration_id,
      integration_version_id: versionId,
      flow_name: flow.name,
      flow_stable_key: flow.stableKey,
      // Binary data (a file posted to a webhook, handed to a flow) is kept as inline marks.
      trigger: binaryJson(request.trigger) ?? '{}',
      trigger_kind: request.kind,
      retry_of_id: request.retryOfId ?? null,
      retry_number: request.retryNumber ?? 0,
      replay_of_id: request.replayOfId ?? null,
      invoked_by_id: request.invokedById ?? null,
      scheduled_for: request.scheduledFor ?? null,
      is_synchronous: flow.isSynchronous,
      unique_request_id: request.uniqueRequestId ?? null,
      test_state: request.testState ?? request.kind === 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await addRunJob(trx, row.id, queueNameFor(instance.id, flow, row.id), request.runAt);
  return { executionId: row.id, flow, isSynchronous: flow.isSynchronous };
}

/** Adds the job that runs an execution (job key = execution id, so adding it twice keeps one job). */
export async function addRunJob(
  trx: Kysely<Database>,
  executionId: string,
  queueName: string | null,
  runAt?: Date,
): Promise<void> {
  await sql`select graphile_worker.add_job(
    ${runExecutionTask},
    json_build_object('executionId', ${executionId}::uuid),
    queue_name => ${queueName}::text,
    run_at => ${runAt ?? null}::timestamptz,
    job_key => ${executionId}::text
  )`.execute(trx);
}

/**
 * The queue a flow's executions go through. graphile-worker runs one job at a time per named queue, in order: a
 * FIFO flow gets one queue per instance flow; a flow with a concurrency limit N spreads its executions over N
 * queues (so at most N run at once); other flows use no named queue and run as wide as the workers allow.
 */
export function queueNameFor(instanceId: string, flow: Flow, executionId: string): string | null {
  const config = flow.queueConfig;
  if (!config) return null;
  if (config.usesFifoQueue) return `fifo:${instanceId}:${flow.stableKey}`;
  const limit = config.concurrencyLimit;
  if (limit !== undefined && limit > 0) {
    const lane = Number.parseInt(executionId.slice(0, 8), 16) % limit;
    return `limit:${instanceId}:${flow.stableKey}:${lane}`;
  }
  return null;
}
