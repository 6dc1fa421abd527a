import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, Nullable, page, refTo, Uuid } from '../http/common-schemas.js';
import { logLevels } from './alert-triggers.js';

/**
 * The request and answer shapes of the alerting API (seed 003: alert webhooks, alert groups, alert monitors, alert
 * events). Secrets (webhook headers' values, signing secrets) are write-only: answers name the headers and say
 * whether a secret is set, never their values.
 */

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'Unique in the organization (case-insensitive)',
});
const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  pattern: '^https?://[^\\s]+$',
  description: 'An http(s) URL; reached through the egress guard (WEFT_EGRESS_ALLOW opens private addresses)',
});
const Template = Type.String({ minLength: 1, maxLength: 20_000 });
const Headers = Type.Record(
  Type.String({ minLength: 1, maxLength: 200, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
  Type.String({ maxLength: 8000, pattern: '^[^\\r\\n]*$' }),
  {
    maxProperties: 50,
    description: 'Header names to values (stored encrypted; answers give the names only)',
  },
);
const Secret = Type.String({
  minLength: 8,
  maxLength: 500,
  description: 'The HMAC-SHA256 key requests are signed with',
});
const Preset = Type.Union([Type.Literal('custom'), Type.Literal('slack'), Type.Literal('pagerduty')]);
const LogLevel = Type.Union(logLevels.map((level) => Type.Literal(level)));
const Reference = Type.String({ minLength: 1, maxLength: 320 });

export const AlertTrigger = Type.Object(
  {
    key: Type.String(),
    name: Type.String(),
    description: Type.String(),
    scope: Type.Union([Type.Literal('flow'), Type.Literal('instance')]),
    informational: Type.Boolean({ description: 'Its events are recorded already cleared' }),
    setting: Type.Optional(Type.String({ description: 'The monitor setting this trigger needs' })),
    clearedBy: Type.Optional(Type.String()),
  },
  { $id: 'AlertTrigger' },
);

export const AlertWebhook = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    url: Type.String(),
    preset: Preset,
    payloadTemplate: Type.String(),
    headerNames: Type.Array(Type.String()),
    hasSigningSecret: Type.Boolean(),
    /** Only in the answer that generated it. */
    signingSecret: Type.Optional(
      Type.String({ description: 'The generated secret: shown once, in this answer only' }),
    ),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'AlertWebhook' },
);
export type AlertWebhook = Static<typeof AlertWebhook>;
export const AlertWebhookPage = page(refTo(AlertWebhook), 'AlertWebhookPage');
export type AlertWebhookPage = Static<typeof AlertWebhookPage>;

export const AlertWebhookCreate = Type.Object(
  {
    name: Name,
    url: Url,
    preset: Type.Optional(Preset),
    payloadTemplate: Type.Optional(Template),
    headers: Type.Optional(Headers),
    signingSecret: Type.Optional(Secret),
    generateSigningSecret: Type.Optional(
      Type.Boolean({ description: 'Weft makes a secret and answers it once' }),
    ),
  },
  { additionalProperties: false, $id: 'AlertWebhookCreate' },
);
export type AlertWebhookCreate = Static<typeof AlertWebhookCreate>;

export const AlertWebhookUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    url: Type.Optional(Url),
    preset: Type.Optional(Preset),
    payloadTemplate: Type.Optional(Template),
    headers: Type.Optional(
      Type.Union([Headers, Type.Null()], { description: 'Replaces them all; null removes them' }),
    ),
    signingSecret: Type.Optional(Type.Union([Secret, Type.Null()], { description: 'null removes it' })),
    generateSigningSecret: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, $id: 'AlertWebhookUpdate' },
);
export type AlertWebhookUpdate = Static<typeof AlertWebhookUpdate>;

export const AlertWebhookPreset = Type.Object(
  { key: Preset, label: Type.String(), payloadTemplate: Type.String(), urlHint: Type.String() },
  { $id: 'AlertWebhookPreset' },
);

export const AlertGroupUser = Type.Object({
  id: Uuid,
  email: Nullable(Type.String()),
  name: Type.String(),
  kind: Type.Union([Type.Literal('organization'), Type.Literal('customer')]),
  customerId: Nullable(Uuid),
});

export const AlertGroup = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    users: Type.Array(AlertGroupUser),
    webhooks: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
    monitorCount: Type.Integer(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'AlertGroup' },
);
export type AlertGroup = Static<typeof AlertGroup>;
export const AlertGroupPage = page(refTo(AlertGroup), 'AlertGroupPage');
export type AlertGroupPage = Static<typeof AlertGroupPage>;

const Users = Type.Array(Reference, {
  maxItems: 500,
  description: 'Organization or customer users, by id or email',
});
const Webhooks = Type.Array(Reference, { maxItems: 100, description: 'Alert webhooks, by id or name' });

export const AlertGroupCreate = Type.Object(
  { name: Name, users: Type.Optional(Users), webhooks: Type.Optional(Webhooks) },
  { additionalProperties: false, $id: 'AlertGroupCreate' },
);
export type AlertGroupCreate = Static<typeof AlertGroupCreate>;

export const AlertGroupUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    users: Type.Optional(Type.Array(Reference, { maxItems: 500, description: 'Replaces the members' })),
    webhooks: Type.Optional(Type.Array(Reference, { maxItems: 100, description: 'Replaces the webhooks' })),
  },
  { additionalProperties: false, minProperties: 1, $id: 'AlertGroupUpdate' },
);
export type AlertGroupUpdate = Static<typeof AlertGroupUpdate>;

