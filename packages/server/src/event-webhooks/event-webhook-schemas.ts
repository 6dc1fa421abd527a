import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, Nullable, page, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the event webhooks API (`/api/event-webhooks`, `/api/event-types`). The store's
 * types are derived from these, so the OpenAPI document and the code cannot drift apart.
 */

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'Unique in the organization (case-insensitive)',
});
const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  pattern: '^[hH][tT][tT][pP][sS]?://\\S+$',
  description: 'An http:// or https:// URL; events are POSTed to it',
});
const Description = Type.String({ maxLength: 5000 });
const EventTypes = Type.Array(
  Type.String({ minLength: 1, maxLength: 100, description: 'An event type of GET /api/event-types' }),
  {
    minItems: 1,
    maxItems: 100,
    description:
      'The event types to receive (GET /api/event-types); `customer.*` stands for every type of a group. Repeats are dropped.',
  },
);
const Secret = Type.String({
  minLength: 8,
  maxLength: 500,
  writeOnly: true,
  description:
    'The HMAC-SHA256 key: each request carries `x-webhook-signature: sha256=<hex>` of its raw body under it. Stored encrypted, never answered.',
});

export const EventWebhook = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    url: Type.String(),
    description: Type.String(),
    enabled: Type.Boolean(),
    eventTypes: Type.Array(Type.String()),
    hasSecret: Type.Boolean({
      description: 'Whether requests are signed (the secret itself is never answered)',
    }),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'EventWebhook' },
);
export type EventWebhook = Static<typeof EventWebhook>;

export const CreatedEventWebhook = Type.Object(
  {
    ...EventWebhook.properties,
    secret: Type.Optional(
      Type.String({
        description:
          'Only with `generateSecret: true`, in this answer only: the signing secret Weft made. Keep it now; it is never shown again.',
      }),
    ),
  },
  { $id: 'CreatedEventWebhook' },
);
export type CreatedEventWebhook = Static<typeof CreatedEventWebhook>;

export const EventWebhookPage = page(refTo(EventWebhook), 'EventWebhookPage');
export type EventWebhookPage = Static<typeof EventWebhookPage>;

export const DeliveryStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')],
  {
    description:
      '`pending`: waiting for its next attempt (or being sent); `delivered`: the receiver answered 2xx; `failed`: every attempt failed (retry it)',
  },
);

export const EventWebhookDelivery = Type.Object(
  {
    id: Uuid,
    eventWebhookId: Uuid,
    eventId: Nullable(Type.String({ description: 'The outbox event it carries; null for a test' })),
    eventType: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer({
      description: 'Rounds of attempts so far; a round is one request and up to three quick retries',
    }),
    lastStatusCode: Nullable(Type.Integer({ description: "The receiver's last HTTP status" })),
    lastError: Nullable(Type.String({ description: 'Why the last attempt failed' })),
    nextAttemptAt: Nullable(DateTime),
    createdAt: DateTime,
    deliveredAt: Nullable(DateTime),
    body: Type.String({ description: 'The JSON request body, exactly as sent and signed' }),
  },
  { $id: 'EventWebhookDelivery' },
);
export type EventWebhookDelivery = Static<typeof EventWebhookDelivery>;

export const EventWebhookDeliveryPage = page(refTo(EventWebhookDelivery), 'EventWebhookDeliveryPage');
export type EventWebhookDeliveryPage = Static<typeof EventWebhookDeliveryPage>;

export const EventTypeInfo = Type.Object(
  {
    type: Type.String({ description: 'What event webhooks subscribe to, e.g. instance.deployed' }),
    group: Type.String(),
    label: Type.String(),
    description: Type.String(),
  },
  { $id: 'EventTypeInfo' },
);
export const EventTypeList = Type.Object(
  { items: Type.Array(refTo(EventTypeInfo)) },
  { $id: 'EventTypeList' },
);
export type EventTypeList = Static<typeof EventTypeList>;

/** The answers of the routes, each a reference to a named schema above. */
export const eventWebhookAnswers = {
  webhook: refTo(EventWebhook),
  created: refTo(CreatedEventWebhook),
  page: refTo(EventWebhookPage),
  delivery: refTo(EventWebhookDelivery),
  deliveries: refTo(EventWebhookDeliveryPage),
  eventTypes: refTo(EventTypeList),
};

export const EventWebhookCreate = Type.Object(
  {
    name: Name,
    url: Url,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    eventTypes: EventTypes,
    secret: Type.Optional(Secret),
    generateSecret: Type.Optional(
      Type.Boolean({
        description: 'Weft makes the signing secret and answers it once, in this answer (not with `secret`)',
      }),
    ),
  },
  { additionalProperties: false, $id: 'EventWebhookCreate' },
);
export type EventWebhookCreate = Static<typeof EventWebhookCreate>;

export const EventWebhookUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    url: Type.Optional(Url),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
    eventTypes: Type.Optional(EventTypes),
    secret: Type.Optional(
      Type.Union([Secret, Type.Null()], {
        description: 'A new signing secret (rotates it), or null to stop signing',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, $id: 'EventWebhookUpdate' },
);
export type EventWebhookUpdate = Static<typeof EventWebhookUpdate>;

export const EventWebhookListQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type EventWebhookListQuery = Static<typeof EventWebhookListQuery>;

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const IdParams = Type.Object({ id: Type.String({ description: 'Event webhook id' }) });
export const DeliveryParams = Type.Object({
  id: Type.String({ description: 'Event webhook id' }),
  deliveryId: Type.String({ description: 'Delivery id' }),
});
