/**
 * `weft alerts:*`: alert webhooks, groups, monitors and events, named like Prismatic's `prism alerts:*` so scripts
 * port. Lists (`--users`, `--webhooks`, `--triggers`, `--groups`) are comma-separated or, as prism takes them, JSON
 * arrays: `--triggers '["Execution Failed"]'` and `--triggers execution-failed,execution-overdue` both work.
 */
import { type ApiSchema, answerOf, type paths } from '@weft/client';
import { type Command, InvalidArgumentError } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { readUserFile } from '../../files.js';
import { choice, collect, count, trueOrFalse } from '../../options.js';
import { type Column, formatRecord, printAnswer, printTable, truncate, yesNo } from '../../output.js';

type AlertWebhook = ApiSchema<'AlertWebhook'>;
type AlertGroup = ApiSchema<'AlertGroup'>;
type AlertMonitor = ApiSchema<'AlertMonitor'>;
type AlertEvent = ApiSchema<'AlertEvent'>;
type AlertDelivery = ApiSchema<'AlertDelivery'>;
type AlertTrigger = ApiSchema<'AlertTrigger'>;
type WebhookCreate = paths['/api/alert-webhooks']['post']['requestBody']['content']['application/json'];
type MonitorCreate = paths['/api/alert-monitors']['post']['requestBody']['content']['application/json'];

