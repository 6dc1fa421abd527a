import { randomUUID } from 'node:crypto';
import { binaryMarked } from '@weft/engine';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { runExecutionTask } from '../executions/execution-queue.js';
import { serializedJson, tooDeepToStore } from '../http/request-body-limits.js';

/**
 * Group commit for webhook ingest. Requests arriving while a write is in flight are stored together in the next
 * write: one statement inserts their execution rows and adds their queue jobs (`graphile_worker.add_jobs`), so a
 * burst of N webhooks costs one commit, one WAL flush and one queue NOTIFY instead of N — PostgreSQL lets only one
 * notifying transaction commit at a time, which caps one-request-per-transaction ingest far below what the
 * database can store. Every request is still answered only after its own row and job are committed; a request
 * whose payload cannot be serialized is refused alone before it joins a batch, and a batch that fails is retried
 * one request at a time, so one bad request cannot fail the others.
 *
 * The same statement deduplicates (`queueConfig.dedupeIdField`: a deduplication id seen for the instance flow in the
 * last `dedupeWindowMinutes` starts nothing and answers the execution it started) and cancels the pending retries a
 * newer request makes obsolete (`retryConfig.uniqueRequestIdField`). Those parts are in the statement only when a
 * request of the batch needs them, so the plain path stays as it was.
 */

/** Prismatic's deduplication window: the same id within 10 minutes is a duplicate. */
export const dedupeWindowMinutes = 10;

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
  /** The request's deduplication id (the flow has `dedupeIdField` and the request a value there). */
  dedupeId?: string;
  /** The request's unique request id (the flow has `uniqueRequestIdField` and the request a value there). */
  uniqueRequestId?: string;
  /** The caller waits for the trigger's response (an asynchronous flow whose trigger may set one). */
  awaitsTriggerResponse?: boolean;
  /** The preprocess flow run that routed the request (`PreprocessRun` as kept). */
  preprocess?: unknown;
}

/** What `store` answers: the execution the request started, or the one its deduplication id already started. */
export interface Stored {
  executionId: string;
  duplicate: boolean;
}

interface Pending {
  id: string;
  item: IngestItem;
  /** The row's JSON text, made when the request arrived: a request that cannot be serialized never joins a batch. */
  row: string;
  resolve(stored: Stored | undefined): void;
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

  /**
   * Stores one execution and its job. Answers its id; for a duplicate, the id of the execution the deduplication id
   * started; undefined when the instance was paused or redeployed meanwhile (nothing stored).
   */
  store(item: IngestItem): Promise<Stored | undefined> {
    const id = randomUUID();
    let row: string;
    try {
      row = rowJson(id, item);
    } catch (error) {
      // This request alone fails (400 API_BODY_TOO_DEEP), before it could spoil a batch.
      return Promise.reject(tooDeepToStore(error, 'webhook request'));
    }
    return new Promise<Stored | undefined>((resolve, reject) => {
      this.pending.push({ id, item, row, resolve, reject });
      this.pump();
    });
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
    // Two requests of one batch with the same deduplication id: the first goes in, the others are its duplicates.
    const leaders: Pending[] = [];
    const followers = new Map<Pending, Pending[]>();
    const byDedupeKey = new Map<string, Pending>();
    for (const entry of batch) {
      const { dedupeId } = entry.item;
      if (dedupeId === undefined) {
        leaders.push(entry);
        continue;
      }
      const key = `${entry.item.instanceId}\u0000${entry.item.flowStableKey}\u0000${dedupeId}`;
      const leader = byDedupeKey.get(key);
      if (leader) {
        followers.get(leader)?.push(entry) ?? followers.set(leader, [entry]);
      } else {
        byDedupeKey.set(key, entry);
        leaders.push(entry);
      }
    }
    const settle = (entry: Pending, stored: Stored | undefined) => {
      entry.resolve(stored);
      for (const follower of followers.get(entry) ?? []) {
        follower.resolve(stored ? { executionId: stored.executionId, duplicate: true } : undefined);
      }
    };
    const fail = (entry: Pending, error: unknown) => {
      entry.reject(error);
      for (const follower of followers.get(entry) ?? []) follower.reject(error);
    };
    if (byDedupeKey.size > 1) {
      // Deduplication keys are locked in one order by every statement, so two batches cannot deadlock on them.
      leaders.sort((a, b) => dedupeOrder(a).localeCompare(dedupeOrder(b)));
    }
    try {
      const stored = await insertBatch(this.db, leaders);
      for (const entry of leaders) settle(entry, stored.get(entry.id));
    } catch (error) {
      if (leaders.length === 1 && !isTransient(error)) {
        fail(leaders[0] as Pending, error);
        return;
      }
      // Find the one that spoiled it: each on its own (a transient failure, once more).
      await Promise.all(
        leaders.map(async (entry) => {
          try {
            settle(entry, (await insertBatch(this.db, [entry])).get(entry.id));
          } catch (single) {
            fail(entry, single);
          }
        }),
      );
    }
  }
}

