import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import {
  dispatcherLock,
  type MonitoringEvent,
  type OutboxConsumer,
} from '../monitoring/outbox-dispatcher.js';
import type { NotificationsPort } from '../notifications/delivery-runner.js';
import { type AlertVariables, alertEmail, renderAlertTemplate } from './alert-templates.js';
import { type AlertTriggerKey, alertTriggerOf, logLevelAtLeast } from './alert-triggers.js';

/**
 * Alert monitors at work: the outbox consumer that turns execution milestones, instance changes and connection
 * failures into alert events (and clears them when their condition ends), and the periodic overdue check. Each
 * event fired or cleared queues its notifications (emails to the monitor's groups' users, requests to their
 * webhooks) in the same transaction; the delivery runner sends them. Nothing here runs inside an execution: the
 * execution only wrote its outbox row.
 */

export interface AlertEvaluationOptions {
  /** Where links in alerts point (the console). */
  publicUrl: () => string | undefined;
  deliveries: NotificationsPort;
}

interface WatchingMonitor {
  id: string;
  org_id: string;
  name: string;
  triggers: string[];
  flow_name: string | null;
  duration_threshold_ms: number | null;
  log_level: string | null;
}

/** What an alert event is about, as it is stored and as its notifications say. */
interface AlertContext {
  instanceId: string | null;
  instanceName: string | null;
  customerId: string | null;
  customerName: string | null;
  customerExternalId: string | null;
  flowName: string | null;
  executionId: string | null;
  stepName: string | null;
  connectionId: string | null;
  logLevel: string | null;
  logMessage: string | null;
}

const emptyContext: AlertContext = {
  instanceId: null,
  instanceName: null,
  customerId: null,
  customerName: null,
  customerExternalId: null,
  flowName: null,
  executionId: null,
  stepName: null,
  connectionId: null,
  logLevel: null,
  logMessage: null,
};

export function alertMonitorConsumer(options: AlertEvaluationOptions): OutboxConsumer {
  let queued = false;
  return {
    name: 'alert-monitors',
    async consume(trx, events) {
      const finished = events.filter(isWatchedFinish);
      // Executions are most of the outbox: what they need is read once per batch (three queries however many
      // events), so a monitored execution costs the dispatcher next to nothing while nothing fires or clears.
      const batch = finished.length > 0 ? await loadFinishBatch(trx, finished) : undefined;
      for (const event of events) {
        const handled =
          event.type === 'execution.finished'
            ? batch !== undefined &&
              isWatchedFinish(event) &&
              (await executionFinished(trx, event, batch, options))
            : await handleEvent(trx, event, options);
        if (handled) queued = true;
      }
    },
    afterCommit() {
      if (queued) options.deliveries.wake();
      queued = false;
    },
  };
}

