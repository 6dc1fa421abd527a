/** `weft audit:list`: who changed what, newest first. */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { pointInTime } from '../../options.js';
import { type Column, short } from '../../output.js';

type AuditEvent = ApiSchema<'AuditEvent'>;

/** `key=value` pairs of an event's details, on one line. */
function detailsText(details: AuditEvent['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

const columns: Column<AuditEvent>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'actor', value: (e) => `${e.actor.name} (${e.actor.kind})` },
  { header: 'action', value: (e) => e.action },
  { header: 'target', value: (e) => (e.target.id ? `${e.target.type} ${e.target.id}` : e.target.type) },
  { header: 'customer', value: (e) => e.customerId ?? '' },
  { header: 'details', value: (e) => short(detailsText(e.details), 80) },
];

interface ListFlags extends PagingFlags {
  actor?: string;
  action?: string;
  targetType?: string;
  target?: string;
  customer?: string;
  since?: string;
  until?: string;
}

export function registerAuditCommands(program: Command): void {
  withPagingOptions(
    program
      .command('audit:list')
      .description(
        'List audit events (who changed what), newest first (--json: {items, nextCursor}; owners and admins only)',
      )
      .option(
        '--actor <actor>',
        'only changes by this user, customer user or token: an id, or a name such as an email',
      )
      .option('--action <action>', "only actions starting with this: 'instance.' for every instance change")
      .option(
        '--target-type <type>',
        "only changes of this kind of thing: 'instance', 'integration', 'token', ...",
      )
      .option('--target <id>', 'only changes of the thing with this id')
      .option('--customer <customer>', 'only changes concerning this customer (id or external id)')
      .option(
        '--since <time>',
        'recorded at or after: an ISO date-time, or a duration ago (30m, 1h, 2d)',
        (v) => pointInTime(v),
      )
      .option('--until <time>', 'recorded before: an ISO date-time, or a duration ago', (v) =>
        pointInTime(v),
      ),
    'events',
  ).action(
    apiAction(({ weft, json }, flags: ListFlags) => {
      const { actor, action, targetType, customer, since, until } = flags;
      const filters = { actor, action, targetType, targetId: flags.target, customer, since, until };
      return listPages(
        (cursor, limit) =>
          weft.GET('/api/audit-events', { params: { query: { ...filters, limit, cursor } } }),
        flags,
        { json, noun: 'events', columns },
      );
    }),
  );
}