export const AlertMonitor = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    instanceId: Nullable(Uuid),
    instanceName: Nullable(Type.String()),
    integrationId: Nullable(Uuid),
    integrationName: Nullable(Type.String()),
    customerId: Nullable(Uuid),
    customerName: Nullable(Type.String()),
    flowName: Nullable(Type.String()),
    triggers: Type.Array(Type.String()),
    durationThresholdMs: Nullable(Type.Integer()),
    overdueIntervalSeconds: Nullable(Type.Integer()),
    logLevel: Nullable(Type.String()),
    enabled: Type.Boolean(),
    groups: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
    triggered: Type.Boolean({ description: 'It has events not cleared yet' }),
    openEvents: Type.Integer(),
    lastEventAt: Nullable(DateTime),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'AlertMonitor' },
);
export type AlertMonitor = Static<typeof AlertMonitor>;
export const AlertMonitorPage = page(refTo(AlertMonitor), 'AlertMonitorPage');
export type AlertMonitorPage = Static<typeof AlertMonitorPage>;

const MonitorSettings = {
  flow: Type.Optional(
    Nullable(
      Type.String({ minLength: 1, maxLength: 200, description: "Only this flow's executions (by name)" }),
    ),
  ),
  triggers: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    minItems: 1,
    maxItems: 20,
    description: 'Trigger keys (execution-failed) or names (Execution Failed): GET /api/alert-triggers',
  }),
  groups: Type.Optional(Type.Array(Reference, { maxItems: 50, description: 'Alert groups, by id or name' })),
  durationThresholdMs: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 86_400_000 }))),
  overdueIntervalSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 31_536_000 }))),
  logLevel: Type.Optional(Nullable(LogLevel)),
  enabled: Type.Optional(Type.Boolean()),
};

export const AlertMonitorCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    instance: Type.Optional(Nullable(Uuid)),
    integration: Type.Optional(Nullable(Uuid)),
    customer: Type.Optional(Nullable(Uuid)),
    ...MonitorSettings,
  },
  { additionalProperties: false, $id: 'AlertMonitorCreate' },
);
export type AlertMonitorCreate = Static<typeof AlertMonitorCreate>;

export const AlertMonitorUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    ...MonitorSettings,
    triggers: Type.Optional(MonitorSettings.triggers),
  },
  { additionalProperties: false, minProperties: 1, $id: 'AlertMonitorUpdate' },
);
export type AlertMonitorUpdate = Static<typeof AlertMonitorUpdate>;

export const AlertMonitorListQuery = Type.Object(
  {
    instance: Type.Optional(Uuid),
    integration: Type.Optional(Uuid),
    customer: Type.Optional(Uuid),
    covering: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Monitors that watch this instance: its own and the defaults of its integration, customer or organization',
      }),
    ),
    triggered: Type.Optional(
      Type.Boolean({ description: 'Only monitors with (true) or without (false) open events' }),
    ),
    search: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type AlertMonitorListQuery = Static<typeof AlertMonitorListQuery>;

export const AlertDelivery = Type.Object(
  {
    id: Uuid,
    channel: Type.String(),
    recipient: Nullable(Type.String({ description: 'The email address' })),
    webhookId: Nullable(Uuid),
    webhookName: Nullable(Type.String()),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    nextAttemptAt: Nullable(DateTime),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    body: Type.String(),
    createdAt: DateTime,
    deliveredAt: Nullable(DateTime),
  },
  { $id: 'AlertDelivery' },
);
export type AlertDelivery = Static<typeof AlertDelivery>;
export const AlertDeliveryPage = page(refTo(AlertDelivery), 'AlertDeliveryPage');
export type AlertDeliveryPage = Static<typeof AlertDeliveryPage>;

export const AlertEvent = Type.Object(
  {
    id: Uuid,
    monitorId: Uuid,
    monitorName: Type.String(),
    trigger: Type.String(),
    triggerName: Type.String(),
    message: Type.String(),
    instanceId: Nullable(Uuid),
    instanceName: Nullable(Type.String()),
    customerId: Nullable(Uuid),
    flowName: Nullable(Type.String()),
    executionId: Nullable(Uuid),
    stepName: Nullable(Type.String()),
    connectionId: Nullable(Uuid),
    logLevel: Nullable(Type.String()),
    logMessage: Nullable(Type.String()),
    createdAt: DateTime,
    clearedAt: Nullable(DateTime),
    clearedReason: Nullable(Type.String()),
    deliveries: Type.Optional(Type.Array(refTo(AlertDelivery))),
  },
  { $id: 'AlertEvent' },
);
export type AlertEvent = Static<typeof AlertEvent>;
export const AlertEventPage = page(refTo(AlertEvent), 'AlertEventPage');
export type AlertEventPage = Static<typeof AlertEventPage>;

export const AlertEventListQuery = Type.Object(
  {
    monitor: Type.Optional(Uuid),
    instance: Type.Optional(Uuid),
    open: Type.Optional(Type.Boolean({ description: 'Only events not cleared (true) or cleared (false)' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type AlertEventListQuery = Static<typeof AlertEventListQuery>;

export const PageQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const AlertClearAnswer = Type.Object({ cleared: Type.Integer({ description: 'Events cleared' }) });

export const AlertTestAnswer = Type.Object({
  deliveries: Type.Array(refTo(AlertDelivery), {
    description: 'What the sample produced, as sent (or queued)',
  }),
});

export const IdParams = Type.Object({ id: Uuid });
export const DeliveryParams = Type.Object({ id: Uuid });
