import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';

/**
 * Reads the outbox (`monitoring_events`, migration 0020) and hands each event, once, to the consumers: alert
 * monitors, event webhook subscriptions, log stream backlogs. A batch is handed over inside the transaction that
 * marks it dispatched, so what a consumer writes (alert events, deliveries, backlog rows) exists exactly when the
 * event counts as dispatched: a crash midway leaves the batch for the next look, nothing twice, nothing lost.
 *
 * One dispatcher at a time across processes (a transaction-scoped advisory lock), so events are handled in the
 * order they were written: an execution's failure is seen before the success that clears its alert.
 *
 * Work is found by polling (`pollMs`, for events other processes wrote) and by `wake()` (an execution that just
 * wrote an event in this process), so nothing waits on the other when both run in one process.
 */

/** One outbox row as consumers see it. */
export interface MonitoringEvent {
  id: string;
  orgId: string;
  type: string;
  subjectId: string | null;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Called with each batch inside the dispatching transaction. Writes only through `trx`; slow work (HTTP, SMTP)
 * belongs to the delivery runners, which the consumer wakes from `afterCommit`.
 */
export interface OutboxConsumer {
  readonly name: string;
  consume(trx: Transaction<Database>, events: MonitoringEvent[]): Promise<void>;
  /** Runs once the batch committed (wake a delivery runner). */
  afterCommit?(): void;
}

/** The outbox is the event log too: dispatched events are kept this long, then pruned. */
export const outboxRetentionDays = 7;
/** Deliveries that were sent or gave up are kept this long as the delivery log. */
export const deliveryRetentionDays = 30;
const batchSize = 200;
/** PostgreSQL errors that say "try again", not "this event is bad". */
const transientCodes = new Set(['40001', '40P01', '55P03', '57014']);
/** Two numbers no other advisory lock in Weft uses: the dispatcher's turn. */
export const dispatcherLock = [0x77656674, 0x6f7574] as const;

export interface OutboxDispatcherOptions {
  pollMs: number;
  /** Called after every pass (the alert monitors' overdue check rides on it). */
  onIdle?: () => Promise<void>;
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly consumers: OutboxConsumer[],
    private readonly options: OutboxDispatcherOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Something was written: look now rather than at the next poll. */
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

  /** Dispatches until the outbox is empty (tests and the overdue check call it directly). */
  async drain(): Promise<void> {
    while ((await this.dispatchBatch()) === batchSize) {}
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pass().finally(() => {
        this.running = undefined;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : this.options.pollMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.drain();
      await this.options.onIdle?.();
      if (Date.now() - this.lastPrune > 3_600_000) {
        this.lastPrune = Date.now();
        await this.prune();
      }
    } catch (error) {
      if (!this.stopped) this.log.error({ error: (error as Error).message }, 'monitoring: dispatch failed');
    }
  }

  /** One batch; answers how many events it dispatched (0: empty, or another process holds the turn). */
  private async dispatchBatch(): Promise<number> {
    let consumed: OutboxConsumer[] = [];
    const count = await this.db.transaction().execute(async (trx) => {
      const { rows: locked } = await sql<{ locked: boolean }>`
        select pg_try_advisory_xact_lock(${dispatcherLock[0]}, ${dispatcherLock[1]}) as locked`.execute(trx);
      if (!locked[0]?.locked) return 0;
      const rows = await trx
        .selectFrom('monitoring_events')
        .select(['id', 'org_id', 'type', 'subject_id', 'data', 'occurred_at'])
        .where('dispatched_at', 'is', null)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) return 0;
      const events: MonitoringEvent[] = rows.map((row) => ({
        id: String(row.id),
        orgId: row.org_id,
        type: row.type,
        subjectId: row.subject_id,
        data: row.data,
        occurredAt: row.occurred_at,
      }));
      consumed = [];
      for (const consumer of this.consumers) {
        await consumeIsolated(trx, consumer, events, this.log);
        consumed.push(consumer);
      }
      // Execution milestones are internal and many: gone once handled. Changes stay a week as the event log.
      const ids = events.map((event) => event.id);
      await sql`
        with handled as (delete from monitoring_events where id = any(${ids}::bigint[]) and type like 'execution.%')
        update monitoring_events set dispatched_at = now()
        where id = any(${ids}::bigint[]) and type not like 'execution.%'`.execute(trx);
      return events.length;
    });
    for (const consumer of consumed) consumer.afterCommit?.();
    return count;
  }

  private async prune(): Promise<void> {
    const result = await sql`
      delete from monitoring_events
      where dispatched_at is not null and occurred_at < now() - ${outboxRetentionDays} * interval '1 day'`.execute(
      this.db,
    );
    // Sent and failed deliveries are the delivery log: kept a month, then pruned (pending ones stay).
    const deliveries = await sql`
      delete from notification_deliveries
      where status <> 'pending' and created_at < now() - ${deliveryRetentionDays} * interval '1 day'`.execute(
      this.db,
    );
    const events = Number(result.numAffectedRows ?? 0);
    const sent = Number(deliveries.numAffectedRows ?? 0);
    if (events + sent > 0)
      this.log.info({ events, deliveries: sent }, 'monitoring: pruned the event and delivery logs');
  }
}

/**
 * A consumer whose batch throws is retried event by event, each in a savepoint: one event it cannot handle (a bug,
 * a row it did not expect) is logged and skipped rather than blocking every event after it.
 */
async function consumeIsolated(
  trx: Transaction<Database>,
  consumer: OutboxConsumer,
  events: MonitoringEvent[],
  log: Logger,
): Promise<void> {
  await sql`savepoint consumer_batch`.execute(trx);
  try {
    await consumer.consume(trx, events);
    await sql`release savepoint consumer_batch`.execute(trx);
    return;
  } catch {
    await sql`rollback to savepoint consumer_batch`.execute(trx);
  }
  for (const event of events) {
    await sql`savepoint consumer_event`.execute(trx);
    try {
      await consumer.consume(trx, [event]);
      await sql`release savepoint consumer_event`.execute(trx);
    } catch (error) {
      await sql`rollback to savepoint consumer_event`.execute(trx);
      // A deadlock, a serialization failure, a lock or statement timeout: the batch is tried again later, whole.
      if (transientCodes.has(String((error as { code?: unknown }).code))) throw error;
      log.error(
        {
          consumer: consumer.name,
          eventId: event.id,
          eventType: event.type,
          error: (error as Error).message,
        },
        'monitoring: an event could not be handled; skipped',
      );
    }
  }
}
