import { flow } from '@weft/sdk';
import { type AcmeOrder, createAcmeClient } from './acmeClient';

interface AcmeEvent {
  /** Acme sends a challenge once, when the webhook is registered, and expects it echoed back. */
  challenge?: string;
  type?: string;
  order?: AcmeOrder;
}

/** Acme calls this flow's webhook whenever an order changes. */
export const orderWebhook = flow({
  name: 'Order Webhook',
  stableKey: 'order-webhook',
  description: 'Receives Acme order events and sends matching orders to the warehouse',
  onTrigger: async (_context, payload) => {
    const event = (payload.body.data ?? {}) as AcmeEvent;
    if (event.challenge) {
      // Answer Acme's verification request with the challenge, as plain text.
      return { payload, response: { statusCode: 200, contentType: 'text/plain', body: event.challenge } };
    }
    return {
      payload,
      response: {
        statusCode: 202,
        contentType: 'application/json',
        body: JSON.stringify({ accepted: true }),
      },
    };
  },
  onExecution: async (context, params) => {
    const event = (params.onTrigger.results.body.data ?? {}) as AcmeEvent;
    const order = event.order;
    if (!order) return { data: { skipped: 'not an order event' } };
    if (order.status !== context.configVars['Order Status']) {
      return { data: { skipped: `order ${order.id} is ${order.status}` } };
    }
    if (context.configVars['Dry Run']) {
      context.logger.info(`Dry run: would send order ${order.id}`);
      return { data: { dryRun: true, orderId: order.id } };
    }
    const client = createAcmeClient(context.configVars['Acme Connection']);
    const shipment = await client.sendToWarehouse(context.configVars['Target Warehouse'], order);
    return { data: { orderId: order.id, shipmentId: shipment.shipmentId } };
  },
});

/** Catches up every night on orders whose webhook was missed. */
export const nightlySync = flow({
  name: 'Nightly Sync',
  stableKey: 'nightly-sync',
  description: 'Sends the orders changed since the last run to the warehouse',
  schedule: { configVar: 'Sync Schedule' },
  queueConfig: { singletonExecutions: true },
  onExecution: async (context) => {
    const client = createAcmeClient(context.configVars['Acme Connection']);
    const since =
      typeof context.instanceState.lastSyncAt === 'string' ? context.instanceState.lastSyncAt : undefined;
    const orders = await client.listOrders(context.configVars['Order Status'], since);
    if (!context.configVars['Dry Run']) {
      for (const order of orders) await client.sendToWarehouse(context.configVars['Target Warehouse'], order);
    }
    context.logger.info(`Nightly sync: ${orders.length} order(s)`);
    return { data: { orders: orders.length }, instanceState: { lastSyncAt: context.startedAt } };
  },
});

export default [orderWebhook, nightlySync];
