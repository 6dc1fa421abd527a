import { type Kysely, sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../database/schema.js';

/**
 * Every Prometheus metric Weft publishes on `/metrics`, defined in one place with its name, help and labels, behind
 * a small typed object the rest of the server calls (`metrics.executionFinished(...)`). Recording is a prom-client
 * `inc` or `observe`, nothing more: no query, no allocation beyond the label object, so it costs nothing an
 * execution would notice. The only query is the queue's, run when Prometheus scrapes.
 *
 * **Label sets stay bounded.** Every label value comes from a closed set (statuses, outcomes, error codes, HTTP
 * methods and route templates) or from what the organization defined (integration names, flow names, component and
 * action keys), never from who calls or what they send: no customer, instance or execution ids, no step names
 * (a loop's steps are many records of one definition, but names are free text an author can vary endlessly in
 * code-native integrations), no URLs. Per-execution detail belongs to traces and the executions API.
 *
 * **One object per running server.** `startWeft` makes it (`createWeftMetrics`) and hands it to each part it
 * starts: the HTTP app (`/metrics`, request metrics, webhook ingress), the worker, the scheduler, and whatever else
 * records figures (notification deliveries take it as their `metrics` option; `WeftServer.metrics` gives it to
 * whoever holds the server). A part started without one (a test building a worker alone) makes its own, whose
 * figures nobody scrapes. Processes split by `--role` each have their own registry and `/metrics`; Prometheus sums
 * the counters across them.
 */
export interface WeftMetrics {
  /** The prom-client registry `/metrics` answers with. */
  readonly registry: Registry;
  /** An HTTP request was answered (`route` is the route template, never the raw URL). */
  httpRequest(labels: { method: string; route: string; statusCode: number }, seconds: number): void;
  /** A worker claimed an execution and starts running it (each attempt counts). */
  executionStarted(labels: ExecutionLabels): void;
  /** An execution's outcome was stored. */
  executionFinished(labels: ExecutionLabels & { status: ExecutionStatus }, seconds: number): void;
  /** A step finished (each loop iteration's run of a step counts once). */
  stepFinished(labels: StepLabels, seconds: number): void;
  /** A schedule tick queued its execution `lagSeconds` after the tick was due. */
  scheduleTickFired(lagSeconds: number): void;
  /**
   * A webhook request was answered: `accepted` (stored as a new execution), `duplicate` (within a deduplication
   * window: nothing new stored) or `refused` (nothing stored; `reason` is the error code it was answered with).
   */
  webhookRequest(outcome: WebhookOutcome, reason?: string): void;
  /** One attempt to deliver an alert, an event or a batch of log lines, and how long it took. */
  deliveryAttempt(channel: NotificationChannel, outcome: DeliveryOutcome, seconds: number): void;
}

export interface ExecutionLabels {
  /** The integration's name (not its id): bounded by what the organization defined. */
  integration: string;
  /** The flow's name. */
  flow: string;
}

export type ExecutionStatus = 'succeeded' | 'failed' | 'cancelled';

export interface StepLabels {
  /** The step's component key (`http`, `code`, a custom component's key). */
  component: string;
  /** The action (or trigger) key within it (`httpGet`, `runCode`, `loopOverItems`). */
  action: string;
  status: 'succeeded' | 'failed' | 'ignored';
}

export type WebhookOutcome = 'accepted' | 'duplicate' | 'refused';
export const notificationChannels = ['alert-webhook', 'alert-email', 'event-webhook', 'log-stream'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];
/** `retried`: the attempt failed and another is scheduled; `failed`: it failed and no attempt is left. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'retried';

export interface WeftMetricsOptions {
  /**
   * The database whose executions table the queue gauges read at scrape time. Without it (a part started alone,
   * the OpenAPI build) they are not published.
   */
  db?: Kysely<Database>;
  /**
   * Whether the process's own metrics (CPU, memory, event loop lag, garbage collection) are published too: once per
   * process's server, not for the private registries of parts started alone (each would start its own sampler).
   */
  processMetrics?: boolean;
}

