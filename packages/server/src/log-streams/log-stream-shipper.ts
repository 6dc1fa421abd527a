import type { Egress } from '@weft/egress';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import type { WeftMetrics } from '../monitoring/metrics.js';
import type { Keyring } from '../secrets/keyring.js';
import { postBatch, requestTimeoutMs } from './log-stream-delivery.js';
import { loadExecutionLines } from './log-stream-lines.js';
import { openHeaders, parseStored } from './log-stream-store.js';
import { batchBody, type LogLineFields, type PayloadTemplate, renderLine } from './log-stream-template.js';

/**
 * Sends what waits in `log_stream_backlog` (the executions the log stream consumer queued): per stream, the oldest
 * waiting executions are claimed (their next attempt pushed past the time this round may take, so a process that
 * dies mid-round leaves them to be claimed again), their lines rendered with the stream's template and POSTed in
 * batches of at most 500 lines or 1 MB, whole executions per batch where they fit. A delivered batch removes its
 * executions from the backlog. A failed one keeps them and the stream retries on a backoff (5 s, 30 s, 2 min, then
 * every 10 min) without ever giving up: the backlog limit bounds what waits, and what it drops is counted.
 *
 * While a stream is failing, executions that finish meanwhile wait for its next attempt rather than each trying
 * the endpoint; a stream edited (new URL, headers or template) or whose test payload got through is tried at once.
 * Delivery is at least once: a process that dies after the endpoint accepted a batch but before the backlog rows
 * were removed sends those lines again.
 */

/** Delays after a failed attempt, by how many attempts failed: 5 s, 30 s, 2 min, then 10 min. */
export const backoffSeconds = [5, 30, 120, 600];
export const maxBatchLines = 500;
export const maxBatchBytes = 1024 * 1024;
/** Executions claimed per round of one stream, and the most lines a round loads (bar one larger execution). */
const claimSize = 20;
const maxLinesPerRound = 5000;
/** How long a claim holds: rounds stop starting new batches well before. */
const leaseSeconds = 120;
const roundBudgetMs = (leaseSeconds - 15) * 1000 - requestTimeoutMs;

export interface LogStreamShipperOptions {
  keyring: Keyring;
  egress: Egress;
  pollMs: number;
  /** Where each batch's attempt is counted (`weft_notification_deliveries_total{channel="log-stream"}`). */
  metrics?: Pick<WeftMetrics, 'deliveryAttempt'>;
}

interface DueStream {
  id: string;
  org_id: string;
}

interface Batch {
  lines: string[];
  /** Executions whose last line is in this batch: done once it is delivered. */
  completes: string[];
}

