import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses, NoContent, refTo } from '../http/common-schemas.js';
import { type NotificationsPort, retryDelivery } from '../notifications/delivery-runner.js';
import type { Keyring } from '../secrets/keyring.js';
import { queueGroupNotifications, variablesOf } from './alert-evaluation.js';
import {
  AlertClearAnswer,
  AlertDelivery,
  AlertDeliveryPage,
  AlertEvent,
  AlertEventListQuery,
  AlertEventPage,
  AlertGroup,
  AlertGroupCreate,
  AlertGroupPage,
  AlertGroupUpdate,
  AlertMonitor,
  AlertMonitorCreate,
  AlertMonitorListQuery,
  AlertMonitorPage,
  AlertMonitorUpdate,
  AlertTestAnswer,
  AlertTrigger,
  AlertWebhook,
  AlertWebhookCreate,
  AlertWebhookPage,
  AlertWebhookPreset,
  AlertWebhookUpdate,
  IdParams,
  PageQuery,
} from './alert-schemas.js';
import {
  clearAlertEvents,
  createAlertGroup,
  createAlertMonitor,
  createAlertWebhook,
  deleteAlertGroup,
  deleteAlertMonitor,
  deleteAlertWebhook,
  deliveryNotFound,
  deliveryRows,
  getAlertEvent,
  getAlertGroup,
  getAlertMonitor,
  getAlertWebhook,
  listAlertEvents,
  listAlertGroups,
  listAlertMonitors,
  listAlertWebhooks,
  listWebhookDeliveries,
  toAlertDelivery,
  updateAlertGroup,
  updateAlertMonitor,
  updateAlertWebhook,
} from './alert-store.js';
import { alertWebhookPresets } from './alert-templates.js';
import { alertTriggers } from './alert-triggers.js';

export interface AlertRouteOptions {
  keyring: Keyring;
  /** This process's delivery runner (worker role): test sends go out at once. */
  notifications?: NotificationsPort;
  publicUrl: string | undefined;
}

/**
 * `/api/alert-*`: seed 003's alerting. Alert webhooks and groups say who hears; monitors say about what; events
 * are what fired (and cleared). Organization-only: customers never reach these routes.
 */
