/**
 * `weft event-webhooks:*` and `weft event-types:list`: where your own app hears about changes in Weft (instances
 * deployed, customers added, integrations published ...), with a test event and the delivery log.
 */
import type { ApiSchema, paths } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, printItems, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { choice } from '../../options.js';
import { type Column, formatRecord, truncate, yesNo } from '../../output.js';

type EventWebhook = ApiSchema<'EventWebhook'>;
type Delivery = ApiSchema<'EventWebhookDelivery'>;
type EventTypeInfo = ApiSchema<'EventTypeInfo'>;
type Changes = paths['/api/event-webhooks/{id}']['patch']['requestBody']['content']['application/json'];

const statuses = ['pending', 'delivered', 'failed'] as const;

/** `--events a,b --events c`: every type given, commas or repeats. */
function eventList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean),
  ];
}

const columns: Column<EventWebhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'name', value: (w) => w.name },
  { header: 'enabled', value: (w) => yesNo(w.enabled) },
  { header: 'signed', value: (w) => yesNo(w.hasSecret) },
  { header: 'events', value: (w) => truncate(w.eventTypes.join(','), 50) },
  { header: 'url', value: (w) => w.url },
];

function webhookRecord(webhook: EventWebhook): string {
  return formatRecord({
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    description: webhook.description,
    enabled: yesNo(webhook.enabled),
    signed: webhook.hasSecret ? 'yes (x-webhook-signature: sha256=<hex>)' : 'no',
    events: webhook.eventTypes.join(', '),
    created: webhook.createdAt,
    updated: webhook.updatedAt,
  });
}

const deliveryColumns: Column<Delivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'event', value: (d) => d.eventType },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => String(d.attempts) },
  { header: 'code', value: (d) => (d.lastStatusCode === null ? '' : String(d.lastStatusCode)) },
  { header: 'created', value: (d) => d.createdAt },
  {
    header: 'delivered / next attempt / error',
    value: (d) =>
      d.deliveredAt ?? truncate(d.lastError ?? (d.nextAttemptAt ? `next ${d.nextAttemptAt}` : ''), 80),
  },
];

function deliverySentence(delivery: Delivery): string {
  if (delivery.status === 'delivered') {
    return `Delivered ${delivery.eventType} (delivery ${delivery.id}): the receiver answered ${delivery.lastStatusCode}.\n`;
  }
  if (delivery.attempts === 0) {
    return `Queued ${delivery.eventType} (delivery ${delivery.id}): a worker process sends it.\n`;
  }
  return `${delivery.eventType} was not delivered (delivery ${delivery.id}, ${delivery.status}): ${delivery.lastError ?? 'no answer'}${delivery.nextAttemptAt ? `\nIt is tried again at ${delivery.nextAttemptAt}.` : ''}\n`;
}

interface CreateFlags {
  name: string;
  url: string;
  events: string[];
  secret?: string;
  generateSecret?: boolean;
  description?: string;
  disabled?: boolean;
}

interface UpdateFlags {
  name?: string;
  url?: string;
  events?: string[];
  description?: string;
  enable?: boolean;
  disable?: boolean;
  secret?: string;
  removeSecret?: boolean;
}

function changesOf(flags: UpdateFlags): Changes {
  const changes: Changes = {};
  if (flags.name !== undefined) changes.name = flags.name;
  if (flags.url !== undefined) changes.url = flags.url;
  if (flags.events !== undefined) changes.eventTypes = flags.events;
  if (flags.description !== undefined) changes.description = flags.description;
  if (flags.enable) changes.enabled = true;
  if (flags.disable) changes.enabled = false;
  if (flags.secret !== undefined) changes.secret = flags.secret;
  if (flags.removeSecret) changes.secret = null;
  return changes;
}

