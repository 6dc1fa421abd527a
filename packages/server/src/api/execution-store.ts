import type { Flow, Integration } from '@weft/definition';
import type { TriggerRequest } from '@weft/engine';
import { type Kysely, sql } from 'kysely';
import type { Database, ExecutionStatus } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { instanceNotFound } from './instance-store.js';
import { type Db, isUuid } from './integration-store.js';

/** The SQL behind the executions API. Every function takes the caller's organization and never reads past it. */

/** The graphile-worker task that runs an execution; its payload is `{executionId}`. */
export const runExecutionTask = 'run-execution';

export interface TestRunInput {
  payload?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export function executionNotFound(id: string): WeftError {
  return new WeftError('EXECUTION_NOT_FOUND', `No execution with id '${id}' in your organization.`);
}

export function flowsOf(definition: unknown): Flow[] {
  const flows = (definition as Partial<Integration> | null)?.flows;
  return Array.isArray(flows) ? flows : [];
}

/**
 * Queues a run of one instance flow with the given request: the execution row and its queue job commit in one
 * transaction, so an accepted execution always has a job and a job always finds its execution.
 */
export async function queueExecution(
  db: Kysely<Database>,
  orgId: string,
  instanceId: string,
  flowName: string,
  trigger: TriggerRequest,
): Promise<{ executionId: string }> {
  return db.transaction().execute(async (trx) => {
    const instance = isUuid(instanceId)
      ? await trx
          .selectFrom('instances as n')
          .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
          .select([
            'n.id',
            'n.enabled',
            'n.customer_id',
            'n.integration_id',
            'n.integration_version_id',
            'v.definition',
          ])
          .where('n.org_id', '=', orgId)
          .where('n.id', '=', instanceId)
          .executeTakeFirst()
      : undefined;
    if (!instance) throw instanceNotFound(instanceId);
    const flows = flowsOf(instance.definition);
    const flow = flows.find((candidate) => candidate.name === flowName);
    if (!flow) {
      const names = flows.map((candidate) => candidate.name);
      throw new WeftError(
        'FLOW_NOT_FOUND',
        `The instance has no flow named '${flowName}'; its flows are ${names.map((name) => `'${name}'`).join(', ') || '(none)'}.`,
        { flow: flowName, flows: names },
      );
    }
    if (!instance.enabled) {
      throw new WeftError('INSTANCE_PAUSED', `The instance '${instanceId}' is paused: it runs nothing.`, {
        instanceId,
      });
    }
    const row = await trx
      .insertInto('executions')
      .values({
        org_id: orgId,
        instance_id: instance.id,
        customer_id: instance.customer_id,
        integration_id: instance.integration_id,
        integration_version_id: instance.integration_version_id,
        flow_name: flow.name,
        flow_stable_key: flow.stableKey,
        trigger: JSON.stringify(trigger),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`select graphile_worker.add_job(${runExecutionTask}, json_build_object('executionId', ${row.id}::uuid), job_key => ${row.id}::text)`.execute(
      trx,
    );
    return { executionId: row.id };
  });
}

/** The request a test run sends: the payload as the body, with its content type and headers. */
export function testRunTrigger(input: TestRunInput): TriggerRequest {
  const contentType = input.contentType ?? 'application/json';
  return {
    headers: { 'content-type': contentType, ...input.headers },
    queryParameters: {},
    body: { data: input.payload ?? null, contentType },
  };
}

export interface ExecutionView {
  id: string;
  status: ExecutionStatus;
  flow: string;
  instanceId: string;
  attempt: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error?: unknown;
  response?: unknown;
  steps: Record<string, unknown>;
  stepRecords: Array<{
    key: string;
    name: string;
    status: string;
    result: unknown;
    attempts: unknown[];
    iterations?: number;
    branch?: string;
  }>;
  logs: Array<{ timestamp: string; level: string; message: string; stepKey?: string }>;
}

export async function getExecution(db: Db, orgId: string, id: string): Promise<ExecutionView> {
  const row = isUuid(id)
    ? await db
        .selectFrom('executions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw executionNotFound(id);
  const [steps, logs] = await Promise.all([
    db.selectFrom('execution_steps').selectAll().where('execution_id', '=', id).orderBy('seq').execute(),
    db.selectFrom('execution_logs').selectAll().where('execution_id', '=', id).orderBy('seq').execute(),
  ]);
  const stepResults: Record<string, unknown> = {};
  // In run order, so a loop's child step shows its last iteration's result, as the engine's `steps` does.
  for (const step of steps) stepResults[step.step_key] = step.result;
  return {
    id: row.id,
    status: row.status,
    flow: row.flow_name,
    instanceId: row.instance_id,
    attempt: row.attempt,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.duration_ms,
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.response !== null ? { response: row.response } : {}),
    steps: stepResults,
    stepRecords: steps.map((step) => ({
      key: step.step_key,
      name: step.step_name,
      status: step.status,
      result: step.result,
      attempts: step.attempts,
      ...(step.iterations !== null ? { iterations: step.iterations } : {}),
      ...(step.branch !== null ? { branch: step.branch } : {}),
    })),
    logs: logs.map((log) => ({
      timestamp: log.at.toISOString(),
      level: log.level,
      message: log.message,
      ...(log.step_key !== null ? { stepKey: log.step_key } : {}),
    })),
  };
}
