import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { WeftError } from '../errors.js';
import { retryDelivery } from '../notifications/delivery-runner.js';
import { newSigningSecret } from '../notifications/webhook-signature.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { eventCatalog, notEmittedPrefixes, testEventType } from './event-catalog.js';
import { testPayload } from './event-payloads.js';
import type {
  CreatedEventWebhook,
  DeliveryListQuery,
  EventWebhook,
  EventWebhookCreate,
  EventWebhookDelivery,
  EventWebhookDeliveryPage,
  EventWebhookListQuery,
  EventWebhookPage,
  EventWebhookUpdate,
} from './event-webhook-schemas.js';

/**
 * The SQL behind the event webhooks API. Every function takes the caller's organization and never reads past it.
 * Signing secrets are sealed with the keyring under the webhook's id (made before the insert) and never answered.
 */

const columns = [
  'id',
  'name',
  'url',
  'description',
  'enabled',
  'event_types',
  'signing_secret',
  'created_at',
  'updated_at',
] as const;

interface EventWebhookRow {
  id: string;
  name: string;
  url: string;
  description: string;
  enabled: boolean;
  event_types: string[];
  signing_secret: string | null;
  created_at: Date;
  updated_at: Date;
}

function toEventWebhook(row: EventWebhookRow): EventWebhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    description: row.description,
    enabled: row.enabled,
    eventTypes: row.event_types,
    hasSecret: row.signing_secret !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function eventWebhookNotFound(id: string): WeftError {
  return new WeftError('EVENT_WEBHOOK_NOT_FOUND', `No event webhook with id '${id}' in your organization.`);
}

function deliveryNotFound(id: string, webhookId: string): WeftError {
  return new WeftError(
    'EVENT_WEBHOOK_DELIVERY_NOT_FOUND',
    `Event webhook '${webhookId}' has no delivery with id '${id}'.`,
  );
}

/**
 * The subscriptions as stored: each type checked against the catalog, `group.*` expanded to the group's types
 * (as the seed's category checkboxes select every event of a category), repeats dropped, in catalog order.
 */
export function normalizeEventTypes(given: string[]): string[] {
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const raw of given) {
    const type = raw.trim();
    if (type.endsWith('.*')) {
      const prefix = type.slice(0, -1);
      const matching = eventCatalog.filter((entry) => entry.type.startsWith(prefix));
      if (matching.length === 0) unknown.push(type);
      for (const entry of matching) wanted.add(entry.type);
    } else if (eventCatalog.some((entry) => entry.type === type)) {
      wanted.add(type);
    } else {
      unknown.push(type);
    }
  }
  if (unknown.length > 0) {
    const notEmitted = unknown.filter((type) => notEmittedPrefixes.some((prefix) => type.startsWith(prefix)));
    throw new WeftError(
      'API_VALIDATION_FAILED',
      `body field 'eventTypes' names ${unknown.length === 1 ? 'an event type' : 'event types'} Weft does not send: ${unknown.map((type) => `'${type}'`).join(', ')}${notEmitted.length > 0 ? ' (Weft has no workflows, so no workflow.* events)' : ''}. GET /api/event-types (weft event-types:list) lists the types; 'customer.*' names every type of a group.`,
      { part: 'body', field: 'eventTypes', unknown },
    );
  }
  return eventCatalog.map((entry) => entry.type).filter((type) => wanted.has(type));
}

/** The pattern lets `http://` through with anything after it; this makes sure it is a URL a request can go to. */
function checkUrl(url: string): string {
  const trimmed = url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(trimmed);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      `body field 'url' is not an http(s) URL (got '${trimmed.slice(0, 200)}'): give the full address events are POSTed to, e.g. https://app.example.com/weft-events.`,
      { part: 'body', field: 'url' },
    );
  }
  if (parsed.username || parsed.password) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      "body field 'url' holds a user name or password: sign requests with a secret instead (credentials in a URL would be shown to everyone who may read event webhooks).",
      { part: 'body', field: 'url' },
    );
  }
  return trimmed;
}