/** Handles one outbox event; true when it queued notifications. */
async function handleEvent(
  trx: Transaction<Database>,
  event: MonitoringEvent,
  options: AlertEvaluationOptions,
): Promise<boolean> {
  const data = event.data;
  const text = (key: string): string | null => {
    const value = data[key];
    return typeof value === 'string' ? value : null;
  };
  switch (event.type) {
    case 'execution.started': {
      if (data.isTest === true) return false;
      const context = await instanceContext(trx, text('instanceId'), {
        flowName: text('flowName'),
        executionId: event.subjectId,
      });
      const monitors = await monitorsWatching(trx, event.orgId, text('instanceId'), text('flowName'));
      let queued = false;
      for (const monitor of monitors) {
        if (monitor.triggers.includes('execution-started')) {
          const fired = await fire(
            trx,
            monitor,
            'execution-started',
            context,
            'An execution started.',
            options,
          );
          if (fired.queued) queued = true;
        }
      }
      return queued;
    }
    case 'instance.enabled':
    case 'instance.disabled':
    case 'instance.deleted': {
      const instanceId = event.subjectId;
      const context: AlertContext = {
        ...(await instanceContext(trx, instanceId, {})),
        instanceId,
        instanceName: text('name'),
        customerId: text('customer_id'),
      };
      if (event.type === 'instance.deleted' && context.customerId) {
        const customer = await trx
          .selectFrom('customers')
          .select(['name', 'external_id'])
          .where('id', '=', context.customerId)
          .executeTakeFirst();
        context.customerName = customer?.name ?? null;
        context.customerExternalId = customer?.external_id ?? null;
      }
      const monitors = await monitorsCovering(trx, event.orgId, {
        instanceId,
        integrationId: text('integration_id'),
        customerId: text('customer_id'),
      });
      const trigger: AlertTriggerKey =
        event.type === 'instance.enabled'
          ? 'instance-enabled'
          : event.type === 'instance.disabled'
            ? 'instance-disabled'
            : 'instance-removed';
      const message =
        event.type === 'instance.enabled'
          ? 'The instance was enabled.'
          : event.type === 'instance.disabled'
            ? 'The instance was disabled: its flows do not run until it is enabled again.'
            : 'The instance was removed.';
      let queued = false;
      for (const monitor of monitors) {
        if (event.type === 'instance.enabled' && instanceId) {
          if (
            await clear(
              trx,
              monitor,
              ['instance-disabled'],
              { instanceId },
              'the instance was enabled again',
              options,
            )
          )
            queued = true;
        }
        if (monitor.triggers.includes(trigger)) {
          if ((await fire(trx, monitor, trigger, context, message, options)).queued) queued = true;
        }
      }
      return queued;
    }
    case 'connection.failed':
    case 'connection.recovered':
      return connectionChanged(trx, event, options);
    default:
      return false;
  }
}

interface FinishedData {
  instanceId: string;
  instanceName?: string | null;
  customerId?: string;
  customerName?: string | null;
  customerExternalId?: string | null;
  flowName?: string;
  status?: string;
  durationMs?: number;
  isTest?: boolean;
  retryPending?: boolean;
  error?: { message?: string; stepName?: string | null } | null;
  worstLog?: { level: string; message: string; stepName?: string | null } | null;
}

function isWatchedFinish(event: MonitoringEvent): boolean {
  return (
    event.type === 'execution.finished' &&
    event.data.isTest !== true &&
    typeof event.data.instanceId === 'string'
  );
}

interface BatchMonitor extends WatchingMonitor {
  instance_id: string | null;
  integration_id: string | null;
  customer_id: string | null;
}

interface OpenEvent {
  id: string;
  monitor_id: string;
  instance_id: string | null;
  trigger: string;
  flow_name: string | null;
}

/** What a batch of finished executions needs: their instances, their orgs' monitors, the events still open. */
interface FinishBatch {
  instances: Map<string, { integration_id: string; customer_id: string }>;
  monitors: BatchMonitor[];
  open: OpenEvent[];
}

