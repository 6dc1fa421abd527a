import type { Transaction } from 'kysely';
import type { Database } from '../database/schema.js';
import type { MonitoringEvent, OutboxConsumer } from '../monitoring/outbox-dispatcher.js';
import type { NotificationsPort } from '../notifications/delivery-runner.js';
import { isPublicEventType, testEventType } from './event-catalog.js';
import { EntityLookups, eventObjects, payloadText } from './event-payloads.js';

/**
 * Event webhook subscriptions, as an outbox consumer: for each event of the public catalog, a delivery per enabled
 * event webhook of its organization subscribed to its type, written in the dispatching transaction (so each event
 * is queued exactly once per subscriber, and none for a change that rolled back: the change wrote no event). The
 * delivery runner sends them, signed and retried; it is woken once the batch commits.
 *
 * A webhook's subscriptions and enabled state are read when the event is dispatched (a moment after the change):
 * a webhook created or enabled after the change may still receive it, one disabled before does not.
 */
export function eventWebhookConsumer(options: {
  deliveries: Pick<NotificationsPort, 'wake'>;
}): OutboxConsumer {
  let queued = false;
  return {
    name: 'event-webhooks',
    async consume(trx: Transaction<Database>, events: MonitoringEvent[]): Promise<void> {
      const relevant = events.filter(
        (event) => isPublicEventType(event.type) && event.type !== testEventType,
      );
      if (relevant.length === 0) return;
      const orgIds = [...new Set(relevant.map((event) => event.orgId))];
      const webhooks = await trx
        .selectFrom('event_webhooks')
        .select(['id', 'org_id', 'event_types'])
        .where('org_id', 'in', orgIds)
        .where('enabled', '=', true)
        .orderBy('created_at')
        .execute();
      if (webhooks.length === 0) return;
      const lookups = new EntityLookups(trx);
      const rows: Array<{
        org_id: string;
        channel: 'event-webhook';
        event_webhook_id: string;
        event_id: string;
        event_type: string;
        body: string;
      }> = [];
      for (const event of relevant) {
        const subscribers = webhooks.filter(
          (webhook) => webhook.org_id === event.orgId && webhook.event_types.includes(event.type),
        );
        if (subscribers.length === 0) continue;
        const objects = await eventObjects(event, lookups);
        for (const webhook of subscribers) {
          rows.push({
            org_id: event.orgId,
            channel: 'event-webhook',
            event_webhook_id: webhook.id,
            event_id: event.id,
            event_type: event.type,
            body: payloadText(objects, {
              eventType: event.type,
              timestamp: event.occurredAt,
              orgId: event.orgId,
              webhookId: webhook.id,
            }),
          });
        }
      }
      if (rows.length === 0) return;
      // In chunks: PostgreSQL takes at most 65,535 parameters per statement (six a row).
      for (let start = 0; start < rows.length; start += 1000) {
        await trx
          .insertInto('notification_deliveries')
          .values(rows.slice(start, start + 1000))
          .execute();
      }
      queued = true;
    },
    afterCommit(): void {
      if (!queued) return;
      queued = false;
      options.deliveries.wake();
    },
  };
}
