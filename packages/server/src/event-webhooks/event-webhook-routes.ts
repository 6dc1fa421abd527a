import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf, orgCallerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import type { NotificationsPort } from '../notifications/delivery-runner.js';
import type { Keyring } from '../secrets/keyring.js';
import { eventCatalog } from './event-catalog.js';
import {
  CreatedEventWebhook,
  DeliveryListQuery,
  DeliveryParams,
  EventTypeInfo,
  EventTypeList,
  EventWebhook,
  EventWebhookCreate,
  EventWebhookDelivery,
  EventWebhookDeliveryPage,
  EventWebhookListQuery,
  EventWebhookPage,
  EventWebhookUpdate,
  eventWebhookAnswers,
  IdParams,
} from './event-webhook-schemas.js';
import {
  createEventWebhook,
  deleteEventWebhook,
  getDelivery,
  getEventWebhook,
  listDeliveries,
  listEventWebhooks,
  queueTestDelivery,
  retryEventWebhookDelivery,
  updateEventWebhook,
} from './event-webhook-store.js';

export interface EventWebhookRouteOptions {
  keyring: Keyring;
  /** This process's delivery runner (worker role): test events go out at once. Without it they wait for a worker. */
  notifications?: NotificationsPort | undefined;
}

/**
 * `/api/event-webhooks` and `/api/event-types`: where the organization's own app hears about changes in Weft
 * (seed 003, "Prismatic event webhooks"), with a delivery log, retries and a test event.
 */
export function eventWebhookRoutes(db: Kysely<Database>, options: EventWebhookRouteOptions) {
  return async function eventWebhookRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    for (const schema of [
      EventWebhook,
      CreatedEventWebhook,
      EventWebhookPage,
      EventWebhookDelivery,
      EventWebhookDeliveryPage,
      EventTypeInfo,
      EventTypeList,
    ]) {
      app.addSchema(schema);
    }
    const answers = eventWebhookAnswers;
    const tags = ['event webhooks'];
    const read = { permission: 'monitoring:read' } as const;
    const write = { permission: 'monitoring:write' } as const;
    const { keyring, notifications } = options;

    app.get(
      '/event-types',
      {
        config: read,
        schema: {
          tags,
          summary: 'List the event types',
          description:
            'Every event type an event webhook may subscribe to, grouped as in the console. (Weft has no workflows, so no `workflow.*` events.)',
          response: { 200: answers.eventTypes, ...errorResponses() },
        },
      },
      async () => ({ items: [...eventCatalog] }),
    );

    app.post(
      '/event-webhooks',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an event webhook',
          description:
            'Events of the types given are POSTed to the URL as JSON, signed with `x-webhook-signature: sha256=<hex>` when the webhook has a secret. With `generateSecret: true` Weft makes the secret and answers it in `secret`, this once.',
          body: EventWebhookCreate,
          response: { 201: answers.created, ...errorResponses(409, 413) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createEventWebhook(db, keyring, callerOf(request).orgId, request.body)),
    );

    app.get(
      '/event-webhooks',
      {
        config: read,
        schema: {
          tags,
          summary: 'List event webhooks',
          description: 'Oldest first, in pages.',
          querystring: EventWebhookListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request) => listEventWebhooks(db, callerOf(request).orgId, request.query),
    );

    app.get(
      '/event-webhooks/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get an event webhook',
          params: IdParams,
          response: { 200: answers.webhook, ...errorResponses(404) },
        },
      },
      async (request) => getEventWebhook(db, callerOf(request).orgId, request.params.id),
    );

    app.patch(
      '/event-webhooks/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Update an event webhook',
          description:
            'Only the fields sent change; `eventTypes` replaces the subscriptions as a whole; `secret` rotates the signing secret, `secret: null` stops signing.',
          params: IdParams,
          body: EventWebhookUpdate,
          response: { 200: answers.webhook, ...errorResponses(404, 409, 413) },
        },
      },
      async (request) =>
        updateEventWebhook(db, keyring, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete(
      '/event-webhooks/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete an event webhook',
          description:
            'Its delivery log goes with it; deliveries still pending are not sent. Answers the deleted webhook.',
          params: IdParams,
          response: { 200: answers.webhook, ...errorResponses(404) },
        },
      },
      async (request) => deleteEventWebhook(db, callerOf(request).orgId, request.params.id),
    );

    app.post(
      '/event-webhooks/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: 'Send a test event',
          description:
            'Sends a `webhook.test` event (even to a disabled webhook) and answers its delivery: `delivered` with the status code, or the error of the last attempt (`pending`: it is retried later, like any delivery). A server without the worker role queues it for the workers and answers it `pending` with no attempt yet.',
          params: IdParams,
          response: { 200: answers.delivery, ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = orgCallerOf(request);
        const deliveryId = await queueTestDelivery(db, caller.orgId, request.params.id, caller.userId);
        if (notifications) await notifications.deliverNow(deliveryId);
        return getDelivery(db, caller.orgId, request.params.id, deliveryId);
      },
    );

    app.get(
      '/event-webhooks/:id/deliveries',
      {
        config: read,
        schema: {
          tags,
          summary: "List an event webhook's deliveries",
          description:
            'The delivery log: newest first, in pages, each with its event type, status, attempts, last status code and error, and the body sent. Filter by `status`.',
          params: IdParams,
          querystring: DeliveryListQuery,
          response: { 200: answers.deliveries, ...errorResponses(404) },
        },
      },
      async (request) => listDeliveries(db, callerOf(request).orgId, request.params.id, request.query),
    );

    app.get(
      '/event-webhooks/:id/deliveries/:deliveryId',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get a delivery',
          params: DeliveryParams,
          response: { 200: answers.delivery, ...errorResponses(404) },
        },
      },
      async (request) =>
        getDelivery(db, callerOf(request).orgId, request.params.id, request.params.deliveryId),
    );

    app.post(
      '/event-webhooks/:id/deliveries/:deliveryId/retry',
      {
        config: write,
        schema: {
          tags,
          summary: 'Retry a failed delivery',
          description:
            'Puts a failed delivery back in line, due now, with a fresh set of attempts; answers it (pending). 409 for one that is pending or delivered.',
          params: DeliveryParams,
          response: { 200: answers.delivery, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const { orgId } = callerOf(request);
        const delivery = await retryEventWebhookDelivery(
          db,
          orgId,
          request.params.id,
          request.params.deliveryId,
        );
        notifications?.wake();
        return delivery;
      },
    );
  };
}