export function alertRoutes(db: Kysely<Database>, options: AlertRouteOptions) {
  return async function alertRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    for (const schema of [
      AlertTrigger,
      AlertWebhook,
      AlertWebhookPage,
      AlertWebhookPreset,
      AlertGroup,
      AlertGroupPage,
      AlertMonitor,
      AlertMonitorPage,
      AlertDelivery,
      AlertDeliveryPage,
      AlertEvent,
      AlertEventPage,
    ]) {
      app.addSchema(schema);
    }
    const tags = ['alerts'];
    const read = { permission: 'alerts:read' } as const;
    const write = { permission: 'alerts:write' } as const;
    const { keyring } = options;
    const orgOf = (request: FastifyRequest) => callerOf(request).orgId;
    const params = { params: IdParams };

    app.get(
      '/alert-triggers',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert triggers',
          description:
            "Seed 003's triggers: the keys monitors take, the names Prismatic shows, and what clears each.",
          response: { 200: Type.Array(refTo(AlertTrigger)), ...errorResponses() },
        },
      },
      async () => alertTriggers.map((trigger) => ({ ...trigger })),
    );

    // Webhooks ---------------------------------------------------------------------------------------------
    app.get(
      '/alert-webhooks/presets',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert webhook presets',
          description: 'Payload templates to start from: custom JSON, Slack, PagerDuty.',
          response: { 200: Type.Array(refTo(AlertWebhookPreset)), ...errorResponses() },
        },
      },
      async () =>
        Object.entries(alertWebhookPresets).map(([key, preset]) => ({ key: key as 'custom', ...preset })),
    );
    app.post(
      '/alert-webhooks',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an alert webhook',
          description:
            'Headers and the signing secret are stored encrypted and never answered; `generateSigningSecret` answers the new secret once.',
          body: AlertWebhookCreate,
          response: { 201: refTo(AlertWebhook), ...errorResponses(409) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createAlertWebhook(db, keyring, orgOf(request), request.body)),
    );
    app.get(
      '/alert-webhooks',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert webhooks',
          querystring: PageQuery,
          response: { 200: refTo(AlertWebhookPage), ...errorResponses() },
        },
      },
      async (request) => listAlertWebhooks(db, keyring, orgOf(request), request.query),
    );
    byIdRoutes(app, {
      path: '/alert-webhooks/:id',
      noun: 'an alert webhook',
      answer: refTo(AlertWebhook),
      update: AlertWebhookUpdate,
      conflicts: true,
      get: (orgId, id) => getAlertWebhook(db, keyring, orgId, id),
      change: (orgId, id, body) => updateAlertWebhook(db, keyring, orgId, id, body as AlertWebhookUpdate),
      remove: (orgId, id) => deleteAlertWebhook(db, orgId, id),
    });
    app.get(
      '/alert-webhooks/:id/deliveries',
      {
        config: read,
        schema: {
          tags,
          summary: "List an alert webhook's deliveries",
          description: 'Newest first: what was sent, and how it went.',
          ...params,
          querystring: PageQuery,
          response: { 200: refTo(AlertDeliveryPage), ...errorResponses(404) },
        },
      },
      async (request) => listWebhookDeliveries(db, orgOf(request), request.params.id, request.query),
    );
    app.post(
      '/alert-webhooks/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: 'Send a sample alert to an alert webhook',
          description:
            'Renders the payload template with sample values and sends it now (signed, through the egress guard); answers how it went. Without a worker role in this process, the delivery is queued.',
          ...params,
          response: { 200: AlertTestAnswer, ...errorResponses(404) },
        },
      },
      async (request) => {
        const orgId = orgOf(request);
        const webhook = await getAlertWebhook(db, keyring, orgId, request.params.id);
        return sendSample(
          db,
          options,
          orgId,
          { webhookId: webhook.id },
          `the alert webhook "${webhook.name}"`,
        );
      },
    );
    app.post(
      '/alert-deliveries/:id/retry',
      {
        config: write,
        schema: {
          tags,
          summary: 'Retry a failed alert delivery',
          ...params,
          response: { 200: refTo(AlertDelivery), ...errorResponses(404) },
        },
      },
      async (request) => {
        const orgId = orgOf(request);
        const id = request.params.id;
        const [row] = await deliveryRows(db, orgId, { ids: [id] }, 1);
        if (!row || !(await retryDelivery(db, orgId, id, options.notifications ? 60 : 0)))
          throw deliveryNotFound(id);
        if (options.notifications) await options.notifications.deliverNow(id);
        const [after] = await deliveryRows(db, orgId, { ids: [id] }, 1);
        return toAlertDelivery(after ?? row);
      },
    );

    // Groups -----------------------------------------------------------------------------------------------
    app.post(
      '/alert-groups',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an alert group',
          description:
            'Users (organization or customer users, by id or email) get emails; webhooks (by id or name) get requests.',
          body: AlertGroupCreate,
          response: { 201: refTo(AlertGroup), ...errorResponses(409) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createAlertGroup(db, orgOf(request), request.body)),
    );
    app.get(
      '/alert-groups',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert groups',
          querystring: PageQuery,
          response: { 200: refTo(AlertGroupPage), ...errorResponses() },
        },
      },
      async (request) => listAlertGroups(db, orgOf(request), request.query),
    );
    byIdRoutes(app, {
      path: '/alert-groups/:id',
      noun: 'an alert group',
      answer: refTo(AlertGroup),
      update: AlertGroupUpdate,
      conflicts: true,
      get: (orgId, id) => getAlertGroup(db, orgId, id),
      change: (orgId, id, body) => updateAlertGroup(db, orgId, id, body as AlertGroupUpdate),
      remove: (orgId, id) => deleteAlertGroup(db, orgId, id),
    });
    app.post(
      '/alert-groups/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: "Send a sample alert to an alert group's users and webhooks",
          ...params,
          response: { 200: AlertTestAnswer, ...errorResponses(404) },
        },
      },
      async (request) => {
        const orgId = orgOf(request);
        const group = await getAlertGroup(db, orgId, request.params.id);
        return sendSample(db, options, orgId, { groupId: group.id }, `the alert group "${group.name}"`);
      },
    );

    // Monitors ---------------------------------------------------------------------------------------------
    app.post(
      '/alert-monitors',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an alert monitor',
          description:
            'Attach triggers to an instance (optionally one flow), or as a default to every instance of an integration and/or customer (none of the three: every instance), and name the groups to notify.',
          body: AlertMonitorCreate,
          response: { 201: refTo(AlertMonitor), ...errorResponses(404) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createAlertMonitor(db, orgOf(request), request.body)),
    );
    app.get(
      '/alert-monitors',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert monitors',
          querystring: AlertMonitorListQuery,
          response: { 200: refTo(AlertMonitorPage), ...errorResponses() },
        },
      },
      async (request) => listAlertMonitors(db, orgOf(request), request.query),
    );
    byIdRoutes(app, {
      path: '/alert-monitors/:id',
      noun: 'an alert monitor',
      answer: refTo(AlertMonitor),
      update: AlertMonitorUpdate,
      conflicts: false,
      get: (orgId, id) => getAlertMonitor(db, orgId, id),
      change: (orgId, id, body) => updateAlertMonitor(db, orgId, id, body as AlertMonitorUpdate),
      remove: (orgId, id) => deleteAlertMonitor(db, orgId, id),
    });
    app.post(
      '/alert-monitors/:id/clear',
      {
        config: write,
        schema: {
          tags,
          summary: "Clear a monitor's open events",
          description: 'Says someone is on it: the events stay, marked cleared by the caller.',
          ...params,
          response: { 200: AlertClearAnswer, ...errorResponses(404) },
        },
      },
      async (request) => ({
        cleared: await clearAlertEvents(
          db,
          orgOf(request),
          { monitorId: request.params.id },
          clearedBy(request),
        ),
      }),
    );

    // Events -----------------------------------------------------------------------------------------------
    app.get(
      '/alert-events',
      {
        config: read,
        schema: {
          tags,
          summary: 'List alert events',
          description: 'Newest first; filter by monitor, instance, open or cleared.',
          querystring: AlertEventListQuery,
          response: { 200: refTo(AlertEventPage), ...errorResponses() },
        },
      },
      async (request) => listAlertEvents(db, orgOf(request), request.query),
    );
    app.get(
      '/alert-events/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get an alert event with its deliveries',
          ...params,
          response: { 200: refTo(AlertEvent), ...errorResponses(404) },
        },
      },
      async (request) => getAlertEvent(db, orgOf(request), request.params.id),
    );
    app.post(
      '/alert-events/:id/clear',
      {
        config: write,
        schema: {
          tags,
          summary: 'Clear an alert event',
          ...params,
          response: { 200: AlertClearAnswer, ...errorResponses(404) },
        },
      },
      async (request) => ({
        cleared: await clearAlertEvents(
          db,
          orgOf(request),
          { eventId: request.params.id },
          clearedBy(request),
        ),
      }),
    );
  };
}

