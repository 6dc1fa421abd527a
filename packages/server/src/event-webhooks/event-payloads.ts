import type { Transaction } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import type { MonitoringEvent } from '../monitoring/outbox-dispatcher.js';
import { testEventType } from './event-catalog.js';

/**
 * The JSON bodies event webhooks send (seed 003, "Webhook payload structure"): the objects the event is about
 * (`instance`, `integration`, `customer`, `component`, `connection`, `user`, `alert_monitor`, `alert_group`,
 * `log_stream`), then `user`, `event_type`, `timestamp`, `organization_id` and `webhook_id`.
 *
 * The objects come from the event's own snapshot (taken by the trigger in the transaction of the change, safe
 * columns only) plus, for instance and connection events, the integration and customer looked up when the event
 * is dispatched (a moment later; null when gone). Nothing secret is ever added: no config values, credentials,
 * API keys or signing secrets.
 *
 * `user` is who made the change in the seed; Weft's triggers do not know who did, so it is null — except in
 * `user.*` events, where it is the user created, updated or deleted.
 */

type Json = Record<string, unknown>;

/** What a payload says about where it comes from and when. */
interface Envelope {
  eventType: string;
  timestamp: Date;
  orgId: string;
  webhookId: string;
}

/** The body of one delivery: the event's objects, then the envelope fields, in the seed's order. */
export function payloadText(objects: Json, envelope: Envelope): string {
  return JSON.stringify({
    ...objects,
    user: objects.user ?? null,
    event_type: envelope.eventType,
    timestamp: envelope.timestamp.toISOString(),
    organization_id: envelope.orgId,
    webhook_id: envelope.webhookId,
  });
}

/** The `webhook.test` body (seed 003, "Testing Prismatic event webhooks"). */
export function testPayload(input: {
  webhook: { id: string; name: string };
  orgId: string;
  user: { id: string; email: string; name: string } | null;
  now: Date;
}): string {
  return JSON.stringify({
    message: 'This is a test webhook event from Weft.',
    webhook_endpoint: { id: input.webhook.id, name: input.webhook.name },
    user: input.user,
    event_type: testEventType,
    timestamp: input.now.toISOString(),
    organization_id: input.orgId,
    webhook_id: input.webhook.id,
  });
}

/**
 * Looks up, through the dispatching transaction, what an event's snapshot names by id; each row once per batch.
 */
export class EntityLookups {
  private readonly customers = new Map<string, Promise<Json | null>>();
  private readonly integrations = new Map<string, Promise<Json | null>>();
  private readonly versions = new Map<string, Promise<number | null>>();
  private readonly instances = new Map<string, Promise<Json | null>>();

  constructor(private readonly trx: Transaction<Database>) {}

  customer(orgId: string, id: unknown): Promise<Json | null> {
    return this.once(this.customers, id, async (customerId) => {
      const row = await this.trx
        .selectFrom('customers')
        .select(['id', 'name', 'external_id'])
        .where('org_id', '=', orgId)
        .where('id', '=', customerId)
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, external_id: row.external_id } : null;
    });
  }

  integration(orgId: string, id: unknown): Promise<Json | null> {
    return this.once(this.integrations, id, async (integrationId) => {
      const row = await this.trx
        .selectFrom('integrations')
        .select(['id', 'name', 'description', 'category', 'labels', 'created_at', 'updated_at'])
        .where('org_id', '=', orgId)
        .where('id', '=', integrationId)
        .executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        name: row.name,
        description: row.description,
        category: row.category,
        labels: row.labels,
        created_at: row.created_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      };
    });
  }

  versionNumber(orgId: string, id: unknown): Promise<number | null> {
    return this.once(this.versions, id, async (versionId) => {
      const row = await this.trx
        .selectFrom('integration_versions')
        .select('version_number')
        .where('org_id', '=', orgId)
        .where('id', '=', versionId)
        .executeTakeFirst();
      return row?.version_number ?? null;
    });
  }

  instance(orgId: string, id: unknown): Promise<Json | null> {
    return this.once(this.instances, id, async (instanceId) => {
      const row = await this.trx
        .selectFrom('instances')
        .select(['id', 'name', 'customer_id'])
        .where('org_id', '=', orgId)
        .where('id', '=', instanceId)
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, customer_id: row.customer_id } : null;
    });
  }

  private once<T>(cache: Map<string, Promise<T | null>>, id: unknown, load: (id: string) => Promise<T>) {
    if (typeof id !== 'string' || !isUuid(id)) return Promise.resolve(null);
    let found = cache.get(id);
    if (!found) {
      found = load(id);
      cache.set(id, found);
    }
    return found;
  }
}

/** The objects of an event's payload (everything but the envelope), by the kind of thing it is about. */
export async function eventObjects(event: MonitoringEvent, lookups: EntityLookups): Promise<Json> {
  const data = event.data;
  const kind = event.type.slice(0, event.type.indexOf('.'));
  switch (kind) {
    case 'instance': {
      const versionNumber = await lookups.versionNumber(event.orgId, data.integration_version_id);
      const integration = await lookups.integration(event.orgId, data.integration_id);
      return {
        instance: data,
        integration: integration ? { ...integration, version_number: versionNumber } : null,
        customer: await lookups.customer(event.orgId, data.customer_id),
      };
    }
    case 'customer':
      return { customer: data };
    case 'integration': {
      if (event.type !== 'integration.published') return { integration: data };
      // The published version's snapshot names the integration; its name and the rest are looked up.
      const integration = await lookups.integration(event.orgId, data.id);
      return {
        integration: {
          ...(integration ?? { id: data.id }),
          version_number: data.version_number ?? null,
          version_id: data.version_id ?? null,
          version_comment: data.comment ?? '',
        },
      };
    }
    case 'component':
      return { component: data };
    case 'connection':
    case 'oauth2': {
      // An instance's connection names no customer of its own: its instance's customer is the one concerned.
      const instance = await lookups.instance(event.orgId, data.instance_id);
      return {
        connection: data,
        instance,
        customer: await lookups.customer(event.orgId, data.customer_id ?? instance?.customer_id),
      };
    }
    case 'user':
      return { user: data };
    case 'alert_monitor':
    case 'alert_group':
    case 'log_stream':
      return { [kind]: data };
    default:
      return {};
  }
}
