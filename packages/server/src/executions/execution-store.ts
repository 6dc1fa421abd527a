import type { TriggerRequest } from '@weft/engine';
import { sql } from 'kysely';
import { customerIdsFor } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { decodeCursor, encodeCursor, pageOf } from '../database/page-cursor.js';
import type { ExecutionStatus, TriggerKind } from '../database/schema.js';
import { executionNotFound, WeftError } from '../errors.js';
import type { Db } from '../integrations/integration-store.js';
import type {
  Execution,
  ExecutionListQuery,
  ExecutionPage,
  ExecutionSummary,
  TestRun,
} from './execution-schemas.js';

/** The SQL behind the executions API. Every function takes the caller's organization and never reads past it. */

/** The request a test run sends: the payload as the body, with its content type and headers. */
export function testRunTrigger(input: TestRun): TriggerRequest {
  if (input.encoding === 'base64') {
    if (
      typeof input.payload !== 'string' ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(input.payload.replace(/\s/g, ''))
    ) {
      throw new WeftError(
        'API_VALIDATION_FAILED',
        'With encoding "base64", payload must be the file\'s bytes as base64 text (body/payload).',
        { field: 'payload' },
      );
    }
  }
  const contentType =
    input.contentType ?? (input.encoding === 'base64' ? 'application/octet-stream' : 'application/json');
  const data =
    input.encoding === 'base64' ? Buffer.from(input.payload as string, 'base64') : (input.payload ?? null);
  return {
    headers: { 'content-type': contentType, ...input.headers },
    queryParameters: {},
    body: { data, contentType },
  };
}

/** The columns a summary is made of. */
export const summaryColumns = [
  'e.id',
  'e.status',
  'e.flow_name',
  'e.instance_id',
  'e.customer_id',
  'e.integration_id',
  'e.trigger_kind',
  'e.attempt',
  'e.retry_of_id',
  'e.retry_number',
  'e.replay_of_id',
  'e.invoked_by_id',
  'e.cancelled_by_id',
  'e.queued_at',
  'e.started_at',
  'e.finished_at',
  'e.duration_ms',
  'e.error',
  'e.component_versions',
] as const;

export interface SummaryRow {
  id: string;
  status: ExecutionStatus;
  flow_name: string;
  instance_id: string;
  customer_id: string;
  integration_id: string;
  trigger_kind: TriggerKind;
  attempt: number;
  retry_of_id: string | null;
  retry_number: number;
  replay_of_id: string | null;
  invoked_by_id: string | null;
  cancelled_by_id: string | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  error: unknown;
  component_versions: unknown;
}

/** The names a list row or an execution shows, joined in by id (one query, not one per row). */
export const nameColumns = [
  'ig.name as integration_name',
  'cu.name as customer_name',
  'inst.name as instance_name',
] as const;

interface NameRow {
  integration_name?: string | null;
  customer_name?: string | null;
  instance_name?: string | null;
}

function namesOf(row: NameRow): Pick<ExecutionSummary, 'integrationName' | 'customerName' | 'instanceName'> {
  return {
    ...(row.integration_name ? { integrationName: row.integration_name } : {}),
    ...(row.customer_name ? { customerName: row.customer_name } : {}),
    ...(row.instance_name ? { instanceName: row.instance_name } : {}),
  };
}

export function toSummary(row: SummaryRow & NameRow): ExecutionSummary {
  return {
    id: row.id,
    status: row.status,
    flow: row.flow_name,
    instanceId: row.instance_id,
    customerId: row.customer_id,
    integrationId: row.integration_id,
    triggerKind: row.trigger_kind,
    attempt: row.attempt,
    retryOfId: row.retry_of_id,
    retryNumber: row.retry_number,
    replayOfId: row.replay_of_id,
    invokedById: row.invoked_by_id,
    cancelledById: row.cancelled_by_id,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.duration_ms,
    ...(row.error !== null && row.error !== undefined ? { error: row.error } : {}),
    ...(row.component_versions
      ? { componentVersions: row.component_versions as Record<string, number> }
      : {}),
    ...namesOf(row),
  };
}

