/**
 * `weft executions:list|replay|cancel` and `weft logs:search|tail` (`executions:show` is registered with the
 * instances, after `instances:test`).
 */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { collectPages, printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { choices, count, pointInTime } from '../../options.js';
import { type Column, errorText, formatTable, printJson, short } from '../../output.js';
import { registerLogCommands } from './logs.js';

type ExecutionSummary = ApiSchema<'ExecutionSummary'>;

/** Every value of a generated union, once: the compiler refuses the list while one is missing or unknown. */
function everyValueOf<Union extends string>() {
  return <const List extends readonly Union[]>(
    list: List & ([Union] extends [List[number]] ? unknown : 'missing a value of the API'),
  ): List => list;
}

// Option choices, written out for the help text; the API's schema is what keeps them complete.
const statuses = everyValueOf<ExecutionSummary['status']>()([
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);
const triggerKinds = everyValueOf<ExecutionSummary['triggerKind']>()([
  'webhook',
  'schedule',
  'deploy',
  'remove',
  'test',
  'crossFlow',
  'retry',
  'replay',
]);

const executionColumns: Column<ExecutionSummary>[] = [
  { header: 'id', value: (e) => e.id },
  { header: 'status', value: (e) => e.status },
  { header: 'flow', value: (e) => e.flow },
  { header: 'trigger', value: (e) => e.triggerKind },
  { header: 'queued', value: (e) => e.queuedAt },
  { header: 'duration', value: (e) => (e.durationMs === null ? '-' : `${e.durationMs} ms`) },
  { header: 'error', value: (e) => short(errorText(e.error), 60) },
];

interface ListFlags {
  instance?: string;
  customer?: string;
  integration?: string;
  flow?: string;
  status?: ExecutionSummary['status'][];
  trigger?: ExecutionSummary['triggerKind'][];
  since?: string;
  until?: string;
  limit: number;
}

function registerList(program: Command): void {
  program
    .command('executions:list')
    .description('List executions, newest first (--json: an array of executions, without steps or logs)')
    .option('--instance <id>', 'only executions of this instance')
    .option('--customer <customer>', "only executions of this customer's instances (id or external id)")
    .option('--integration <id>', 'only executions of instances of this integration')
    .option('--flow <name>', 'only executions of this flow')
    .option(
      '--status <status>',
      `${statuses.join(', ')}; repeat for several`,
      choices(statuses, `a status: ${statuses.join(', ')}`),
    )
    .option(
      '--trigger <kind>',
      `how it started (${triggerKinds.join(', ')}); repeat for several`,
      choices(triggerKinds, `a trigger kind: ${triggerKinds.join(', ')}`),
    )
    .option('--since <time>', 'queued at or after: an ISO date-time, or a duration ago (30m, 1h, 2d)', (v) =>
      pointInTime(v),
    )
    .option('--until <time>', 'queued before: an ISO date-time, or a duration ago', (v) => pointInTime(v))
    .option('--limit <n>', 'at most this many executions (up to 10000)', count(10_000), 50)
    .action(
      apiAction(async ({ weft, json }, flags: ListFlags) => {
        const { instance, customer, integration, flow, status } = flags;
        const filters = { instance, customer, integration, flow, status, triggerKind: flags.trigger };
        const { items, more } = await collectPages(
          (cursor, limit) =>
            weft.GET('/api/executions', {
              params: { query: { ...filters, from: flags.since, to: flags.until, limit, cursor } },
            }),
          flags.limit,
        );
        if (json) return printJson(items);
        process.stdout.write(formatTable(items, executionColumns));
        if (more) process.stderr.write(`More executions follow: raise --limit (now ${flags.limit}).\n`);
      }),
    );
}

function registerReplayAndCancel(program: Command): void {
  program
    .command('executions:replay <id>')
    .description(
      "Run an execution's flow again with the same request; prints the new execution id (--json: {id, executionId})",
    )
    .option(
      '--same-version',
      "run the integration version the original ran (default: the instance's current one)",
    )
    .action(
      apiAction(({ weft, json }, id: string, flags: { sameVersion?: boolean }) => {
        const query = { sameVersion: flags.sameVersion ? true : undefined };
        const replay = weft.POST('/api/executions/{id}/replay', { params: { path: { id }, query } });
        return printAnswerOf(json, replay, (replayed) => `${replayed.id}\n`);
      }),
    );

  program
    .command('executions:cancel <id>')
    .description('Cancel a queued or running execution (--json: the execution)')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/executions/{id}/cancel', { params: { path: { id } } }),
          (cancelled) => `Cancelled execution ${cancelled.id} (${cancelled.flow})\n`,
        ),
      ),
    );
}

export function registerExecutionCommands(program: Command): void {
  registerList(program);
  registerReplayAndCancel(program);
  registerLogCommands(program);
}
