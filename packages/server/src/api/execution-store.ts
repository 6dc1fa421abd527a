import type { TriggerRequest } from '@weft/engine';
import type { ExecutionStatus } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { type Db, isUuid } from './integration-store.js';

/** The SQL behind the executions API. Every function takes the caller's organization and never reads past it. */

export interface TestRunInput {
  payload?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export function executionNotFound(id: string): WeftError {
  return new WeftError('EXECUTION_NOT_FOUND', `No execution with id '${id}' in your organization.`);
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