export async function getExecutionSummary(db: Db, orgId: string, id: string): Promise<ExecutionSummary> {
  const row = isUuid(id)
    ? await db
        .selectFrom('executions as e')
        .select(summaryColumns)
        .where('e.org_id', '=', orgId)
        .where('e.id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw executionNotFound(id);
  return toSummary(row);
}

export async function getExecution(db: Db, orgId: string, id: string): Promise<Execution> {
  const row = isUuid(id)
    ? await db
        .selectFrom('executions as e')
        .leftJoin('integrations as ig', 'ig.id', 'e.integration_id')
        .leftJoin('customers as cu', 'cu.id', 'e.customer_id')
        .leftJoin('instances as inst', 'inst.id', 'e.instance_id')
        .select([...summaryColumns, ...nameColumns, 'e.response', 'e.preprocess'])
        .where('e.org_id', '=', orgId)
        .where('e.id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw executionNotFound(id);
  const [steps, logs, retries, replays] = await Promise.all([
    db
      .selectFrom('execution_steps as s')
      .leftJoin('execution_blobs as b', 'b.sha256', 's.result_sha256')
      .selectAll('s')
      .select('b.content as blob')
      .where('s.execution_id', '=', id)
      .orderBy('s.seq')
      .execute(),
    db.selectFrom('execution_logs').selectAll().where('execution_id', '=', id).orderBy('seq').execute(),
    db
      .selectFrom('executions')
      .select('id')
      .where('org_id', '=', orgId)
      .where('retry_of_id', '=', id)
      .orderBy('retry_number')
      .orderBy('queued_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('executions')
      .select('id')
      .where('org_id', '=', orgId)
      .where('replay_of_id', '=', id)
      .orderBy('queued_at')
      .orderBy('id')
      .execute(),
  ]);
  // A result too large to keep inline lives in execution_blobs: answer it whole.
  const resultOf = (step: (typeof steps)[number]) => (step.result_sha256 !== null ? step.blob : step.result);
  const stepResults: Record<string, unknown> = {};
  // In run order, so a loop's child step shows its last iteration's result, as the engine's `steps` does.
  for (const step of steps) stepResults[step.step_key] = resultOf(step);
  return {
    ...toSummary(row),
    ...(row.response !== null ? { response: row.response } : {}),
    ...(row.preprocess !== null ? { preprocess: row.preprocess } : {}),
    retries: retries.map((retry) => retry.id),
    replays: replays.map((replay) => replay.id),
    steps: stepResults,
    stepRecords: steps.map((step) => ({
      key: step.step_key,
      name: step.step_name,
      status: step.status,
      result: resultOf(step),
      attempts: step.attempts,
      ...(step.iterations !== null ? { iterations: step.iterations } : {}),
      ...(step.branch !== null ? { branch: step.branch } : {}),
      ...(step.iteration !== null ? { iteration: step.iteration } : {}),
    })),
    logs: logs.map((log) => ({
      timestamp: log.at.toISOString(),
      level: log.level,
      message: log.message,
      ...(log.step_key !== null ? { stepKey: log.step_key } : {}),
    })),
  };
}

const noPage: ExecutionPage = { items: [], nextCursor: null };

/**
 * Newest first (queued_at desc, id desc) in keyset pages. Each single filter (instance, customer, integration,
 * status) has an index on (org_id, filter, queued_at desc, id), so a page reads about `limit` rows. `query` as the
 * route takes it: statuses and trigger kinds repeatable, a queuedAt range [from, to) as ISO text, `limit` 100 when
 * not given.
 */
export async function listExecutions(
  db: Db,
  orgId: string,
  query: ExecutionListQuery,
  onlyCustomer?: string,
): Promise<ExecutionPage> {
  const limit = query.limit ?? 100;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  let select = db
    .selectFrom('executions as e')
    .leftJoin('integrations as ig', 'ig.id', 'e.integration_id')
    .leftJoin('customers as cu', 'cu.id', 'e.customer_id')
    .leftJoin('instances as inst', 'inst.id', 'e.instance_id')
    .select([...summaryColumns, ...nameColumns])
    .where('e.org_id', '=', orgId);
  if (onlyCustomer !== undefined) select = select.where('e.customer_id', '=', onlyCustomer);
  if (query.instance !== undefined) {
    if (!isUuid(query.instance)) return noPage;
    select = select.where('e.instance_id', '=', query.instance);
  }
  if (query.customer !== undefined) {
    const found = await customerIdsFor(db, orgId, query.customer);
    if (found.length === 0) return noPage;
    select = select.where('e.customer_id', 'in', found);
  }
  if (query.integration !== undefined) {
    if (!isUuid(query.integration)) return noPage;
    select = select.where('e.integration_id', '=', query.integration);
  }
  if (query.flow !== undefined) select = select.where('e.flow_name', '=', query.flow);
  if (query.status && query.status.length > 0) select = select.where('e.status', 'in', query.status);
  if (query.triggerKind && query.triggerKind.length > 0) {
    select = select.where('e.trigger_kind', 'in', query.triggerKind);
  }
  if (query.from !== undefined) select = select.where('e.queued_at', '>=', new Date(query.from));
  if (query.to !== undefined) select = select.where('e.queued_at', '<', new Date(query.to));
  if (after) {
    // The plain bound lets the (…, queued_at desc, id) indexes start the scan at the cursor.
    select = select
      .where('e.queued_at', '<=', after.createdAt)
      .where(sql<boolean>`(e.queued_at, e.id) < (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('e.queued_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toSummary, (last) => encodeCursor({ createdAt: last.queued_at, id: last.id }));
}
