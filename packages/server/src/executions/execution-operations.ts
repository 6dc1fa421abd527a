import { type TriggerRequest, withBinaryData } from '@weft/engine';
import { type Kysely, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { executionNotFound, WeftError } from '../errors.js';
import { executionFile } from './execution-files.js';
import { queueExecution } from './execution-queue.js';
import type { ExecutionReplayed, ExecutionSummary, ReplayQuery } from './execution-schemas.js';
import { summaryColumns, toSummary } from './execution-store.js';
import { executionFinishedChannel } from './execution-waiter.js';

/**
 * What people do to executions: replay one with its original request, cancel one that has not finished, download
 * a file one holds.
 */

/**
 * Queues a new execution of the same instance flow (by stable key, so it survives a rename) with the original
 * request, linked to it by replay_of_id. It runs the instance's current version unless `sameVersion` (then the
 * version the original ran).
 */
export async function replayExecution(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  options: ReplayQuery = {},
): Promise<ExecutionReplayed> {
  const original = isUuid(id)
    ? await db
        .selectFrom('executions')
        .select(['id', 'instance_id', 'flow_stable_key', 'trigger', 'integration_version_id', 'test_state'])
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!original) throw executionNotFound(id);
  const { executionId } = await queueExecution(db, {
    orgId,
    instanceId: original.instance_id,
    flowStableKey: original.flow_stable_key,
    // As stored: binary marks; the queue writes the request afresh from its bytes.
    trigger: withBinaryData(original.trigger) as TriggerRequest,
    kind: 'replay',
    replayOfId: original.id,
    testState: original.test_state,
    ...(options.sameVersion ? { integrationVersionId: original.integration_version_id } : {}),
  });
  return { id: executionId, executionId };
}

/**
 * Cancels a queued or running execution: status cancelled, finished now. A queued one's job is removed (a job a
 * worker has already locked stays, but the worker finds the execution cancelled and leaves it); a running one is
 * stopped by its worker, which checks the status while it runs and stores nothing once it is cancelled. Waiters
 * hear of it at once through the execution-finished notification.
 */
export async function cancelExecution(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<ExecutionSummary> {
  if (!isUuid(id)) throw executionNotFound(id);
  const row = await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('executions')
      .select(['id', 'status'])
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw executionNotFound(id);
    if (current.status !== 'queued' && current.status !== 'running') {
      throw new WeftError(
        'EXECUTION_NOT_CANCELLABLE',
        `Execution '${id}' has already finished (${current.status}); only queued or running executions can be cancelled.`,
        { executionId: id, status: current.status },
      );
    }
    const cancelled = await trx
      .updateTable('executions as e')
      .set({
        status: 'cancelled',
        finished_at: sql<Date>`now()`,
        duration_ms: sql<number | null>`case when e.started_at is null then null
          else greatest(0, (extract(epoch from (now() - e.started_at)) * 1000)::integer) end`,
      })
      .where('e.id', '=', id)
      .returning(summaryColumns)
      .executeTakeFirstOrThrow();
    // Unlocked: deleted. Locked by a worker: its key cleared and no retries left, so it ends with this run.
    await sql`select graphile_worker.remove_job(${id}::text)`.execute(trx);
    await sql`select pg_notify(${executionFinishedChannel}, ${id}::text)`.execute(trx);
    return cancelled;
  });
  return toSummary(row);
}

/**
 * One file an execution of the organization holds, to download: its bytes, and the content type it had in the
 * execution (application/octet-stream when it had none, or one HTTP cannot carry).
 */
export async function downloadExecutionFile(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  sha256: string,
): Promise<{ content: Buffer; contentType: string }> {
  const file =
    isUuid(id) && /^[0-9a-f]{64}$/.test(sha256) ? await executionFile(db, orgId, id, sha256) : undefined;
  if (!file) {
    throw new WeftError(
      'EXECUTION_FILE_NOT_FOUND',
      `Execution '${id.slice(0, 80)}' holds no file with SHA-256 '${sha256.slice(0, 80)}' in your organization.`,
    );
  }
  const contentType =
    file.contentType && /^[\t\x20-\x7e]+$/.test(file.contentType)
      ? file.contentType
      : 'application/octet-stream';
  return { content: file.content, contentType };
}