export class LogStreamShipper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly options: LogStreamShipperOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Executions were queued: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Ships until no stream has due work. */
  async runDue(): Promise<void> {
    while (!this.stopped) {
      const due = await this.dueStreams();
      if (due.length === 0) return;
      await Promise.all(due.map((stream) => this.shipRound(stream)));
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runDue()
        .catch((error: Error) => {
          if (!this.stopped) this.log.error({ error: error.message }, 'log streams: shipping pass failed');
        })
        .finally(() => {
          this.running = undefined;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.options.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * Enabled streams with executions due. A failing stream (last_error set) is due only when its retry time came
   * (a row that was tried is due), or when nothing it holds was tried yet (what was tried got dropped).
   */
  private async dueStreams(): Promise<DueStream[]> {
    const { rows } = await sql<DueStream>`
      select s.id, s.org_id from log_streams s
      where s.enabled and exists (
        select 1 from log_stream_backlog b
        where b.stream_id = s.id and b.next_attempt_at <= now()
          and (s.last_error is null or b.attempts > 0
            or not exists (select 1 from log_stream_backlog o where o.stream_id = s.id and o.attempts > 0)))`.execute(
      this.db,
    );
    return rows;
  }

  /** One round of one stream: claim, render, send. Never throws: a failure is the stream's last error. */
  private async shipRound(stream: DueStream): Promise<void> {
    let claimed: { execution_id: string; attempts: number }[] = [];
    try {
      claimed = await this.claim(stream.id);
      if (claimed.length === 0) return;
      await this.deliver(stream, claimed);
    } catch (error) {
      const message = `Weft could not send the lines: ${(error as Error).message}`;
      this.log.error({ streamId: stream.id, error: (error as Error).message }, 'log streams: a round failed');
      if (claimed.length > 0) await this.recordFailure(stream.id, claimed, message).catch(() => undefined);
    }
  }

  private async claim(streamId: string): Promise<{ execution_id: string; attempts: number }[]> {
    const { rows } = await sql<{ execution_id: string; attempts: number; queued_at: Date }>`
      update log_stream_backlog set attempts = attempts + 1,
        next_attempt_at = now() + ${leaseSeconds} * interval '1 second'
      where stream_id = ${streamId}::uuid and execution_id in (
        select execution_id from log_stream_backlog
        where stream_id = ${streamId}::uuid and next_attempt_at <= now()
        order by queued_at, execution_id limit ${claimSize} for update skip locked)
      returning execution_id, attempts, queued_at`.execute(this.db);
    return rows.sort(
      (a, b) => a.queued_at.getTime() - b.queued_at.getTime() || a.execution_id.localeCompare(b.execution_id),
    );
  }

  private async deliver(
    stream: DueStream,
    claimed: { execution_id: string; attempts: number }[],
  ): Promise<void> {
    const started = Date.now();
    const row = await this.db
      .selectFrom('log_streams')
      .select(['id', 'url', 'enabled', 'payload_template', 'headers_secret'])
      .where('id', '=', stream.id)
      .executeTakeFirst();
    if (!row) return;
    if (!row.enabled) {
      await this.release(
        stream.id,
        claimed.map((entry) => entry.execution_id),
      );
      return;
    }
    const ids = await this.withinLineBudget(stream.id, claimed);
    const template = parseStored(row.payload_template);
    if (!template) throw new Error('its payload template no longer parses; edit it');
    const headers = await openHeaders(this.options.keyring, row);
    const lines = await loadExecutionLines(this.db, stream.org_id, ids);

    // Pruned since they finished, or nothing logged: nothing to send.
    const empty = ids.filter((id) => (lines.get(id)?.length ?? 0) === 0);
    if (empty.length > 0) await this.remove(stream.id, empty, 0);

    const batches = batchesOf(template, ids, lines);
    let sent = 0;
    for (const batch of batches) {
      if (Date.now() - started > roundBudgetMs) break;
      const attemptStarted = performance.now();
      const outcome = await postBatch(
        this.options.egress,
        { url: row.url, headers },
        template.json,
        batchBody(template, batch.lines),
      );
      const seconds = (performance.now() - attemptStarted) / 1000;
      this.options.metrics?.deliveryAttempt(
        'log-stream',
        outcome.delivered ? 'delivered' : 'retried',
        seconds,
      );
      if (!outcome.delivered) {
        const done = new Set([...empty, ...batches.slice(0, sent).flatMap((b) => b.completes)]);
        const waiting = claimed.filter(
          (entry) => ids.includes(entry.execution_id) && !done.has(entry.execution_id),
        );
        await this.recordFailure(stream.id, waiting, outcome.error ?? 'the delivery failed');
        return;
      }
      await this.remove(stream.id, batch.completes, batch.lines.length);
      sent += 1;
    }
    // Out of time for this round: what was not sent is due again at once.
    const done = new Set([...empty, ...batches.slice(0, sent).flatMap((b) => b.completes)]);
    const left = ids.filter((id) => !done.has(id));
    if (left.length > 0) await this.release(stream.id, left);
  }

  /**
   * The first claimed executions whose lines together stay within `maxLinesPerRound` (at least one), so a round
   * holds a bounded number of lines in memory; the others are released for the next round.
   */
  private async withinLineBudget(streamId: string, claimed: { execution_id: string }[]): Promise<string[]> {
    const ids = claimed.map((entry) => entry.execution_id);
    const { rows } = await sql<{ execution_id: string; lines: number }>`
      select execution_id, count(*)::int as lines from execution_logs
      where execution_id = any(${ids}::uuid[]) group by execution_id`.execute(this.db);
    const counts = new Map(rows.map((row) => [row.execution_id, row.lines]));
    let total = 0;
    let taken = 0;
    for (const id of ids) {
      const lines = counts.get(id) ?? 0;
      if (taken > 0 && total + lines > maxLinesPerRound) break;
      total += lines;
      taken += 1;
    }
    if (taken < ids.length) await this.release(streamId, ids.slice(taken));
    return ids.slice(0, taken);
  }

  /** Delivered (or nothing to deliver): the executions leave the backlog, the lines are counted. */
  private async remove(streamId: string, executionIds: string[], lineCount: number): Promise<void> {
    if (lineCount === 0) {
      if (executionIds.length === 0) return;
      await this.db
        .deleteFrom('log_stream_backlog')
        .where('stream_id', '=', streamId)
        .where('execution_id', 'in', executionIds)
        .execute();
      return;
    }
    await sql`
      with removed as (
        delete from log_stream_backlog
        where stream_id = ${streamId}::uuid and execution_id = any(${executionIds}::uuid[]))
      update log_streams set delivered_lines = delivered_lines + ${lineCount}, last_delivered_at = now(),
        last_error = null, last_error_at = null
      where id = ${streamId}::uuid`.execute(this.db);
  }

  /** Claimed but not tried: due again now, the attempt not counted. */
  private async release(streamId: string, executionIds: string[]): Promise<void> {
    await sql`
      update log_stream_backlog set attempts = greatest(attempts - 1, 0), next_attempt_at = now()
      where stream_id = ${streamId}::uuid and execution_id = any(${executionIds}::uuid[])`.execute(this.db);
  }

  /**
   * The stream's backoff: the executions of this round wait the delay of their most-tried one, and every other
   * execution of the stream waits at least as long (so the stream, not each execution, retries on the schedule).
   */
  private async recordFailure(
    streamId: string,
    waiting: { execution_id: string; attempts: number }[],
    error: string,
  ): Promise<void> {
    const attempts = Math.max(1, ...waiting.map((entry) => entry.attempts));
    const delay = backoffSeconds[Math.min(attempts - 1, backoffSeconds.length - 1)] as number;
    const ids = waiting.map((entry) => entry.execution_id);
    await sql`
      with backoff as (
        update log_stream_backlog set
          attempts = greatest(attempts, ${attempts}),
          next_attempt_at = case when execution_id = any(${ids}::uuid[])
            then now() + ${delay} * interval '1 second'
            else greatest(next_attempt_at, now() + ${delay} * interval '1 second') end
        where stream_id = ${streamId}::uuid)
      update log_streams set last_error = ${error.slice(0, 2000)}, last_error_at = now()
      where id = ${streamId}::uuid`.execute(this.db);
    this.log.warn(
      { streamId, attempts, error, nextAttemptInSeconds: delay },
      'log streams: a delivery failed; the backlog waits and is retried',
    );
  }
}

/**
 * Splits the executions' rendered lines into batches of at most `maxBatchLines` lines and `maxBatchBytes` bytes,
 * keeping an execution's lines in one batch where they fit, so a failure midway resends as little as possible.
 */
export function batchesOf(
  template: PayloadTemplate,
  executionIds: string[],
  lines: Map<string, LogLineFields[]>,
): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { lines: [], completes: [] };
  let bytes = 2;
  const close = () => {
    if (current.lines.length > 0) batches.push(current);
    current = { lines: [], completes: [] };
    bytes = 2;
  };
  for (const id of executionIds) {
    const rendered = (lines.get(id) ?? []).map((line) => renderLine(template, line));
    if (rendered.length === 0) continue;
    const size = rendered.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    const fits = current.lines.length + rendered.length <= maxBatchLines && bytes + size <= maxBatchBytes;
    if (!fits) close();
    for (const line of rendered) {
      const lineBytes = Buffer.byteLength(line) + 1;
      if (
        current.lines.length > 0 &&
        (current.lines.length >= maxBatchLines || bytes + lineBytes > maxBatchBytes)
      ) {
        close();
      }
      current.lines.push(line);
      bytes += lineBytes;
    }
    current.completes.push(id);
  }
  close();
  return batches;
}