function dedupeOrder(entry: Pending): string {
  const { item } = entry;
  return item.dedupeId === undefined
    ? ''
    : `${item.instanceId}\u0000${item.flowStableKey}\u0000${item.dedupeId}`;
}

/** A deadlock or serialization failure: the same statement can succeed when tried again. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** The queue jobs of the executions just inserted, added in one call (one NOTIFY for the batch). */
const jobsPart = sql`job as (
  select graphile_worker.add_jobs(array_agg(row(
           ${runExecutionTask}, json_build_object('executionId', i.id), i.queue_name, i.run_at,
           null, i.id::text, null, null)::graphile_worker.job_spec)) as added
    from input i join execution e on e.id = i.id
  having count(*) > 0
)`;

async function insertBatch(db: Kysely<Database>, batch: Pending[]): Promise<Map<string, Stored>> {
  const dedupes = batch.some((entry) => entry.item.dedupeId !== undefined);
  const cancels = batch.some((entry) => entry.item.uniqueRequestId !== undefined);
  const extras =
    dedupes || cancels || batch.some((entry) => entry.item.awaitsTriggerResponse || entry.item.preprocess);
  const rows = batchJson(batch);
  const stored = new Map<string, Stored>();
  if (!extras) {
    // One statement: atomic, one round trip. Rows of instances paused or redeployed meanwhile are left out.
    const result = await sql<{ id: string }>`
      with input as (
        select * from jsonb_to_recordset(${rows}::jsonb) as i(
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
      ${jobsPart}
      select e.id from execution e where (select count(*) from job) >= 0`.execute(db);
    for (const row of result.rows) stored.set(row.id, { executionId: row.id, duplicate: false });
    return stored;
  }

  const parts: RawBuilder<unknown>[] = [
    sql`input as (
      select * from jsonb_to_recordset(${rows}::jsonb) as i(
        id uuid, instance_id uuid, version_id uuid, flow_name text, flow_stable_key text,
        is_synchronous boolean, trigger jsonb, queue_name text, run_at timestamptz,
        dedupe_id text, unique_request_id text, awaits boolean, preprocess jsonb)
    )`,
    sql`routable as (
      select i.*, n.org_id, n.customer_id, n.integration_id
        from input i
        join instances n on n.id = i.instance_id and n.enabled and n.deployed_version_id = i.version_id
    )`,
  ];
  if (dedupes) {
    // The entry is the request's own (inserted, or taken over once older than the window), or another execution's:
    // then this request is a duplicate. A concurrent insert of the same id waits on the key, then sees it.
    parts.push(sql`dedupe as (
      insert into webhook_dedupe as d (instance_id, flow_stable_key, dedupe_id, execution_id)
      select r.instance_id, r.flow_stable_key, r.dedupe_id, r.id from routable r where r.dedupe_id is not null
      on conflict (instance_id, flow_stable_key, dedupe_id) do update set
        execution_id = case when d.received_at < now() - ${dedupeWindowMinutes} * interval '1 minute'
                            then excluded.execution_id else d.execution_id end,
        received_at = case when d.received_at < now() - ${dedupeWindowMinutes} * interval '1 minute'
                           then now() else d.received_at end
      returning d.instance_id, d.flow_stable_key, d.dedupe_id, d.execution_id
    )`);
    parts.push(sql`fresh as (
      select r.* from routable r
       where r.dedupe_id is null or exists (select 1 from dedupe d where d.execution_id = r.id)
    )`);
  } else {
    parts.push(sql`fresh as (select * from routable)`);
  }
  parts.push(sql`execution as (
    insert into executions (id, org_id, instance_id, customer_id, integration_id, integration_version_id,
                            flow_name, flow_stable_key, trigger, trigger_kind, is_synchronous,
                            awaits_trigger_response, preprocess, unique_request_id)
    select f.id, f.org_id, f.instance_id, f.customer_id, f.integration_id, f.version_id, f.flow_name,
           f.flow_stable_key, f.trigger, 'webhook', f.is_synchronous, f.awaits, f.preprocess, f.unique_request_id
      from fresh f
    returning id
  )`);
  if (cancels) {
    // Retry cancellation: the retries still queued for older requests with the same unique request id.
    parts.push(sql`cancelled as (
      update executions e set
        status = 'cancelled',
        finished_at = now(),
        cancelled_by_id = f.id,
        error = jsonb_build_object(
          'code', 'RETRY_CANCELLED',
          'message', 'a newer request with the same unique request id (' || f.unique_request_id
            || ') arrived; its execution ' || f.id || ' replaces this retry')
      from fresh f
      where f.unique_request_id is not null
        and e.instance_id = f.instance_id and e.flow_stable_key = f.flow_stable_key
        and e.unique_request_id = f.unique_request_id
        and e.trigger_kind = 'retry' and e.status = 'queued'
      returning e.id
    )`);
    // Directly rather than with graphile_worker.remove_job, which NOTIFYs workers of a job they never saw. A job
    // a worker has locked stays; that worker finds its execution cancelled and leaves it.
    parts.push(sql`cancelled_jobs as (
      delete from graphile_worker._private_jobs j using cancelled c
       where j.key = c.id::text and j.locked_at is null
      returning 1
    )`);
  }
  parts.push(jobsPart);
  const result = await sql<{ id: string; execution_id: string }>`
    with ${sql.join(parts, sql`, `)}
    select e.id, e.id as execution_id from execution e
     where (select count(*) from job) >= 0${
       cancels ? sql` and (select count(*) from cancelled_jobs) >= 0` : sql``
     }${
       dedupes
         ? sql`
    union all
    select r.id, d.execution_id from routable r
      join dedupe d on d.instance_id = r.instance_id and d.flow_stable_key = r.flow_stable_key
                   and d.dedupe_id = r.dedupe_id
     where d.execution_id <> r.id`
         : sql``
     }`.execute(db);
  for (const row of result.rows) {
    stored.set(row.id, { executionId: row.execution_id, duplicate: row.execution_id !== row.id });
  }
  return stored;
}

