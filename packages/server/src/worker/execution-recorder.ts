import type {
  ErrorRecord,
  FlowResponse,
  LogEntry,
  StateWrites,
  StepEvent,
  StepRecord,
  StoredBytes,
} from '@weft/engine';
import type { StateOperation } from '@weft/sdk';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database, ExecutionStatus } from '../database/schema.js';
import { isBlobSized, jsonText, sha256Hex, textValue } from '../executions/execution-blobs.js';
import { executionFinishedChannel } from '../executions/execution-waiter.js';
import {
  applyStateOperation,
  LeaseLostError,
  type PendingChanges,
  type PersistedScope,
  pendingChanges,
  persistedScopes,
  stateWriteParts,
} from './state-store.js';

/**
 * Stores what a running execution does while it runs: its step records (a loop's child steps once per iteration,
 * with the iteration), its log lines, large results as blobs, and the state keys each step set or removed, in the
 * same statement as that step's record (read-modify-write state operations go at once: `updateState`,
 * state-store.ts). Every write is fenced by the lease: it lands only while this worker still owns the execution (a
 * worker that lost its lease, a zombie waking up, writes nothing).
 *
 * A short run writes nothing until it ends, then everything in the one statement that stores its outcome (one
 * round trip for a small synchronous flow). A run that lasts longer than `incrementalAfterMs` starts flushing what it
 * has every `flushEveryMs`, so its progress is visible while it runs.
 */
export const incrementalAfterMs = 250;
export const flushEveryMs = 150;
/** Rows of one kind per statement (keeps one statement's JSON parameter bounded). */
const rowsPerStatement = 1000;

export interface RecordTarget {
  executionId: string;
  leaseOwner: string;
  orgId: string;
  instanceId: string;
  integrationId: string;
  customerId: string;
  flowStableKey: string;
  /** A test run (or its retry or replay): its flow state is the test runs' own (state-scopes.ts). */
  testState?: boolean;
  /**
   * Remove the execution's queue job with the outcome: an execution run in-process (a synchronous webhook) has
   * its job parked one lease ahead as a fallback, and once it finished here, that job has nothing left to do.
   */
  removeJob?: boolean;
  /**
   * Send the finished NOTIFY: only when someone may be waiting (synchronous webhooks served through the queue,
   * cross-flow callers, instance removal). Every NOTIFY serializes commits database-wide, so executions nobody
   * waits for do without.
   */
  notify?: boolean;
}

/** How the execution ended, as the worker stores it. */
export interface FinalOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: ErrorRecord;
  response?: FlowResponse;
  durationMs: number;
  /** The custom component versions the steps ran, by key. */
  componentVersions?: Record<string, number>;
  /**
   * What an `execution.finished` outbox event says (alerts, log streams), written in the same statement when a
   * monitor or log stream of the organization covers this execution; `status` is added from the stored row.
   */
  finishedEvent?: Record<string, unknown>;
}

/** The execution row as it stands after the final write. */
export interface StoredRow {
  status: ExecutionStatus;
  error: unknown;
  response: unknown;
  attempt: number;
  /** 1 when an `execution.finished` outbox event was written with the outcome. */
  monitored?: number | string;
}

/** The most severe log line of a run (the first at its level): alert monitors on log levels read it. */
export interface WorstLog {
  level: string;
  message: string;
  stepKey?: string;
}

const logSeverity: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

interface PendingStep {
  /** The row as JSON text, for `jsonb_to_recordset`. */
  row: string;
  blob?: { sha256: string; row: string };
  /** The binary data its result holds, stored aside (`execution_files`). */
  files?: StoredBytes[];
  /** The keys of each state store the step set and removed (state-store.ts). */
  state?: Partial<Record<PersistedScope, PendingChanges>>;
}

interface Batch {
  steps: PendingStep[];
  logs: string[];
}