function registerWebhookCommands(program: Command): void {
  program
    .command('event-webhooks:create')
    .description('Create an event webhook: events of the types given are POSTed to the URL')
    .requiredOption('-n, --name <name>', 'name (unique in the organization)')
    .requiredOption('-u, --url <url>', 'where events are POSTed (http or https)')
    .requiredOption(
      '-e, --events <types>',
      'event types, comma-separated or repeated (customer.* for a whole group; see event-types:list)',
      eventList,
    )
    .option('--secret <secret>', 'sign requests with this secret (x-webhook-signature: sha256=<hex>)')
    .option('--generate-secret', 'let Weft make the signing secret; it is printed once')
    .option('-d, --description <text>', 'description')
    .option('--disabled', 'create it disabled (it receives nothing until enabled)')
    .action(
      apiAction(({ weft, json }, flags: CreateFlags) => {
        const body = {
          name: flags.name,
          url: flags.url,
          eventTypes: flags.events,
          description: flags.description,
          enabled: flags.disabled ? false : undefined,
          secret: flags.secret,
          generateSecret: flags.generateSecret ? true : undefined,
        };
        return printAnswerOf(
          json,
          weft.POST('/api/event-webhooks', { body }),
          (created) =>
            `Created event webhook ${created.name} (${created.id}).\n${webhookRecord(created)}${created.secret ? `Signing secret (shown only this once):\n  ${created.secret}\n` : ''}`,
        );
      }),
    );

  withPagingOptions(
    program.command('event-webhooks:list').description('List event webhooks, oldest first'),
    'event webhooks',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags) =>
      listPages(
        (cursor, limit) => weft.GET('/api/event-webhooks', { params: { query: { limit, cursor } } }),
        flags,
        { json, noun: 'event webhooks', columns },
      ),
    ),
  );

  program
    .command('event-webhooks:get <id>')
    .description('Show an event webhook')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.GET('/api/event-webhooks/{id}', { params: { path: { id } } }),
          webhookRecord,
        ),
      ),
    );

  program
    .command('event-webhooks:update <id>')
    .description(
      'Change an event webhook; only the options given change, and --events replaces the subscriptions',
    )
    .option('-n, --name <name>', 'new name')
    .option('-u, --url <url>', 'new URL')
    .option('-e, --events <types>', 'the event types (replaces them all)', eventList)
    .option('-d, --description <text>', 'new description')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it (it receives nothing until enabled)')
    .option('--secret <secret>', 'a new signing secret')
    .option('--remove-secret', 'stop signing requests')
    .action(
      apiAction(({ weft, json }, id: string, flags: UpdateFlags) =>
        printAnswerOf(
          json,
          weft.PATCH('/api/event-webhooks/{id}', { params: { path: { id } }, body: changesOf(flags) }),
          webhookRecord,
        ),
      ),
    );

  program
    .command('event-webhooks:delete <id>')
    .description('Delete an event webhook and its delivery log')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.DELETE('/api/event-webhooks/{id}', { params: { path: { id } } }),
          (deleted) => `Deleted event webhook ${deleted.name} (${deleted.id})\n`,
        ),
      ),
    );

  program
    .command('event-webhooks:test <id>')
    .description('Send a webhook.test event and say how it went')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/event-webhooks/{id}/test', { params: { path: { id } } }),
          deliverySentence,
        ),
      ),
    );

  withPagingOptions(
    program
      .command('event-webhooks:deliveries <id>')
      .description("An event webhook's delivery log, newest first (--json includes each body sent)")
      .option(
        '-s, --status <status>',
        'only deliveries with this status: pending, delivered or failed',
        choice(statuses, 'pending, delivered or failed'),
      ),
    'deliveries',
  ).action(
    apiAction(({ weft, json }, id: string, flags: PagingFlags & { status?: (typeof statuses)[number] }) =>
      listPages(
        (cursor, limit) =>
          weft.GET('/api/event-webhooks/{id}/deliveries', {
            params: { path: { id }, query: { status: flags.status, limit, cursor } },
          }),
        flags,
        { json, noun: 'deliveries', columns: deliveryColumns },
      ),
    ),
  );

  program
    .command('event-webhooks:retry <id> <deliveryId>')
    .description('Send a failed delivery again')
    .action(
      apiAction(({ weft, json }, id: string, deliveryId: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/event-webhooks/{id}/deliveries/{deliveryId}/retry', {
            params: { path: { id, deliveryId } },
          }),
          (delivery) => `Delivery ${delivery.id} (${delivery.eventType}) is queued again.\n`,
        ),
      ),
    );
}

const typeColumns: Column<EventTypeInfo>[] = [
  { header: 'type', value: (t) => t.type },
  { header: 'group', value: (t) => t.group },
  { header: 'description', value: (t) => t.description },
];

export function registerEventWebhookCommands(program: Command): void {
  registerWebhookCommands(program);
  program
    .command('event-types:list')
    .description('List the event types event webhooks can subscribe to')
    .action(apiAction(({ weft, json }) => printItems(json, weft.GET('/api/event-types'), typeColumns)));
}