/**
 * One request's row as JSON text for PostgreSQL. Every column is there; the plain statement's recordset ignores
 * the ones it does not declare. jsonb cannot hold NUL characters, which a request may carry (`?a=%00`, `"\u0000"`
 * in a JSON body): they are dropped from names and values rather than failing the request (the raw body text keeps
 * its escaped form untouched).
 */
function rowJson(id: string, item: IngestItem): string {
  const row = {
    id,
    instance_id: item.instanceId,
    version_id: item.versionId,
    flow_name: item.flowName,
    flow_stable_key: item.flowStableKey,
    is_synchronous: item.isSynchronous,
    // A binary body's bytes travel as an inline mark (the worker turns it back into a Buffer).
    trigger: binaryMarked(item.trigger),
    queue_name: item.queueName,
    run_at: item.runAt?.toISOString() ?? null,
    dedupe_id: item.dedupeId ?? null,
    unique_request_id: item.uniqueRequestId ?? null,
    awaits: item.awaitsTriggerResponse === true,
    preprocess: binaryMarked(item.preprocess) ?? null,
  };
  const text = serializedJson(row, 'webhook request');
  if (!text.includes('\\u0000')) return text;
  const clean = (value: string) => value.replaceAll('\u0000', '');
  return JSON.stringify(row, (_key, value: unknown) => {
    if (typeof value === 'string') return clean(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.some(([name]) => name.includes('\u0000')))
        return Object.fromEntries(entries.map(([name, member]) => [clean(name), member]));
    }
    return value;
  });
}

/** The batch as one JSON array for jsonb_to_recordset: its rows' texts, made when each request arrived. */
function batchJson(batch: Pending[]): string {
  return `[${batch.map((entry) => entry.row).join(',')}]`;
}
