import type { Egress } from '@weft/egress';
import type { Logger } from 'pino';
import { alertMonitorConsumer, overdueCheck } from './alerts/alert-evaluation.js';
import type { WeftConfig } from './config.js';
import type { DatabaseHandle } from './database/connection.js';
import { eventWebhookConsumer } from './event-webhooks/event-webhook-consumer.js';
import { logStreamConsumer } from './log-streams/log-stream-consumer.js';
import { LogStreamShipper } from './log-streams/log-stream-shipper.js';
import type { WeftMetrics } from './monitoring/metrics.js';
import { OutboxDispatcher } from './monitoring/outbox-dispatcher.js';
import { DeliveryRunner } from './notifications/delivery-runner.js';
import type { Keyring } from './secrets/keyring.js';

/**
 * What the worker role runs for monitoring (issue 19), in one place: the outbox dispatcher and its consumers
 * (alert monitors, event webhooks, log streams), the delivery runner (alert webhooks and emails, event webhooks)
 * and the log stream shipper. See docs/monitoring.md.
 */
export interface MonitoringRuntime {
  readonly dispatcher: OutboxDispatcher;
  readonly deliveries: DeliveryRunner;
  start(): void;
  stop(): Promise<void>;
}

export interface MonitoringOptions {
  config: Pick<WeftConfig, 'email' | 'monitoringPollMs'>;
  keyring: Keyring;
  egress: Egress;
  /** The address links in alerts point to (WEFT_PUBLIC_URL, else where Weft listens), once known. */
  publicUrl: () => string | undefined;
  /** Where delivery attempts are counted (`/metrics`). */
  metrics?: Pick<WeftMetrics, 'deliveryAttempt'>;
}

export function createMonitoring(
  database: Pick<DatabaseHandle, 'db'>,
  log: Logger,
  options: MonitoringOptions,
): MonitoringRuntime {
  const monitoringLog = log.child({ component: 'monitoring' });
  const { db } = database;
  const deliveries = new DeliveryRunner(db, monitoringLog, {
    keyring: options.keyring,
    egress: options.egress,
    email: options.config.email,
    pollMs: options.config.monitoringPollMs,
    ...(options.metrics ? { onAttempt: options.metrics.deliveryAttempt } : {}),
  });
  const logShipper = new LogStreamShipper(db, monitoringLog, {
    ...options,
    pollMs: options.config.monitoringPollMs,
  });
  const dispatcher = new OutboxDispatcher(
    db,
    monitoringLog,
    [
      alertMonitorConsumer({ publicUrl: options.publicUrl, deliveries }),
      eventWebhookConsumer({ deliveries }),
      logStreamConsumer({ log: monitoringLog, shipper: logShipper }),
    ],
    {
      pollMs: options.config.monitoringPollMs,
      // Overdue is checked every ten polls (10 s by default): intervals are a minute or more.
      onIdle: overdueCheck(db, monitoringLog, {
        publicUrl: options.publicUrl,
        deliveries,
        everyMs: options.config.monitoringPollMs * 10,
      }),
    },
  );
  return {
    dispatcher,
    deliveries,
    start() {
      dispatcher.start();
      deliveries.start();
      logShipper.start();
    },
    async stop() {
      await dispatcher.stop();
      await deliveries.stop();
      await logShipper.stop();
    },
  };
}
