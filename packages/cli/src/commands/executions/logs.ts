/** `logs:search` and `logs:tail`: execution log lines, searched or followed. */
import { setTimeout } from 'node:timers/promises';
import { type ApiSchema, answerOf, type paths, type WeftClient } from '@weft/client';
import type { Command } from 'commander';
import { collectPages, maxPageSize } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { choice, choices, count, pointInTime } from '../../options.js';
import { printJson } from '../../output.js';

type LogQuery = NonNullable<paths['/api/logs']['get']['parameters']['query']>;

const levels: NonNullable<LogQuery['level']> = ['trace', 'debug', 'info', 'warn', 'error', 'metric'];
const severities: NonNullable<LogQuery['minLevel']>[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** How often `logs:tail` asks for new lines. */
const tailIntervalMs = 1000;

/** One log line for people: `timestamp LEVEL [flow] message`. */
function logLine(entry: ApiSchema<'LogEntry'>): string {
  return `${entry.timestamp} ${entry.level.toUpperCase().padEnd(5)} [${entry.flow}] ${entry.message}\n`;
}

interface LogFilterFlags {
  text?: string;
  level?: LogQuery['level'];
  minLevel?: LogQuery['minLevel'];
  instance?: string;
  customer?: string;
  integration?: string;
  flow?: string;
  execution?: string;
}

function logFilters(flags: LogFilterFlags): LogQuery {
  const { level, minLevel, instance, customer, integration, flow, execution } = flags;
  return { search: flags.text, level, minLevel, instance, customer, integration, flow, execution };
}

function addLogFilterOptions(command: Command): Command {
  return command
    .option('--text <text>', 'lines whose message contains this (any case)')
    .option(
      '--level <level>',
      `lines of this level (${levels.join(', ')}); repeat for several`,
      choices(levels, `a level: ${levels.join(', ')}`),
    )
    .option(
      '--min-level <level>',
      'lines of this severity or higher (trace < debug < info < warn < error)',
      choice(severities, `a level: ${severities.join(', ')}`),
    )
    .option('--instance <id>', 'only lines of this instance')
    .option('--customer <customer>', "only lines of this customer's instances (id or external id)")
    .option('--integration <id>', 'only lines of instances of this integration')
    .option('--flow <name>', 'only lines of this flow')
    .option('--execution <id>', 'only lines of this execution');
}

/** Follows new log lines until SIGINT/SIGTERM or the timeout. */
async function tailLogs(
  weft: WeftClient,
  filters: LogQuery,
  options: { json: boolean; timeoutSeconds?: number | undefined },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer =
    options.timeoutSeconds !== undefined
      ? globalThis.setTimeout(onSignal, options.timeoutSeconds * 1000)
      : undefined;
  const pause = () => setTimeout(tailIntervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
  const logs = (query: LogQuery) =>
    answerOf(weft.GET('/api/logs', { params: { query: { ...filters, ...query } } }));
  try {
    let cursor = (await logs({ limit: 0 })).tailCursor;
    process.stderr.write('Following logs (Ctrl-C to stop)…\n');
    let unreachable = false;
    while (!stop.signal.aborted) {
      let page: ApiSchema<'LogPage'>;
      try {
        page = await logs({ limit: maxPageSize, after: cursor });
      } catch (error) {
        // A refusal ends it; Weft restarting, or the network, is said once and tried again.
        if (!(error instanceof CliError)) throw error;
        if (!unreachable) process.stderr.write(`${error.message} Retrying…\n`);
        unreachable = true;
        await pause();
        continue;
      }
      if (unreachable) process.stderr.write('Reconnected.\n');
      unreachable = false;
      for (const entry of page.items) {
        process.stdout.write(options.json ? `${JSON.stringify(entry)}\n` : logLine(entry));
      }
      cursor = page.tailCursor;
      if (!page.nextCursor) await pause();
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export function registerLogCommands(program: Command): void {
  addLogFilterOptions(
    program
      .command('logs:search')
      .description(
        'Search execution log lines, newest first: `timestamp LEVEL [flow] message` (--json: an array of lines)',
      ),
  )
    .option('--since <time>', 'logged at or after: an ISO date-time, or a duration ago (30m, 1h, 2d)', (v) =>
      pointInTime(v),
    )
    .option('--until <time>', 'logged before: an ISO date-time, or a duration ago', (v) => pointInTime(v))
    .option('--limit <n>', 'at most this many lines (up to 10000)', count(10_000), 100)
    .action(
      apiAction(
        async ({ weft, json }, flags: LogFilterFlags & { since?: string; until?: string; limit: number }) => {
          const query = { ...logFilters(flags), from: flags.since, to: flags.until };
          const { items, more } = await collectPages(
            (cursor, limit) => weft.GET('/api/logs', { params: { query: { ...query, limit, cursor } } }),
            flags.limit,
          );
          if (json) return printJson(items);
          if (items.length === 0) process.stdout.write('(none)\n');
          for (const entry of items) process.stdout.write(logLine(entry));
          if (more) process.stderr.write(`More lines follow: raise --limit (now ${flags.limit}).\n`);
        },
      ),
    );

  addLogFilterOptions(
    program
      .command('logs:tail')
      .description(
        'Follow new execution log lines, a couple of seconds behind: `timestamp LEVEL [flow] message` (--json: one JSON object per line); Ctrl-C stops',
      ),
  )
    .option('--timeout-seconds <n>', 'stop after this many seconds', count(86_400 * 365))
    .action(
      apiAction(async ({ weft, json }, flags: LogFilterFlags & { timeoutSeconds?: number }) => {
        await tailLogs(weft, logFilters(flags), { json, timeoutSeconds: flags.timeoutSeconds });
      }),
    );
}