async function loadFinishBatch(trx: Kysely<Database>, events: MonitoringEvent[]): Promise<FinishBatch> {
  const instanceIds = [...new Set(events.map((event) => event.data.instanceId as string))];
  const orgIds = [...new Set(events.map((event) => event.orgId))];
  const instances = await trx
    .selectFrom('instances')
    .select(['id', 'integration_id', 'customer_id'])
    .where('id', 'in', instanceIds)
    .execute();
  const monitors = (await trx
    .selectFrom('alert_monitors')
    .select([
      'id',
      'org_id',
      'name',
      'triggers',
      'flow_name',
      'duration_threshold_ms',
      'log_level',
      'instance_id',
      'integration_id',
      'customer_id',
    ])
    .where('org_id', 'in', orgIds)
    .where('enabled', '=', true)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as BatchMonitor[];
  const open =
    monitors.length === 0
      ? []
      : await trx
          .selectFrom('alert_events')
          .select(['id', 'monitor_id', 'instance_id', 'trigger', 'flow_name'])
          .where(
            'monitor_id',
            'in',
            monitors.map((monitor) => monitor.id),
          )
          .where('instance_id', 'in', instanceIds)
          .where('cleared_at', 'is', null)
          .execute();
  return {
    instances: new Map(instances.map((row) => [row.id, row])),
    monitors,
    open,
  };
}

async function executionFinished(
  trx: Transaction<Database>,
  event: MonitoringEvent,
  batch: FinishBatch,
  options: AlertEvaluationOptions,
): Promise<boolean> {
  const data = event.data as unknown as FinishedData;
  const instance = batch.instances.get(data.instanceId);
  if (!instance) return false; // removed since
  const flowName = data.flowName ?? null;
  const monitors = batch.monitors.filter(
    (monitor) =>
      monitor.org_id === event.orgId &&
      (monitor.instance_id === data.instanceId ||
        (monitor.instance_id === null &&
          (monitor.integration_id === null || monitor.integration_id === instance.integration_id) &&
          (monitor.customer_id === null || monitor.customer_id === instance.customer_id))) &&
      (monitor.flow_name === null || monitor.flow_name === flowName),
  );
  if (monitors.length === 0) return false;
  const base: AlertContext = {
    ...emptyContext,
    instanceId: data.instanceId,
    instanceName: data.instanceName ?? null,
    customerId: data.customerId ?? null,
    customerName: data.customerName ?? null,
    customerExternalId: data.customerExternalId ?? null,
    flowName,
    executionId: event.subjectId,
  };
  const succeeded = data.status === 'succeeded';
  const failed = data.status === 'failed';
  const duration = data.durationMs ?? 0;
  const worst = data.worstLog ?? null;
  let queued = false;

  /** Clears this monitor's open events of these triggers for the instance and flow (read with the batch). */
  const clearOpen = async (monitor: BatchMonitor, triggers: AlertTriggerKey[], reason: string) => {
    const ids = batch.open
      .filter(
        (open) =>
          open.monitor_id === monitor.id &&
          open.instance_id === data.instanceId &&
          (triggers as string[]).includes(open.trigger) &&
          (open.flow_name === null || flowName === null || open.flow_name === flowName),
      )
      .map((open) => open.id);
    if (ids.length === 0) return;
    batch.open = batch.open.filter((open) => !ids.includes(open.id));
    if (await clear(trx, monitor, triggers, { instanceId: data.instanceId, ids }, reason, options))
      queued = true;
  };
  const fireOpen = async (
    monitor: BatchMonitor,
    trigger: AlertTriggerKey,
    context: AlertContext,
    message: string,
  ) => {
    const fired = await fire(trx, monitor, trigger, context, message, options);
    if (fired.queued) queued = true;
    if (!(alertTriggerOf(trigger)?.informational ?? false)) {
      batch.open.push({
        id: fired.id,
        monitor_id: monitor.id,
        instance_id: data.instanceId,
        trigger,
        flow_name: flowName,
      });
    }
  };

  for (const monitor of monitors) {
    const has = (trigger: AlertTriggerKey) => monitor.triggers.includes(trigger);
    // Clears first: a run that succeeds ends the failure alerts of its flow, whatever else it fires.
    if (succeeded) {
      await clearOpen(
        monitor,
        ['execution-failed', 'execution-failed-retry-pending'],
        'the next execution succeeded',
      );
    }
    await clearOpen(monitor, ['execution-overdue'], 'an execution ran');
    const threshold = monitor.duration_threshold_ms;
    if (threshold !== null && duration < threshold) {
      await clearOpen(
        monitor,
        ['execution-duration-exceeded'],
        `the next execution took ${duration} ms, under ${threshold} ms`,
      );
    }
    const logHit =
      monitor.log_level !== null && worst !== null && logLevelAtLeast(worst.level, monitor.log_level);
    if (monitor.log_level !== null && !logHit) {
      await clearOpen(
        monitor,
        ['log-level-exceeded'],
        `the next execution logged nothing at ${monitor.log_level} or above`,
      );
    }

    if (succeeded && has('execution-completed')) {
      await fireOpen(monitor, 'execution-completed', base, 'An execution succeeded.');
    }
    if (failed) {
      const failure = `The execution failed${data.error?.stepName ? ` at step "${data.error.stepName}"` : ''}: ${
        data.error?.message ?? 'no message'
      }`;
      const context = { ...base, stepName: data.error?.stepName ?? null };
      if (data.retryPending && has('execution-failed-retry-pending')) {
        await fireOpen(
          monitor,
          'execution-failed-retry-pending',
          context,
          `${failure} (its automatic retry is queued)`,
        );
      }
      if (!data.retryPending && has('execution-failed')) {
        await fireOpen(monitor, 'execution-failed', context, failure);
      }
    }
    if (threshold !== null && has('execution-duration-exceeded') && duration >= threshold) {
      await fireOpen(
        monitor,
        'execution-duration-exceeded',
        base,
        `The execution took ${duration} ms (threshold ${threshold} ms).`,
      );
    }
    if (logHit && has('log-level-exceeded') && worst) {
      await fireOpen(
        monitor,
        'log-level-exceeded',
        { ...base, stepName: worst.stepName ?? null, logLevel: worst.level, logMessage: worst.message },
        `The execution logged at ${worst.level}: ${worst.message}`,
      );
    }
  }
  return queued;
}

/** A connection went into the error state, or out of it: the instances that use it. */
async function connectionChanged(
  trx: Transaction<Database>,
  event: MonitoringEvent,
  options: AlertEvaluationOptions,
): Promise<boolean> {
  const connectionId = event.subjectId;
  const instanceId = typeof event.data.instance_id === 'string' ? event.data.instance_id : null;
  const customerId = typeof event.data.customer_id === 'string' ? event.data.customer_id : null;
  // An instance's own connection; a customer's connection is used by that customer's instances.
  const instanceIds = instanceId
    ? [instanceId]
    : customerId
      ? (
          await trx
            .selectFrom('instances')
            .select('id')
            .where('org_id', '=', event.orgId)
            .where('customer_id', '=', customerId)
            .execute()
        ).map((row) => row.id)
      : [];
  let queued = false;
  for (const id of instanceIds) {
    const context = { ...(await instanceContext(trx, id, {})), connectionId };
    const monitors = await monitorsWatching(trx, event.orgId, id, null);
    for (const monitor of monitors) {
      if (event.type === 'connection.recovered') {
        if (
          await clear(
            trx,
            monitor,
            ['connection-exception'],
            { instanceId: id, connectionId },
            'the connection works again',
            options,
          )
        )
          queued = true;
      } else if (monitor.triggers.includes('connection-exception')) {
        const what = [event.data.component_key, event.data.connection_key].filter(Boolean).join(' / ');
        const reason = typeof event.data.status_message === 'string' ? `: ${event.data.status_message}` : '';
        const fired = await fire(
          trx,
          monitor,
          'connection-exception',
          context,
          `The connection ${what || connectionId} is in the error state${reason}`,
          options,
        );
        if (fired.queued) queued = true;
      }
    }
  }
  return queued;
}

/** The enabled monitors covering an instance (its own, then the defaults), for one flow or any. */
async function monitorsWatching(
  trx: Kysely<Database>,
  orgId: string,
  instanceId: string | null,
  flowName: string | null,
): Promise<WatchingMonitor[]> {
  if (!instanceId) return [];
  const instance = await trx
    .selectFrom('instances')
    .select(['integration_id', 'customer_id'])
    .where('id', '=', instanceId)
    .executeTakeFirst();
  if (!instance) return [];
  const monitors = await monitorsCovering(trx, orgId, {
    instanceId,
    integrationId: instance.integration_id,
    customerId: instance.customer_id,
  });
  return monitors.filter(
    (monitor) => monitor.flow_name === null || flowName === null || monitor.flow_name === flowName,
  );
}

async function monitorsCovering(
  trx: Kysely<Database>,
  orgId: string,
  scope: { instanceId: string | null; integrationId: string | null; customerId: string | null },
): Promise<WatchingMonitor[]> {
  const { rows } = await sql<WatchingMonitor>`
    select id, org_id, name, triggers, flow_name, duration_threshold_ms, log_level
    from alert_monitors m
    where m.org_id = ${orgId} and m.enabled
      and (m.instance_id = ${scope.instanceId}::uuid or (m.instance_id is null
        and (m.integration_id is null or m.integration_id = ${scope.integrationId}::uuid)
        and (m.customer_id is null or m.customer_id = ${scope.customerId}::uuid)))
    order by m.created_at, m.id`.execute(trx);
  return rows;
}

async function instanceContext(
  trx: Kysely<Database>,
  instanceId: string | null,
  extra: Partial<AlertContext>,
): Promise<AlertContext> {
  if (!instanceId) return { ...emptyContext, ...extra };
  const row = await trx
    .selectFrom('instances')
    .innerJoin('customers', 'customers.id', 'instances.customer_id')
    .select([
      'instances.name as instance_name',
      'customers.id as customer_id',
      'customers.name as customer_name',
      'customers.external_id as customer_external_id',
    ])
    .where('instances.id', '=', instanceId)
    .executeTakeFirst();
  return {
    ...emptyContext,
    instanceId,
    instanceName: row?.instance_name ?? null,
    customerId: row?.customer_id ?? null,
    customerName: row?.customer_name ?? null,
    customerExternalId: row?.customer_external_id ?? null,
    ...extra,
  };
}

/** Records an alert event and queues its notifications; true (notifications queued). */
async function fire(
  trx: Kysely<Database>,
  monitor: Pick<WatchingMonitor, 'id' | 'org_id' | 'name'>,
  trigger: AlertTriggerKey,
  context: AlertContext,
  message: string,
  options: AlertEvaluationOptions,
): Promise<{ queued: boolean; id: string }> {
  const informational = alertTriggerOf(trigger)?.informational ?? false;
  const event = await trx
    .insertInto('alert_events')
    .values({
      org_id: monitor.org_id,
      monitor_id: monitor.id,
      trigger,
      message: message.slice(0, 4000),
      instance_id: context.instanceId,
      instance_name: context.instanceName,
      customer_id: context.customerId,
      flow_name: context.flowName,
      execution_id: context.executionId,
      step_name: context.stepName,
      connection_id: context.connectionId,
      log_level: context.logLevel,
      log_message: context.logMessage?.slice(0, 4000) ?? null,
      ...(informational
        ? { cleared_at: sql<Date>`now()`, cleared_reason: 'informational: nothing to clear' }
        : {}),
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  const variables = variablesOf(monitor, trigger, context, message, {
    state: 'triggered',
    eventId: event.id,
    at: event.created_at,
    publicUrl: options.publicUrl(),
  });
  return {
    queued: (await queueMonitorNotifications(trx, monitor, event.id, variables, context.customerId)) > 0,
    id: event.id,
  };
}

/**
 * Clears the open events of these triggers for an instance (and flow, or connection): their condition ended. Each
 * cleared event tells the same people it told when it fired.
 */
async function clear(
  trx: Kysely<Database>,
  monitor: Pick<WatchingMonitor, 'id' | 'org_id' | 'name'>,
  triggers: AlertTriggerKey[],
  where: { instanceId: string; flowName?: string | null; connectionId?: string | null; ids?: string[] },
  reason: string,
  options: AlertEvaluationOptions,
): Promise<boolean> {
  let query = trx
    .updateTable('alert_events')
    .set({ cleared_at: sql<Date>`now()`, cleared_reason: reason })
    .where('monitor_id', '=', monitor.id)
    .where('cleared_at', 'is', null)
    .where('trigger', 'in', triggers)
    .where('instance_id', '=', where.instanceId);
  if (where.flowName) {
    const flowName = where.flowName;
    query = query.where((eb) => eb.or([eb('flow_name', 'is', null), eb('flow_name', '=', flowName)]));
  }
  if (where.connectionId) query = query.where('connection_id', '=', where.connectionId);
  if (where.ids) query = query.where('id', 'in', where.ids);
  const cleared = await query.returningAll().execute();
  let queued = false;
  for (const event of cleared) {
    // The customer as it is named now (events keep its id): a cleared alert names it like the one that fired.
    const customer = event.customer_id
      ? await trx
          .selectFrom('customers')
          .select(['name', 'external_id'])
          .where('id', '=', event.customer_id)
          .executeTakeFirst()
      : undefined;
    const variables = variablesOf(
      monitor,
      event.trigger as AlertTriggerKey,
      {
        ...emptyContext,
        instanceId: event.instance_id,
        instanceName: event.instance_name,
        customerId: event.customer_id,
        customerName: customer?.name ?? null,
        customerExternalId: customer?.external_id ?? null,
        flowName: event.flow_name,
        executionId: event.execution_id,
        stepName: event.step_name,
      },
      `${reason}.`,
      { state: 'cleared', eventId: event.id, at: new Date(), publicUrl: options.publicUrl() },
    );
    if ((await queueMonitorNotifications(trx, monitor, event.id, variables, event.customer_id)) > 0)
      queued = true;
  }
  return queued;
}

export function variablesOf(
  monitor: { id: string; name: string },
  trigger: AlertTriggerKey,
  context: AlertContext,
  message: string,
  when: { state: 'triggered' | 'cleared'; eventId: string; at: Date; publicUrl: string | undefined },
): AlertVariables {
  return {
    NAME: monitor.name,
    INSTANCE: context.instanceName ?? '',
    INSTANCE_ID: context.instanceId ?? '',
    EXECUTION_ID: context.executionId ?? '',
    CUSTOMER: context.customerName ?? '',
    CUSTOMER_EXTERNAL_ID: context.customerExternalId ?? '',
    FLOW: context.flowName ?? '',
    TRIGGER: alertTriggerOf(trigger)?.name ?? trigger,
    STEP: context.stepName ?? '',
    URL: when.publicUrl ? `${when.publicUrl}/monitors/${monitor.id}` : '',
    MESSAGE: message,
    STATE: when.state,
    PAGERDUTY_ACTION: when.state === 'cleared' ? 'resolve' : 'trigger',
    EVENT_ID: when.eventId,
    MONITOR_ID: monitor.id,
    TIMESTAMP: when.at.toISOString(),
  };
}

/** The notifications of one alert event: each user of the monitor's groups once, each of their webhooks once. */
async function queueMonitorNotifications(
  trx: Kysely<Database>,
  monitor: Pick<WatchingMonitor, 'id' | 'org_id'>,
  alertEventId: string,
  variables: AlertVariables,
  aboutCustomer: string | null,
): Promise<number> {
  const groupIds = (
    await trx
      .selectFrom('alert_monitor_groups')
      .select('group_id')
      .where('monitor_id', '=', monitor.id)
      .execute()
  ).map((row) => row.group_id);
  const ids = await queueGroupNotifications(
    trx,
    monitor.org_id,
    groupIds,
    variables,
    alertEventId,
    undefined,
    0,
    aboutCustomer,
  );
  return ids.length;
}

/** Queues an alert's emails and webhook requests for these groups' members; answers the deliveries' ids. */
export async function queueGroupNotifications(
  trx: Kysely<Database>,
  orgId: string,
  groupIds: string[],
  variables: AlertVariables,
  alertEventId: string | null,
  onlyWebhookId?: string,
  /** Kept from the background runner for this long: the caller sends them itself (test sends). */
  deferSeconds = 0,
  /**
   * The customer the alert is about: a group's customer users are emailed only about their own customer's
   * instances (never another customer's names, errors or log lines); `'sample'` (test sends) reaches every member.
   */
  aboutCustomer: string | null | 'sample' = null,
): Promise<string[]> {
  if (groupIds.length === 0 && !onlyWebhookId) return [];
  const emails =
    groupIds.length === 0
      ? []
      : (
          await sql<{ email: string }>`
            select distinct lower(coalesce(u.email, cu.email)) as email
            from alert_group_users g
            left join users u on u.id = g.user_id
            left join customer_users cu on cu.id = g.customer_user_id
            where g.group_id = any(${groupIds}::uuid[]) and coalesce(u.email, cu.email) is not null
              and (g.customer_user_id is null or ${aboutCustomer === 'sample'}
                or cu.customer_id = ${aboutCustomer === 'sample' ? null : aboutCustomer}::uuid)`.execute(trx)
        ).rows.map((row) => row.email);
  let webhookQuery = trx
    .selectFrom('alert_webhooks')
    .select(['id', 'payload_template'])
    .where('org_id', '=', orgId);
  webhookQuery = onlyWebhookId
    ? webhookQuery.where('id', '=', onlyWebhookId)
    : webhookQuery.where('id', 'in', (eb) =>
        eb
          .selectFrom('alert_group_webhooks')
          .select('webhook_id')
          .where('group_id', 'in', groupIds.length > 0 ? groupIds : ['00000000-0000-0000-0000-000000000000']),
      );
  const webhooks = await webhookQuery.execute();
  const email = alertEmail(variables);
  const later = deferSeconds > 0 ? { next_attempt_at: new Date(Date.now() + deferSeconds * 1000) } : {};
  const rows = [
    ...emails.map((recipient) => ({
      org_id: orgId,
      channel: 'alert-email' as const,
      recipient,
      alert_event_id: alertEventId,
      body: JSON.stringify(email),
      ...later,
    })),
    ...webhooks.map((webhook) => ({
      org_id: orgId,
      channel: 'alert-webhook' as const,
      alert_webhook_id: webhook.id,
      alert_event_id: alertEventId,
      body: renderAlertTemplate(webhook.payload_template, variables),
      ...later,
    })),
  ];
  if (rows.length === 0) return [];
  const inserted = await trx.insertInto('notification_deliveries').values(rows).returning('id').execute();
  return inserted.map((row) => row.id);
}

/**
 * Execution Overdue: monitors whose instance (or flow) has not begun an execution within their interval, counted
 * from the last execution, the monitor's creation or the instance's deployment, whichever is latest. One open
 * event per monitor and instance until an execution runs. Runs after each dispatch pass, at most every `everyMs`, with
 * the dispatcher's turn so two processes do not both fire it.
 */
export function overdueCheck(
  db: Kysely<Database>,
  log: Logger,
  options: AlertEvaluationOptions & { everyMs: number },
): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < options.everyMs) return;
    last = Date.now();
    await checkOverdueMonitors(db, log, options);
  };
}

