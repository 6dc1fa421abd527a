import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { runExecutionTask } from '../executions/execution-queue.js';

/**
 * Group commit for webhook ingest. Requests arriving while a write is in flight are stored together in the next
 * write: one statement inserts their execution rows and adds their queue jobs (`graphile_worker.add_jobs`), so a
 * burst of N webhooks costs one commit, one WAL flush and one queue NOTIFY instead of N — PostgreSQL lets only one
 * notifying transaction commit at a time, which caps one-request-per-transaction ingest far below what the
 * database can store. Every request is still answered only after its own row and job are committed; a batch that
 * fails is retried one request at a time, so one bad request cannot fail the others.
 */

export interface IngestItem {
  instanceId: string;
  /** The version the request was routed with: stored only while the instance still runs it. */
  versionId: string;
  flowName: string;
  flowStableKey: string;
  isSynchronous: boolean;
  trigger: unknown;
  queueName: string | null;
  /** Synchronous flows run in-process park their job one lease ahead (the fallback if this process dies). */
  runAt: Date | null;
}

interface Pending {
  id: string;
  item: IngestItem;
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/** Requests per statement; bounded so one statement stays small however large the burst. */
const maxBatch = 250;
/** Statements in flight at once: one filling while one commits keeps the pipe full. */
const maxInFlight = 2;

export class IngestBatcher {
  private pending: Pending[] = [];
  private inFlight = 0;

  constructor(private readonly db: Kysely<Database>) {}

  /** Stores one execution and its job; answers its id, or undefined when the instance was paused or redeployed. */
  store(item: IngestItem): Promise<string | undefined> {
    const id = randomUUID();
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ id, item, resolve, reject });
      this.pump();
    }).then((stored) => (stored ? id : undefined));
  }

  private pump(): void {
    while (this.inFlight < maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      const stored = await insertBatch(this.db, batch);
      for (const entry of batch) entry.resolve(stored.has(entry.id));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Find the one that spoiled it: each on its own.
      await Promise.all(
        batch.map(async (entry) => {
          try {
            entry.resolve((await insertBatch(this.db, [entry])).has(entry.id));
          } catch (single) {
            entry.reject(single);
          }
        }),
      );
    }
  }
}

async function insertBatch(db: Kysely<Database>, batch: Pending[]): Promise<Set<string>> {
  const rows = batch.map(({ id, item }) => ({
    id,
    instance_id: item.instanceId,
    version_id: item.versionId,
    flow_name: item.flowName,
    flow_stable_key: item.flowStableKey,
    is_synchronous: item.isSynchronous,
    trigger: item.trigger,
    queue_name: item.queueName,
    run_at: item.runAt?.toISOString() ?? null,
  }));
  // One statement: atomic, one round trip. Rows of instances paused or redeployed meanwhile are left out.
  const result = await sql<{ id: string }>`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(
        id uuid, instance_id uuid, version_id uuid, flow_name text, flow_stable_key text,
        is_synchronous boolean, trigger jsonb, queue_name text, run_at timestamptz)
    ),
    execution as (
      insert into executions (id, org_id, instance_id, customer_id, integration_id, integration_version_id,
                              flow_name, flow_stable_key, trigger, trigger_kind, is_synchronous)
      select i.id, n.org_id, n.id, n.customer_id, n.integration_id, n.deployed_version_id,
             i.flow_name, i.flow_stable_key, i.trigger, 'webhook', i.is_synchronous
        from input i
        join instances n on n.id = i.instance_id and n.enabled and n.deployed_version_id = i.version_id
      returning id
    ),
    job as (
      select graphile_worker.add_jobs(array_agg(row(
               ${runExecutionTask}, json_build_object('executionId', i.id), i.queue_name, i.run_at,
               null, i.id::text, null, null)::graphile_worker.job_spec)) as added
        from input i join execution e on e.id = i.id
      having count(*) > 0
    )
    select e.id from execution e where (select count(*) from job) >= 0`.execute(db);
  return new Set(result.rows.map((row) => row.id));
}