/** GET, PATCH and DELETE of one alerting resource by id: the same three routes for webhooks, groups and monitors. */
function byIdRoutes(
  app: FastifyInstance,
  spec: {
    path: string;
    noun: string;
    answer: TSchema;
    update: TSchema;
    /** A change may collide with another's name (409). */
    conflicts: boolean;
    get(orgId: string, id: string): Promise<unknown>;
    change(orgId: string, id: string, body: unknown): Promise<unknown>;
    remove(orgId: string, id: string): Promise<void>;
  },
): void {
  const tags = ['alerts'];
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const orgOf = (request: FastifyRequest) => callerOf(request).orgId;
  app.get(
    spec.path,
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags,
        summary: `Get ${spec.noun}`,
        params: IdParams,
        response: { 200: spec.answer, ...errorResponses(404) },
      },
    },
    async (request) => spec.get(orgOf(request), idOf(request)),
  );
  app.patch(
    spec.path,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags,
        summary: `Change ${spec.noun}`,
        params: IdParams,
        body: spec.update,
        response: { 200: spec.answer, ...(spec.conflicts ? errorResponses(404, 409) : errorResponses(404)) },
      },
    },
    async (request) => spec.change(orgOf(request), idOf(request), request.body),
  );
  app.delete(
    spec.path,
    {
      config: { permission: 'alerts:write' },
      schema: {
        tags,
        summary: `Delete ${spec.noun}`,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await spec.remove(orgOf(request), idOf(request));
      return reply.status(204).send();
    },
  );
}

function clearedBy(request: FastifyRequest): string {
  const caller = callerOf(request);
  return caller.kind === 'organization' ? caller.actorName : 'a customer user';
}

/** A sample alert through the real path: deliveries queued, then sent now when this process delivers. */
async function sendSample(
  db: Kysely<Database>,
  options: AlertRouteOptions,
  orgId: string,
  target: { webhookId: string } | { groupId: string },
  what: string,
) {
  const variables = variablesOf(
    { id: randomUUID(), name: 'Sample alert monitor' },
    'execution-failed',
    {
      instanceId: randomUUID(),
      instanceName: 'Sample instance',
      customerId: null,
      customerName: 'Sample customer',
      customerExternalId: 'sample-customer',
      flowName: 'Sample flow',
      executionId: randomUUID(),
      stepName: 'Sample step',
      connectionId: null,
      logLevel: null,
      logMessage: null,
    },
    `This is a test alert from Weft, sent to ${what}.`,
    { state: 'triggered', eventId: randomUUID(), at: new Date(), publicUrl: options.publicUrl },
  );
  // Sent here when this process delivers: the background runner is kept off them for a minute meanwhile.
  const defer = options.notifications ? 60 : 0;
  const ids = await db
    .transaction()
    .execute((trx) =>
      'groupId' in target
        ? queueGroupNotifications(trx, orgId, [target.groupId], variables, null, undefined, defer, 'sample')
        : queueGroupNotifications(trx, orgId, [], variables, null, target.webhookId, defer, 'sample'),
    );
  if (options.notifications) await Promise.all(ids.map((id) => options.notifications!.deliverNow(id)));
  const rows = await deliveryRows(db, orgId, { ids }, ids.length || 1);
  return { deliveries: rows.map(toAlertDelivery) };
}