function conflictFrom(error: unknown, name: string | undefined): never {
  if (violatedUniqueIndex(error) === 'event_webhooks_name_idx') {
    throw new WeftError('EVENT_WEBHOOK_NAME_TAKEN', `Another event webhook is already named '${name}'.`, {
      field: 'name',
    });
  }
  throw error;
}

async function sealSecret(keyring: Keyring, id: string, secret: string): Promise<string> {
  return keyring.seal(secret, secretContext('event_webhooks', 'signing_secret', id));
}

export async function createEventWebhook(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  input: EventWebhookCreate,
): Promise<CreatedEventWebhook> {
  if (input.generateSecret && input.secret !== undefined) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      "Send either 'secret' (your own) or 'generateSecret: true' (Weft makes one), not both.",
      { part: 'body', field: 'generateSecret' },
    );
  }
  const eventTypes = normalizeEventTypes(input.eventTypes);
  const url = checkUrl(input.url);
  const id = randomUUID();
  const generated = input.generateSecret ? newSigningSecret() : undefined;
  const secret = generated ?? input.secret;
  try {
    const row = await db
      .insertInto('event_webhooks')
      .values({
        id,
        org_id: orgId,
        name: input.name.trim(),
        url,
        description: input.description ?? '',
        enabled: input.enabled ?? true,
        event_types: eventTypes,
        signing_secret: secret !== undefined ? await sealSecret(keyring, id, secret) : null,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return { ...toEventWebhook(row), ...(generated ? { secret: generated } : {}) };
  } catch (error) {
    conflictFrom(error, input.name.trim());
  }
}

async function findRow(db: Kysely<Database>, orgId: string, id: string): Promise<EventWebhookRow> {
  const row = isUuid(id)
    ? await db
        .selectFrom('event_webhooks')
        .select(columns)
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw eventWebhookNotFound(id);
  return row;
}

export async function getEventWebhook(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<EventWebhook> {
  return toEventWebhook(await findRow(db, orgId, id));
}

/** Oldest first, so a page walk sees webhooks added during the walk at its end. */
export async function listEventWebhooks(
  db: Kysely<Database>,
  orgId: string,
  query: EventWebhookListQuery,
): Promise<EventWebhookPage> {
  const limit = query.limit ?? 100;
  let select = db.selectFrom('event_webhooks').select(columns).where('org_id', '=', orgId);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toEventWebhook);
}

export async function updateEventWebhook(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
  changes: EventWebhookUpdate,
): Promise<EventWebhook> {
  const current = await findRow(db, orgId, id);
  const eventTypes = changes.eventTypes !== undefined ? normalizeEventTypes(changes.eventTypes) : undefined;
  const url = changes.url !== undefined ? checkUrl(changes.url) : undefined;
  let signingSecret: string | null | undefined;
  if (changes.secret === null) signingSecret = null;
  else if (changes.secret !== undefined)
    signingSecret = await sealSecret(keyring, current.id, changes.secret);
  try {
    const row = await db
      .updateTable('event_webhooks')
      .set({
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
        ...(eventTypes !== undefined ? { event_types: eventTypes } : {}),
        ...(signingSecret !== undefined ? { signing_secret: signingSecret } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', current.id)
      .returning(columns)
      .executeTakeFirst();
    if (!row) throw eventWebhookNotFound(id);
    return toEventWebhook(row);
  } catch (error) {
    conflictFrom(error, changes.name?.trim());
  }
}

/** Deletes the webhook and its delivery log (pending deliveries are not sent). Answers the deleted webhook. */
export async function deleteEventWebhook(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<EventWebhook> {
  const current = await findRow(db, orgId, id);
  const row = await db
    .deleteFrom('event_webhooks')
    .where('org_id', '=', orgId)
    .where('id', '=', current.id)
    .returning(columns)
    .executeTakeFirst();
  if (!row) throw eventWebhookNotFound(id);
  return toEventWebhook(row);
}

// Deliveries -------------------------------------------------------------------------------------------------------

const deliveryColumns = [
  'id',
  'event_webhook_id',
  'event_id',
  'event_type',
  'status',
  'attempts',
  'last_status_code',
  'last_error',
  'next_attempt_at',
  'created_at',
  'delivered_at',
  'body',
] as const;

interface DeliveryRow {
  id: string;
  event_webhook_id: string | null;
  event_id: string | null;
  event_type: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  body: string;
}

function toDelivery(row: DeliveryRow): EventWebhookDelivery {
  return {
    id: row.id,
    eventWebhookId: row.event_webhook_id ?? '',
    eventId: row.event_id === null ? null : String(row.event_id),
    eventType: row.event_type ?? '',
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    body: row.body,
  };
}

export async function getDelivery(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  deliveryId: string,
): Promise<EventWebhookDelivery> {
  const webhook = await findRow(db, orgId, webhookId);
  const row = isUuid(deliveryId)
    ? await db
        .selectFrom('notification_deliveries')
        .select(deliveryColumns)
        .where('org_id', '=', orgId)
        .where('event_webhook_id', '=', webhook.id)
        .where('id', '=', deliveryId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw deliveryNotFound(deliveryId, webhookId);
  return toDelivery(row);
}

/** The delivery log of one webhook: newest first, in pages, optionally of one status. */
export async function listDeliveries(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  query: DeliveryListQuery,
): Promise<EventWebhookDeliveryPage> {
  const webhook = await findRow(db, orgId, webhookId);
  const limit = query.limit ?? 100;
  let select = db
    .selectFrom('notification_deliveries')
    .select(deliveryColumns)
    .where('org_id', '=', orgId)
    .where('event_webhook_id', '=', webhook.id);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.cursor) {
    const before = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) < (${before.createdAt}, ${before.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toDelivery);
}

/** The caller a test event names as its `user`: a person (their session, or a token they own), else null. */
async function testUser(
  db: Kysely<Database>,
  orgId: string,
  userId: string | null,
): Promise<{ id: string; email: string; name: string } | null> {
  if (!userId) return null;
  const row = await db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Queues a `webhook.test` delivery to the webhook (enabled or not: a test is how a disabled one is checked before
 * it is enabled). Answers the delivery's id.
 */
export async function queueTestDelivery(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  callerUserId: string | null,
): Promise<string> {
  const webhook = await findRow(db, orgId, webhookId);
  const body = testPayload({
    webhook: { id: webhook.id, name: webhook.name },
    orgId,
    user: await testUser(db, orgId, callerUserId),
    now: new Date(),
  });
  const row = await db
    .insertInto('notification_deliveries')
    .values({
      org_id: orgId,
      channel: 'event-webhook',
      event_webhook_id: webhook.id,
      event_id: null,
      event_type: testEventType,
      body,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Puts a failed delivery back in line, due now (`retryDelivery`); 409 for one that is not failed. */
export async function retryEventWebhookDelivery(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  deliveryId: string,
): Promise<EventWebhookDelivery> {
  const delivery = await getDelivery(db, orgId, webhookId, deliveryId);
  if (!(await retryDelivery(db, orgId, delivery.id))) {
    const current = await getDelivery(db, orgId, webhookId, deliveryId);
    throw new WeftError(
      'EVENT_WEBHOOK_DELIVERY_NOT_FAILED',
      current.status === 'delivered'
        ? `Delivery '${deliveryId}' was delivered${current.deliveredAt ? ` at ${current.deliveredAt}` : ''}; only failed deliveries are retried.`
        : `Delivery '${deliveryId}' is pending: it is tried again at ${current.nextAttemptAt ?? 'once'} without being asked. Only failed deliveries are retried.`,
      { status: current.status },
    );
  }
  return getDelivery(db, orgId, webhookId, deliveryId);
}