/** A list option: a JSON array of strings (prism's form) or comma-separated values. */
export function listOption(value: string): string[] {
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError('expected a JSON array of strings or comma-separated values.');
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
      throw new InvalidArgumentError('expected a JSON array of strings.');
    }
    return parsed;
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** `--header 'Name: value'`, repeatable; or `--headers '{"Name": "value"}'` as prism takes them. */
function headersOf(flags: { header?: string[]; headers?: string }): Record<string, string> | undefined {
  if (flags.headers !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.headers);
    } catch {
      throw new InvalidArgumentError(`--headers: expected a JSON object of header names to values.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidArgumentError('--headers: expected a JSON object of header names to values.');
    }
    return parsed as Record<string, string>;
  }
  if (!flags.header) return undefined;
  const headers: Record<string, string> = {};
  for (const line of flags.header) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InvalidArgumentError(`--header '${line}': expected 'Name: value'.`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function templateOf(flags: {
  payloadTemplate?: string;
  templateFile?: string;
}): Promise<string | undefined> {
  if (flags.templateFile)
    return (await readUserFile(flags.templateFile, 'the payload template')).toString('utf8');
  return flags.payloadTemplate;
}

const webhookColumns: Column<AlertWebhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'name', value: (w) => w.name },
  { header: 'url', value: (w) => truncate(w.url, 50) },
  { header: 'preset', value: (w) => w.preset },
  { header: 'signed', value: (w) => yesNo(w.hasSigningSecret) },
];

function webhookRecord(webhook: AlertWebhook): string {
  return formatRecord({
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    preset: webhook.preset,
    headers: webhook.headerNames.join(', '),
    signed: yesNo(webhook.hasSigningSecret),
    ...(webhook.signingSecret ? { 'signing secret (shown once)': webhook.signingSecret } : {}),
    'payload template': webhook.payloadTemplate,
  });
}

const groupColumns: Column<AlertGroup>[] = [
  { header: 'id', value: (g) => g.id },
  { header: 'name', value: (g) => g.name },
  { header: 'users', value: (g) => truncate(g.users.map((u) => u.email ?? u.name).join(','), 50) },
  { header: 'webhooks', value: (g) => truncate(g.webhooks.map((w) => w.name).join(','), 40) },
  { header: 'monitors', value: (g) => String(g.monitorCount) },
];

function groupRecord(group: AlertGroup): string {
  return formatRecord({
    id: group.id,
    name: group.name,
    users: group.users.map((u) => `${u.email ?? u.name} (${u.kind})`).join(', '),
    webhooks: group.webhooks.map((w) => w.name).join(', '),
    monitors: String(group.monitorCount),
  });
}

function scopeOf(monitor: AlertMonitor): string {
  const parts = [
    monitor.instanceName ? `instance ${monitor.instanceName}` : '',
    monitor.integrationName ? `integration ${monitor.integrationName}` : '',
    monitor.customerName ? `customer ${monitor.customerName}` : '',
  ].filter(Boolean);
  const scope = parts.length > 0 ? parts.join(', ') : 'every instance';
  return monitor.flowName ? `${scope}, flow ${monitor.flowName}` : scope;
}

const monitorColumns: Column<AlertMonitor>[] = [
  { header: 'id', value: (m) => m.id },
  { header: 'name', value: (m) => m.name },
  { header: 'watches', value: (m) => truncate(scopeOf(m), 50) },
  { header: 'triggers', value: (m) => m.triggers.join(',') },
  { header: 'triggered', value: (m) => yesNo(m.triggered) },
];

function monitorRecord(monitor: AlertMonitor): string {
  return formatRecord({
    id: monitor.id,
    name: monitor.name,
    watches: scopeOf(monitor),
    triggers: monitor.triggers.join(', '),
    ...(monitor.durationThresholdMs !== null
      ? { 'duration threshold': `${monitor.durationThresholdMs} ms` }
      : {}),
    ...(monitor.overdueIntervalSeconds !== null
      ? { 'overdue after': `${monitor.overdueIntervalSeconds} s` }
      : {}),
    ...(monitor.logLevel !== null ? { 'log level': monitor.logLevel } : {}),
    groups: monitor.groups.map((g) => g.name).join(', '),
    enabled: yesNo(monitor.enabled),
    triggered: `${yesNo(monitor.triggered)} (${monitor.openEvents} open)`,
  });
}

const eventColumns: Column<AlertEvent>[] = [
  { header: 'id', value: (e) => e.id },
  { header: 'when', value: (e) => e.createdAt },
  { header: 'trigger', value: (e) => e.triggerName },
  { header: 'instance', value: (e) => e.instanceName ?? '' },
  { header: 'message', value: (e) => truncate(e.message, 60) },
  { header: 'cleared', value: (e) => e.clearedAt ?? '' },
];

const deliveryColumns: Column<AlertDelivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'to', value: (d) => d.recipient ?? d.webhookName ?? '' },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => String(d.attempts) },
  { header: 'code', value: (d) => (d.lastStatusCode === null ? '' : String(d.lastStatusCode)) },
  { header: 'error', value: (d) => truncate(d.lastError ?? '', 50) },
];

const triggerColumns: Column<AlertTrigger>[] = [
  { header: 'key', value: (t) => t.key },
  { header: 'name', value: (t) => t.name },
  { header: 'watches', value: (t) => t.scope },
  { header: 'needs', value: (t) => t.setting ?? '' },
];

function printDeliveries(json: boolean, answer: { deliveries: AlertDelivery[] }): void {
  printTable(json, answer, answer.deliveries, deliveryColumns);
}

function registerWebhookCommands(program: Command): void {
  program
    .command('alerts:webhooks:create')
    .description('Create an alert webhook (alert groups send their alerts to it)')
    .requiredOption('-n, --name <name>', 'name (unique in the organization)')
    .requiredOption('-u, --url <url>', 'where alerts are POSTed')
    .option(
      '-p, --preset <preset>',
      'custom, slack or pagerduty',
      choice(['custom', 'slack', 'pagerduty'] as const, 'custom, slack or pagerduty'),
    )
    .option(
      '-t, --payload-template <template>',
      'the body, with $NAME, $INSTANCE, $TRIGGER, $URL ... variables',
    )
    .option('--payloadTemplate <template>', 'the same, as prism spells it')
    .option('--template-file <file>', 'read the payload template from a file')
    .option('-H, --header <header>', "a request header 'Name: value'; repeat for several", collect)
    .option('--headers <json>', 'request headers as a JSON object (as prism takes them)')
    .option('--secret <secret>', 'sign requests with this HMAC-SHA256 key')
    .option('--generate-secret', 'make a signing secret and print it once')
    .action(
      apiAction(
        async (
          { weft, json },
          flags: {
            name: string;
            url: string;
            preset?: 'custom' | 'slack' | 'pagerduty';
            payloadTemplate?: string;
            templateFile?: string;
            header?: string[];
            headers?: string;
            secret?: string;
            generateSecret?: boolean;
          },
        ) => {
          const body: WebhookCreate = { name: flags.name, url: flags.url };
          if (flags.preset) body.preset = flags.preset;
          const template = await templateOf(flags);
          if (template !== undefined) body.payloadTemplate = template;
          const headers = headersOf(flags);
          if (headers) body.headers = headers;
          if (flags.secret) body.signingSecret = flags.secret;
          if (flags.generateSecret) body.generateSigningSecret = true;
          return printAnswerOf(json, weft.POST('/api/alert-webhooks', { body }), webhookRecord);
        },
      ),
    );

  withPagingOptions(
    program.command('alerts:webhooks:list').description('List alert webhooks'),
    'alert webhooks',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags) =>
      listPages(
        (cursor, limit) => weft.GET('/api/alert-webhooks', { params: { query: { limit, cursor } } }),
        flags,
        {
          json,
          noun: 'alert webhooks',
          columns: webhookColumns,
        },
      ),
    ),
  );

  program
    .command('alerts:webhooks:get <id>')
    .description('Show an alert webhook')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.GET('/api/alert-webhooks/{id}', { params: { path: { id } } }),
          webhookRecord,
        ),
      ),
    );

  program
    .command('alerts:webhooks:delete <id>')
    .description('Delete an alert webhook')
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        await answerOf(weft.DELETE('/api/alert-webhooks/{id}', { params: { path: { id } } }));
        printAnswer(json, { id, deleted: true }, () => `Deleted alert webhook ${id}\n`);
      }),
    );

  program
    .command('alerts:webhooks:test <id>')
    .description('Send a sample alert to an alert webhook now, and say how it went')
    .action(
      apiAction(async ({ weft, json }, id: string) =>
        printDeliveries(
          json,
          await answerOf(weft.POST('/api/alert-webhooks/{id}/test', { params: { path: { id } } })),
        ),
      ),
    );

  withPagingOptions(
    program
      .command('alerts:webhooks:deliveries <id>')
      .description("List an alert webhook's deliveries, newest first"),
    'deliveries',
  ).action(
    apiAction(({ weft, json }, id: string, flags: PagingFlags) =>
      listPages(
        (cursor, limit) =>
          weft.GET('/api/alert-webhooks/{id}/deliveries', {
            params: { path: { id }, query: { limit, cursor } },
          }),
        flags,
        { json, noun: 'deliveries', columns: deliveryColumns },
      ),
    ),
  );

  program
    .command('alerts:deliveries:retry <id>')
    .description('Send a failed alert delivery again')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/alert-deliveries/{id}/retry', { params: { path: { id } } }),
          (d) => `Delivery ${d.id}: ${d.status}${d.lastError ? ` (${d.lastError})` : ''}\n`,
        ),
      ),
    );
}

function registerGroupCommands(program: Command): void {
  program
    .command('alerts:groups:create')
    .description('Create an alert group: users (emailed) and webhooks to notify')
    .requiredOption('-n, --name <name>', 'name (unique in the organization)')
    .option('--users <list>', 'users by id or email: comma-separated or a JSON array', listOption)
    .option('--webhooks <list>', 'alert webhooks by id or name: comma-separated or a JSON array', listOption)
    .action(
      apiAction(({ weft, json }, flags: { name: string; users?: string[]; webhooks?: string[] }) =>
        printAnswerOf(
          json,
          weft.POST('/api/alert-groups', {
            body: {
              name: flags.name,
              ...(flags.users ? { users: flags.users } : {}),
              ...(flags.webhooks ? { webhooks: flags.webhooks } : {}),
            },
          }),
          groupRecord,
        ),
      ),
    );

  withPagingOptions(
    program.command('alerts:groups:list').description('List alert groups'),
    'alert groups',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags) =>
      listPages(
        (cursor, limit) => weft.GET('/api/alert-groups', { params: { query: { limit, cursor } } }),
        flags,
        {
          json,
          noun: 'alert groups',
          columns: groupColumns,
        },
      ),
    ),
  );

  program
    .command('alerts:groups:get <id>')
    .description('Show an alert group')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(json, weft.GET('/api/alert-groups/{id}', { params: { path: { id } } }), groupRecord),
      ),
    );

  program
    .command('alerts:groups:update <id>')
    .description("Change an alert group's name, users or webhooks (lists replace the current ones)")
    .option('-n, --name <name>', 'new name')
    .option('--users <list>', 'users by id or email', listOption)
    .option('--webhooks <list>', 'alert webhooks by id or name', listOption)
    .action(
      apiAction(
        ({ weft, json }, id: string, flags: { name?: string; users?: string[]; webhooks?: string[] }) =>
          printAnswerOf(
            json,
            weft.PATCH('/api/alert-groups/{id}', { params: { path: { id } }, body: flags }),
            groupRecord,
          ),
      ),
    );

  program
    .command('alerts:groups:delete <id>')
    .description('Delete an alert group')
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        await answerOf(weft.DELETE('/api/alert-groups/{id}', { params: { path: { id } } }));
        printAnswer(json, { id, deleted: true }, () => `Deleted alert group ${id}\n`);
      }),
    );

  program
    .command('alerts:groups:test <id>')
    .description("Send a sample alert to an alert group's users and webhooks now")
    .action(
      apiAction(async ({ weft, json }, id: string) =>
        printDeliveries(
          json,
          await answerOf(weft.POST('/api/alert-groups/{id}/test', { params: { path: { id } } })),
        ),
      ),
    );
}

interface MonitorFlags {
  name: string;
  instance?: string;
  integration?: string;
  customer?: string;
  flow?: string;
  triggers: string[];
  groups?: string[];
  durationThresholdMs?: number;
  overdueIntervalSeconds?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  disabled?: boolean;
}

function registerMonitorCommands(program: Command): void {
  program
    .command('alerts:triggers:list')
    .description('List the alert triggers monitors take')
    .action(
      apiAction(async ({ weft, json }) => {
        const triggers = await answerOf(weft.GET('/api/alert-triggers'));
        printTable(json, triggers, triggers, triggerColumns);
      }),
    );

  program
    .command('alerts:monitors:create')
    .description('Create an alert monitor on an instance, or as a default for an integration or customer')
    .requiredOption('-n, --name <name>', 'name')
    .option('-i, --instance <id>', 'the instance it watches')
    .option('--integration <id>', 'a default: every instance of this integration')
    .option('--customer <id>', 'a default: every instance of this customer')
    .option('-f, --flow <name>', "only this flow's executions")
    .requiredOption(
      '-t, --triggers <list>',
      'trigger keys or names: comma-separated or a JSON array',
      listOption,
    )
    .option('-g, --groups <list>', 'alert groups by id or name', listOption)
    .option('--duration-threshold-ms <ms>', 'for execution-duration-exceeded', count(86_400_000))
    .option('--overdue-interval-seconds <s>', 'for execution-overdue (60 or more)', count(31_536_000))
    .option(
      '--log-level <level>',
      'for log-level-exceeded: debug, info, warn or error',
      choice(['debug', 'info', 'warn', 'error'] as const, 'debug, info, warn or error'),
    )
    .option('--disabled', 'create it switched off')
    .action(
      apiAction(({ weft, json }, flags: MonitorFlags) => {
        const body: MonitorCreate = { name: flags.name, triggers: flags.triggers };
        if (flags.instance) body.instance = flags.instance;
        if (flags.integration) body.integration = flags.integration;
        if (flags.customer) body.customer = flags.customer;
        if (flags.flow) body.flow = flags.flow;
        if (flags.groups) body.groups = flags.groups;
        if (flags.durationThresholdMs !== undefined) body.durationThresholdMs = flags.durationThresholdMs;
        if (flags.overdueIntervalSeconds !== undefined)
          body.overdueIntervalSeconds = flags.overdueIntervalSeconds;
        if (flags.logLevel) body.logLevel = flags.logLevel;
        if (flags.disabled) body.enabled = false;
        return printAnswerOf(json, weft.POST('/api/alert-monitors', { body }), monitorRecord);
      }),
    );

  withPagingOptions(
    program
      .command('alerts:monitors:list')
      .description('List alert monitors')
      .option('-i, --instance <id>', "only this instance's")
      .option('--triggered <true|false>', 'only monitors with (or without) open events', trueOrFalse),
    'alert monitors',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags & { instance?: string; triggered?: boolean }) =>
      listPages(
        (cursor, limit) =>
          weft.GET('/api/alert-monitors', {
            params: { query: { limit, cursor, instance: flags.instance, triggered: flags.triggered } },
          }),
        flags,
        { json, noun: 'alert monitors', columns: monitorColumns },
      ),
    ),
  );

  program
    .command('alerts:monitors:get <id>')
    .description('Show an alert monitor')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.GET('/api/alert-monitors/{id}', { params: { path: { id } } }),
          monitorRecord,
        ),
      ),
    );

  program
    .command('alerts:monitors:delete <id>')
    .description('Delete an alert monitor')
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        await answerOf(weft.DELETE('/api/alert-monitors/{id}', { params: { path: { id } } }));
        printAnswer(json, { id, deleted: true }, () => `Deleted alert monitor ${id}\n`);
      }),
    );

  program
    .command('alerts:monitors:clear <id>')
    .description("Clear a monitor's open events (someone is on it)")
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/alert-monitors/{id}/clear', { params: { path: { id } } }),
          (a) => `Cleared ${a.cleared} event${a.cleared === 1 ? '' : 's'}\n`,
        ),
      ),
    );

  for (const name of ['alerts:events', 'alerts:events:list']) {
    withPagingOptions(
      program
        .command(`${name} [monitor]`)
        .description(
          "List alert events, newest first (a monitor's with --monitor, as prism takes it as an argument)",
        )
        .option('-m, --monitor <id>', "the monitor's events")
        .option('-i, --instance <id>', "the instance's events")
        .option('--open', 'only events not cleared'),
      'alert events',
    ).action(
      apiAction(
        (
          { weft, json },
          monitorArgument: string | undefined,
          flags: PagingFlags & { monitor?: string; instance?: string; open?: boolean },
        ) =>
          listPages(
            (cursor, limit) =>
              weft.GET('/api/alert-events', {
                params: {
                  query: {
                    limit,
                    cursor,
                    monitor: flags.monitor ?? monitorArgument,
                    instance: flags.instance,
                    ...(flags.open ? { open: true } : {}),
                  },
                },
              }),
            flags,
            { json, noun: 'alert events', columns: eventColumns },
          ),
      ),
    );
  }

  program
    .command('alerts:events:clear <id>')
    .description('Clear an alert event')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(json, weft.POST('/api/alert-events/{id}/clear', { params: { path: { id } } }), (a) =>
          a.cleared ? 'Cleared\n' : 'It was cleared already\n',
        ),
      ),
    );
}

export function registerAlertCommands(program: Command): void {
  registerWebhookCommands(program);
  registerGroupCommands(program);
  registerMonitorCommands(program);
}