async function checkOverdueMonitors(
  db: Kysely<Database>,
  log: Logger,
  options: AlertEvaluationOptions,
): Promise<void> {
  const queued = await db.transaction().execute(async (trx) => {
    const { rows: locked } = await sql<{ locked: boolean }>`
      select pg_try_advisory_xact_lock(${dispatcherLock[0]}, ${dispatcherLock[1]}) as locked`.execute(trx);
    if (!locked[0]?.locked) return false;
    const { rows } = await sql<{
      monitor_id: string;
      org_id: string;
      name: string;
      flow_name: string | null;
      interval_seconds: number;
      instance_id: string;
    }>`
      select m.id as monitor_id, m.org_id, m.name, m.flow_name, m.overdue_interval_seconds as interval_seconds,
        i.id as instance_id
      from alert_monitors m
      join instances i on i.org_id = m.org_id and i.enabled and i.deployed_at is not null
        and (m.instance_id = i.id or (m.instance_id is null
          and (m.integration_id is null or m.integration_id = i.integration_id)
          and (m.customer_id is null or m.customer_id = i.customer_id)))
      where m.enabled and 'execution-overdue' = any (m.triggers) and m.overdue_interval_seconds is not null
        and greatest(m.created_at, i.deployed_at) < now() - m.overdue_interval_seconds * interval '1 second'
        and not exists (
          select 1 from executions e
          where e.org_id = i.org_id and e.instance_id = i.id and (m.flow_name is null or e.flow_name = m.flow_name)
            and e.queued_at > now() - m.overdue_interval_seconds * interval '1 second')
        and not exists (
          select 1 from alert_events a
          where a.monitor_id = m.id and a.instance_id = i.id and a.trigger = 'execution-overdue'
            -- Open, or cleared by hand within the interval: once per interval, not again at the next check.
            and (a.cleared_at is null or a.created_at > now() - m.overdue_interval_seconds * interval '1 second'))
      limit 500`.execute(trx);
    let any = false;
    for (const row of rows) {
      const context = await instanceContext(trx, row.instance_id, { flowName: row.flow_name });
      const what = row.flow_name ? `flow "${row.flow_name}"` : 'the instance';
      const fired = await fire(
        trx,
        { id: row.monitor_id, org_id: row.org_id, name: row.name },
        'execution-overdue',
        context,
        `No execution of ${what} began in the last ${formatInterval(row.interval_seconds)}.`,
        options,
      );
      if (fired.queued) any = true;
    }
    if (rows.length > 0) log.info({ overdue: rows.length }, 'alerts: overdue monitors fired');
    return any;
  });
  if (queued) options.deliveries.wake();
}

function formatInterval(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}