export class ExecutionRecorder {
  private steps: PendingStep[] = [];
  private logs: string[] = [];
  private nextStepSeq = 0;
  private nextLogSeq = 0;
  private closed = false;
  private startTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private worst: WorstLog | undefined;
  private readonly stepNames = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly target: RecordTarget,
    private readonly log: Logger,
    private readonly options: {
      /** Log lines kept (the engine's limit); later ones are counted by the engine and dropped. */
      logLimit: number;
      /** Called when a write finds the lease gone: the run should stop. */
      onLeaseLost: () => void;
    },
  ) {}

  /** Starts the clock: after `incrementalAfterMs`, writes go out as the run goes. */
  start(): void {
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      if (this.closed) return;
      void this.flush();
      this.flushTimer = setInterval(() => void this.flush(), flushEveryMs);
      this.flushTimer.unref();
    }, incrementalAfterMs);
    this.startTimer.unref();
  }

  /** The engine's `onStep` port. */
  readonly onStep = (event: StepEvent): void => {
    if (this.closed || event.type !== 'finished') return;
    this.stepNames.set(event.record.key, event.record.name);
    this.steps.push(this.pendingStep(event.record, event.state));
  };

  /** The engine's `log` port. */
  readonly onLog = (entry: LogEntry): void => {
    if (this.closed || this.nextLogSeq >= this.options.logLimit) return;
    if ((logSeverity[entry.level] ?? 0) > (logSeverity[this.worst?.level ?? ''] ?? -1)) {
      this.worst = {
        level: entry.level,
        message: entry.message.slice(0, 2000),
        ...(entry.stepKey ? { stepKey: entry.stepKey } : {}),
      };
    }
    this.logs.push(this.logRow(entry));
  };

  /** The most severe line logged so far (the first at its level). */
  get worstLog(): WorstLog | undefined {
    return this.worst;
  }

  /** A step's name by key, once it finished. */
  stepName(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.stepNames.get(key);
  }

  /** How many log lines were taken from the port (the first of `ExecutionResult.logs`). */
  get loggedLines(): number {
    return this.nextLogSeq;
  }

  /** Stops taking records: whatever a step cut off by cancellation still reports after the run ended is not its. */
  close(): void {
    this.closed = true;
    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.startTimer = undefined;
    this.flushTimer = undefined;
  }

  /** Log lines the engine kept without passing them to the port (the dropped-lines notice). */
  addTrailingLogs(entries: LogEntry[]): void {
    for (const entry of entries) this.logs.push(this.logRow(entry));
  }

  /**
   * Writes what is left and the outcome. Inside `trx` when given (a retry is queued in the same transaction);
   * returns the stored row, or undefined when this worker no longer owns the execution (nothing was written).
   */
  async finish(outcome: FinalOutcome, trx?: Kysely<Database>): Promise<StoredRow | undefined> {
    this.close();
    await this.flushing;
    const db = trx ?? this.db;
    // Kept until the outcome is stored, so a failed try can be tried again (the writes are idempotent).
    const pending = { steps: [...this.steps], logs: [...this.logs] };
    try {
      // A fast run with many records: all but the last chunk go out as ordinary writes first.
      while (this.steps.length > rowsPerStatement || this.logs.length > rowsPerStatement) {
        const owned = await this.write(db, this.take());
        if (!owned) return undefined;
      }
      const { rows } = await finalStatement(this.target, this.take(), outcome).execute(db);
      return rows[0];
    } catch (error) {
      this.steps = pending.steps;
      this.logs = pending.logs;
      throw error;
    }
  }

  /** Writes one outcome with nothing else (a run whose records could not be stored). */
  async finishBare(outcome: FinalOutcome): Promise<StoredRow | undefined> {
    this.close();
    this.steps = [];
    this.logs = [];
    const { rows } = await finalStatement(this.target, { steps: [], logs: [] }, outcome).execute(this.db);
    return rows[0];
  }

  /**
   * A read-modify-write operation on one key of a store (the engine's `StatePort.update`), applied atomically in
   * its own statement at once (state-store.ts). The per-key writes of earlier steps to the same store that are
   * not stored yet are written first, so the operation sees them.
   */
  async updateState(scope: PersistedScope, key: string, operation: StateOperation): Promise<unknown> {
    while (this.flushing) await this.flushing;
    if (this.steps.some((step) => step.state?.[scope])) {
      const writing = (async () => {
        while (this.steps.some((step) => step.state?.[scope])) {
          const batch = this.take();
          let owned: boolean;
          try {
            owned = await this.write(this.db, batch);
          } catch (error) {
            this.steps.unshift(...batch.steps);
            this.logs.unshift(...batch.logs);
            throw error;
          }
          if (!owned) throw new LeaseLostError(this.target.executionId);
        }
      })();
      this.flushing = writing
        .catch(() => undefined)
        .finally(() => {
          this.flushing = undefined;
        });
      await writing.catch((error: unknown) => {
        if (error instanceof LeaseLostError) this.options.onLeaseLost();
        throw error;
      });
    }
    try {
      return await applyStateOperation(this.db, this.target, scope, key, operation);
    } catch (error) {
      if (error instanceof LeaseLostError) this.options.onLeaseLost();
      throw error;
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing || (this.steps.length === 0 && this.logs.length === 0)) return;
    const batch = this.take();
    this.flushing = this.write(this.db, batch)
      .then((owned) => {
        if (!owned) this.options.onLeaseLost();
      })
      .catch((error: Error & { code?: unknown }) => {
        if (typeof error.code === 'string' && error.code.startsWith('22')) {
          // PostgreSQL refuses the data itself: trying again would not help. Say so in the execution's log.
          this.log.error(
            { executionId: this.target.executionId, error: error.message },
            'step records not stored',
          );
          this.logs.push(
            this.logRow({
              timestamp: new Date().toISOString(),
              level: 'error',
              message: `${batch.steps.length} step records and ${batch.logs.length} log lines could not be stored: ${error.message}`,
            }),
          );
          return;
        }
        // Not written: put it back in front, the next flush (or the final write) tries again.
        this.steps.unshift(...batch.steps);
        this.logs.unshift(...batch.logs);
        this.log.warn(
          { executionId: this.target.executionId, error: error.message },
          'could not store step records yet; retrying',
        );
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  /** True when the lease still held (the batch is stored). */
  private async write(db: Kysely<Database>, batch: Batch): Promise<boolean> {
    const { rows } = await batchStatement(this.target, batch).execute(db);
    return (rows[0]?.owned ?? 0) > 0;
  }

  private take(): Batch {
    return {
      steps: this.steps.splice(0, rowsPerStatement),
      logs: this.logs.splice(0, rowsPerStatement),
    };
  }

  private pendingStep(record: StepRecord, state: StateWrites | undefined): PendingStep {
    const files: StoredBytes[] = [];
    let result = jsonText(record.result, (file) => files.push(file));
    let blob: PendingStep['blob'];
    if (result !== null && isBlobSized(result)) {
      const sha256 = sha256Hex(result);
      blob = {
        sha256,
        row: `{"sha256":"${sha256}","size_bytes":${Buffer.byteLength(result)},"content":${result}}`,
      };
      result = null;
    }
    const row =
      `{"seq":${this.nextStepSeq++},"step_key":${JSON.stringify(textValue(record.key))}` +
      `,"step_name":${JSON.stringify(textValue(record.name))},"status":${JSON.stringify(record.status)}` +
      `,"result":${result ?? 'null'},"result_sha256":${blob ? `"${blob.sha256}"` : 'null'}` +
      `,"attempts":${jsonText(record.attempts) ?? '[]'},"iterations":${record.iterations ?? 'null'}` +
      `,"branch":${record.branch === undefined ? 'null' : JSON.stringify(textValue(record.branch))}` +
      `,"iteration":${record.iteration ?? 'null'}}`;
    let written: PendingStep['state'];
    if (state) {
      for (const scope of persistedScopes) {
        const changes = state[scope];
        if (changes === undefined) continue;
        written ??= {};
        written[scope] = pendingChanges(changes);
      }
    }
    return {
      row,
      ...(blob ? { blob } : {}),
      ...(files.length > 0 ? { files } : {}),
      ...(written ? { state: written } : {}),
    };
  }

  private logRow(entry: LogEntry): string {
    return (
      `{"seq":${this.nextLogSeq++},"at":${JSON.stringify(entry.timestamp)},"level":${JSON.stringify(entry.level)}` +
      `,"message":${JSON.stringify(textValue(entry.message))}` +
      `,"step_key":${entry.stepKey === undefined ? 'null' : JSON.stringify(textValue(entry.stepKey))}}`
    );
  }
}

/** The lease, held: this worker still owns the execution (and it was not deleted). */
function ownedGuard(target: RecordTarget): RawBuilder<unknown> {
  return sql`select 1 from executions
    where id = ${target.executionId} and lease_owner = ${target.leaseOwner} and status in ('running', 'cancelled')
    for share`;
}

/** The writes of a batch, as CTEs that run only when the `guard` CTE has a row. */
function batchWrites(
  target: RecordTarget,
  batch: Batch,
  moreFiles: StoredBytes[] = [],
): RawBuilder<unknown>[] {
  const parts: RawBuilder<unknown>[] = [];
  const files = new Map<string, StoredBytes>();
  for (const file of [...batch.steps.flatMap((step) => step.files ?? []), ...moreFiles]) {
    if (!files.has(file.sha256)) files.set(file.sha256, file);
  }
  if (files.size > 0) parts.push(...fileWrites(target, [...files.values()]));
  const blobs = new Map<string, string>();
  for (const step of batch.steps) if (step.blob) blobs.set(step.blob.sha256, step.blob.row);
  if (blobs.size > 0) {
    parts.push(sql`blobs as (
      insert into execution_blobs (sha256, content, size_bytes)
      select b.sha256, b.content, b.size_bytes
      from jsonb_to_recordset(${`[${[...blobs.values()].join(',')}]`}::jsonb)
        as b(sha256 text, content jsonb, size_bytes integer)
      where exists (select 1 from guard)
      on conflict (sha256) do nothing)`);
  }
  if (batch.steps.length > 0) {
    parts.push(sql`steps as (
      insert into execution_steps
        (execution_id, seq, step_key, step_name, status, result, result_sha256, attempts, iterations, branch, iteration)
      select ${target.executionId}::uuid, s.seq, s.step_key, s.step_name, s.status, s.result, s.result_sha256,
        coalesce(s.attempts, '[]'), s.iterations, s.branch, s.iteration
      from jsonb_to_recordset(${`[${batch.steps.map((step) => step.row).join(',')}]`}::jsonb)
        as s(seq integer, step_key text, step_name text, status text, result jsonb, result_sha256 text,
             attempts jsonb, iterations integer, branch text, iteration integer)
      where exists (select 1 from guard)
      on conflict (execution_id, seq) do nothing)`);
  }
  if (batch.logs.length > 0) {
    parts.push(sql`logs as (
      insert into execution_logs (execution_id, seq, at, level, message, step_key)
      select ${target.executionId}::uuid, l.seq, l.at, l.level, l.message, l.step_key
      from jsonb_to_recordset(${`[${batch.logs.join(',')}]`}::jsonb)
        as l(seq integer, at timestamptz, level text, message text, step_key text)
      where exists (select 1 from guard)
      on conflict (execution_id, seq) do nothing)`);
  }
  // The keys each step set and removed, in step order (per key: state-store.ts).
  parts.push(...stateWriteParts(target, batch.steps));
  return parts;
}

/** Binary data once per digest, and the execution's link to it (with the content type it had here). */
function fileWrites(target: RecordTarget, files: StoredBytes[]): RawBuilder<unknown>[] {
  const digests = files.map((file) => file.sha256);
  return [
    sql`files as (
      insert into execution_files (sha256, content, size_bytes)
      select f.sha256, f.content, octet_length(f.content)
      from unnest(${digests}::text[], ${files.map((file) => file.bytes)}::bytea[]) as f(sha256, content)
      where exists (select 1 from guard)
      on conflict (sha256) do nothing)`,
    sql`file_refs as (
      insert into execution_file_refs (execution_id, sha256, content_type)
      select ${target.executionId}::uuid, r.sha256, r.content_type
      from unnest(${digests}::text[], ${files.map((file) => file.contentType ?? null)}::text[])
        as r(sha256, content_type)
      where exists (select 1 from guard)
      on conflict (execution_id, sha256) do nothing)`,
  ];
}

/** One statement (so one round trip, atomic): the lease check and the batch's writes. */
function batchStatement(target: RecordTarget, batch: Batch): RawBuilder<{ owned: number }> {
  const parts = [sql`guard as (${ownedGuard(target)})`, ...batchWrites(target, batch)];
  // Progress is not worth an fsync: lost with a database crash, the execution runs again from the start anyway.
  return sql<{ owned: number }>`with ${sql.join(parts, sql`, `)}
    select count(*)::int as owned from guard, (select set_config('synchronous_commit', 'off', true)) as async_commit`;
}

/**
 * One statement: the outcome (a status the API set to cancelled stays cancelled), the rest of the records, the
 * lease let go, and the NOTIFY that wakes whoever waits for the execution.
 */
function finalStatement(target: RecordTarget, batch: Batch, outcome: FinalOutcome): RawBuilder<StoredRow> {
  const error = outcome.error ? JSON.stringify(outcome.error) : null;
  const responseFiles: StoredBytes[] = [];
  const response = jsonText(outcome.response, (file) => responseFiles.push(file));
  const guard = sql`update executions set
      status = case when status = 'running' then ${outcome.status} else status end,
      error = case when status = 'running' then ${error}::jsonb else error end,
      response = case when status = 'running' then ${response}::jsonb else response end,
      finished_at = case when status = 'running' then now() else coalesce(finished_at, now()) end,
      duration_ms = ${Math.max(0, Math.round(outcome.durationMs))},
      component_versions = ${jsonText(outcome.componentVersions) ?? null}::jsonb,
      lease_expires_at = null
    where id = ${target.executionId} and lease_owner = ${target.leaseOwner} and status in ('running', 'cancelled')
    returning status, error, response, attempt`;
  const parts = [
    sql`guard as (${guard})`,
    ...batchWrites(target, batch, responseFiles),
    target.notify === false
      ? sql`notified as (select 1 from guard where false)`
      : sql`notified as (select pg_notify(${executionFinishedChannel}, ${target.executionId}) from guard)`,
    ...(outcome.finishedEvent ? [finishedEventWrite(target, outcome.finishedEvent)] : []),
    // Directly rather than with graphile_worker.remove_job, which NOTIFYs workers of a job they never saw.
    ...(target.removeJob
      ? [
          sql`job_removed as (delete from graphile_worker._private_jobs
                where key = ${target.executionId}::text and locked_at is null and exists (select 1 from guard)
                returning 1)`,
        ]
      : []),
  ];
  return sql<StoredRow>`with ${sql.join(parts, sql`, `)}
    select guard.status, guard.error, guard.response, guard.attempt, (select count(*) from notified) as notified${
      target.removeJob ? sql`, (select count(*) from job_removed) as job_removed` : sql``
    }${outcome.finishedEvent ? sql`, (select count(*) from monitored) as monitored` : sql``}
    from guard`;
}

/**
 * The `execution.finished` outbox event (migration 0020), only when an enabled alert monitor covers the instance or
 * the organization streams its logs: an execution nobody watches writes nothing more. Its status is the stored one
 * (an execution the API cancelled stays cancelled).
 */
function finishedEventWrite(target: RecordTarget, data: Record<string, unknown>): RawBuilder<unknown> {
  return sql`monitored as (
    insert into monitoring_events (org_id, type, subject_id, data)
    select ${target.orgId}::uuid, 'execution.finished', ${target.executionId}::uuid,
      ${JSON.stringify(data)}::jsonb || jsonb_build_object('status', guard.status)
    from guard
    where exists (
        select 1 from alert_monitors m
        where m.org_id = ${target.orgId}::uuid and m.enabled
          and (m.instance_id = ${target.instanceId}::uuid or (m.instance_id is null
            and (m.integration_id is null or m.integration_id = ${target.integrationId}::uuid)
            and (m.customer_id is null or m.customer_id = ${target.customerId}::uuid))))
      or exists (select 1 from log_streams s where s.org_id = ${target.orgId}::uuid and s.enabled)
    returning 1)`;
}