/** Seconds; executions run from milliseconds (a webhook that logs) to many minutes (a large sync). */
const executionBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600,
];
const stepBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** A leader that is up fires within tens of milliseconds; seconds mean a busy database; minutes, a failover. */
const scheduleLagBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const deliveryBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const httpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createWeftMetrics(options: WeftMetricsOptions = {}): WeftMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'weft_' });

  const httpLabels = ['method', 'route', 'status_code'] as const;
  const httpRequests = new Counter({
    name: 'weft_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: httpLabels,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'weft_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to sending its answer',
    labelNames: httpLabels,
    buckets: httpBuckets,
    registers,
  });

  const executionsStarted = new Counter({
    name: 'weft_executions_started_total',
    help: 'Executions a worker of this process started running (a new attempt of an interrupted one counts again)',
    labelNames: ['integration', 'flow'] as const,
    registers,
  });
  const executionLabels = ['integration', 'flow', 'status'] as const;
  const executionsFinished = new Counter({
    name: 'weft_executions_finished_total',
    help: 'Executions whose outcome a worker of this process stored, by status (succeeded, failed, cancelled)',
    labelNames: executionLabels,
    registers,
  });
  const executionDuration = new Histogram({
    name: 'weft_execution_duration_seconds',
    help: 'How long finished executions ran (from their first step to their last), by status',
    labelNames: executionLabels,
    buckets: executionBuckets,
    registers,
  });
  const stepDuration = new Histogram({
    name: 'weft_step_duration_seconds',
    help: 'How long steps ran (their attempts, without retry delays), by component, action and status',
    labelNames: ['component', 'action', 'status'] as const,
    buckets: stepBuckets,
    registers,
  });
  const scheduleLag = new Histogram({
    name: 'weft_schedule_lag_seconds',
    help: 'How long after its due time each schedule tick queued its execution',
    buckets: scheduleLagBuckets,
    registers,
  });
  const webhookRequests = new Counter({
    name: 'weft_webhook_requests_total',
    help: 'Webhook requests answered: accepted (stored as an execution), duplicate, or refused (reason: the error code)',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  });
  const deliveries = new Counter({
    name: 'weft_notification_deliveries_total',
    help: 'Attempts to deliver alerts, events and log lines, by channel and outcome (delivered, retried, failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers,
  });
  const deliveryDuration = new Histogram({
    name: 'weft_notification_delivery_duration_seconds',
    help: 'How long each delivery attempt took, by channel',
    labelNames: ['channel'] as const,
    buckets: deliveryBuckets,
    registers,
  });

  if (options.db) watchQueue(options.db, registry);

  return {
    registry,
    httpRequest: (labels, seconds) => {
      const values = { method: labels.method, route: labels.route, status_code: String(labels.statusCode) };
      httpRequests.inc(values);
      httpDuration.observe(values, seconds);
    },
    executionStarted: (labels) => executionsStarted.inc(labels),
    executionFinished: (labels, seconds) => {
      executionsFinished.inc(labels);
      executionDuration.observe(labels, seconds);
    },
    stepFinished: (labels, seconds) => stepDuration.observe(labels, seconds),
    scheduleTickFired: (lagSeconds) => scheduleLag.observe(Math.max(0, lagSeconds)),
    webhookRequest: (outcome, reason) => webhookRequests.inc({ outcome, reason: reason ?? '' }),
    deliveryAttempt: (channel, outcome, seconds) => {
      deliveries.inc({ channel, outcome });
      deliveryDuration.observe({ channel }, seconds);
    },
  };
}

/**
 * The queue gauges, computed when Prometheus scrapes with one query shared by the three (prom-client collects
 * metrics side by side, so the second and third join the first's query). The executions table has no index that
 * starts with `status` (`executions_status_idx` is `(org_id, status, queued_at desc, id)`), so the query walks the
 * organizations and reads each one's queued and running range of that index: a handful of index pages however many
 * finished executions are kept. Every process reports the same figures: use `max()` across processes.
 */
function watchQueue(db: Kysely<Database>, registry: Registry): void {
  let pending: Promise<QueueFigures> | undefined;
  const figures = (): Promise<QueueFigures> => {
    pending ??= readQueue(db)
      .catch(() => ({ queued: Number.NaN, oldestAgeSeconds: Number.NaN, running: Number.NaN }))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  new Gauge({
    name: 'weft_queue_depth',
    help: 'Executions queued and not yet started, across the cluster (NaN when the database did not answer)',
    registers: [registry],
    async collect() {
      this.set((await figures()).queued);
    },
  });
  new Gauge({
    name: 'weft_queue_oldest_age_seconds',
    help: 'Age of the oldest queued execution (0 when none is queued), retries waiting out their delay included',
    registers: [registry],
    async collect() {
      this.set((await figures()).oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'weft_executions_running',
    help: 'Executions running now, across the cluster',
    registers: [registry],
    async collect() {
      this.set((await figures()).running);
    },
  });
}

interface QueueFigures {
  queued: number;
  oldestAgeSeconds: number;
  running: number;
}

async function readQueue(db: Kysely<Database>): Promise<QueueFigures> {
  const { rows } = await sql<{ queued: number; oldest_age: number | null; running: number }>`
    select coalesce(sum(q.queued), 0)::float8 as queued,
           extract(epoch from now() - min(q.oldest))::float8 as oldest_age,
           coalesce(sum(r.running), 0)::float8 as running
      from organizations o
      cross join lateral (
        select count(*) as queued, min(e.queued_at) as oldest
          from executions e where e.org_id = o.id and e.status = 'queued') q
      cross join lateral (
        select count(*) as running from executions e where e.org_id = o.id and e.status = 'running') r
  `.execute(db);
  const row = rows[0];
  return {
    queued: row?.queued ?? 0,
    oldestAgeSeconds: Math.max(0, row?.oldest_age ?? 0),
    running: row?.running ?? 0,
  };
}
