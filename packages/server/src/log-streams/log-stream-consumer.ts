import { sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import type { MonitoringEvent, OutboxConsumer } from '../monitoring/outbox-dispatcher.js';
import { trimBacklogs } from './log-stream-store.js';

/**
 * The outbox consumer of log streams: each `execution.finished` event queues its execution on every enabled log
 * stream of its organization (`log_stream_backlog`, in the dispatching transaction), then each stream's backlog is
 * kept within its limit (the oldest executions dropped and counted). The shipper, woken once the batch committed,
 * sends the lines.
 */
export function logStreamConsumer(options: { log: Logger; shipper: { wake(): void } }): OutboxConsumer {
  let queued = false;
  return {
    name: 'log-streams',
    async consume(trx: Transaction<Database>, events: MonitoringEvent[]): Promise<void> {
      const finished = events.filter(
        (event) => event.type === 'execution.finished' && event.subjectId !== null,
      );
      if (finished.length === 0) return;
      // Queued in the order executions finished: the backlog drops (and ships) by that order.
      const { rows } = await sql<{ stream_id: string }>`
        insert into log_stream_backlog (stream_id, execution_id, queued_at)
        select s.id, e.execution_id, e.finished_at
        from unnest(${finished.map((event) => event.orgId)}::uuid[], ${finished.map((event) => event.subjectId)}::uuid[],
          ${finished.map((event) => event.occurredAt.toISOString())}::timestamptz[]) as e(org_id, execution_id, finished_at)
        join log_streams s on s.org_id = e.org_id and s.enabled
        on conflict do nothing
        returning stream_id`.execute(trx);
      if (rows.length === 0) return;
      queued = true;
      const dropped = await trimBacklogs(trx, [...new Set(rows.map((row) => row.stream_id))]);
      if (dropped.length > 0) {
        options.log.warn(
          {
            streams: dropped.map((entry) => ({
              streamId: entry.streamId,
              name: entry.name,
              droppedExecutions: entry.dropped,
              backlogLimit: entry.backlogLimit,
            })),
          },
          'log streams: backlogs are full (their endpoints keep failing); the oldest executions were dropped unsent',
        );
      }
    },
    afterCommit() {
      if (!queued) return;
      queued = false;
      options.shipper.wake();
    },
  };
}
