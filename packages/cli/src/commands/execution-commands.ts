import { type Command, InvalidArgumentError } from 'commander';
import { type ApiClient, ApiError, queryString } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatTable, printJson } from '../output.js';

/** `weft executions:list|replay|cancel` and `weft logs:search|tail` (`executions:show` is with the instances). */

interface ExecutionSummary {
  id: string;
  status: string;
  flow: string;
  instanceId: string;
  customerId: string;
  integrationId: string;
  triggerKind: string;
  attempt: number;
  retryOfId: string | null;
  retryNumber: number;
  replayOfId: string | null;
  invokedById: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error?: unknown;
}

interface LogEntry {
  executionId: string;
  instanceId: string;
  flow: string;
  timestamp: string;
  level: string;
  message: string;
  stepKey?: string;
}

interface LogPage {
  items: LogEntry[];
  nextCursor: string | null;
  tailCursor: string;
}

const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const triggerKinds = ['webhook', 'schedule', 'deploy', 'remove', 'test', 'crossFlow', 'retry', 'replay'];
const levels = ['trace', 'debug', 'info', 'warn', 'error', 'metric'];
const severities = ['trace', 'debug', 'info', 'warn', 'error'];

/** The most one page of the API holds. */
const maxPageSize = 500;
/** How often `logs:tail` asks for new lines. */
const tailIntervalMs = 1000;

function oneOf(allowed: string[], what: string) {
  return (value: string, previous?: string[] | string): string[] => {
    if (!allowed.includes(value)) {
      throw new InvalidArgumentError(`expected ${what}: ${allowed.join(', ')}.`);
    }
    return [...(Array.isArray(previous) ? previous : []), value];
  };
}

function severity(value: string): string {
  if (!severities.includes(value)) {
    throw new InvalidArgumentError(`expected a level: ${severities.join(', ')}.`);
  }
  return value;
}

function count(max: number) {
  return (value: string): number => {
    if (!/^[1-9]\d*$/.test(value) || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    }
    return Number(value);
  };
}

const durationUnits: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `--since`/`--until`: an ISO 8601 date-time, or a duration ago such as 30s, 15m, 1h, 2d, 1w. */
function pointInTime(value: string, now = Date.now()): string {
  const duration = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (duration) {
    return new Date(now - Number(duration[1]) * (durationUnits[duration[2] as string] ?? 0)).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    // A date alone, or a date-time without a zone, is UTC.
    const text = /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${value}T00:00:00Z`
      : /(Z|[+-]\d{2}:?\d{2})$/i.test(value)
        ? value
        : `${value}Z`;
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new InvalidArgumentError(
    'expected an ISO 8601 date-time (2026-05-01T12:00:00Z) or a duration ago (30s, 15m, 1h, 2d, 1w).',
  );
}

function short(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function errorText(error: unknown): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'string') return error;
  const { message } = error as { message?: unknown };
  return typeof message === 'string' ? message : JSON.stringify(error);
}

const executionColumns: Column<ExecutionSummary>[] = [
  { header: 'id', value: (e) => e.id },
  { header: 'status', value: (e) => e.status },
  { header: 'flow', value: (e) => e.flow },
  { header: 'trigger', value: (e) => e.triggerKind },
  { header: 'queued', value: (e) => e.queuedAt },
  { header: 'duration', value: (e) => (e.durationMs === null ? '-' : `${e.durationMs} ms`) },
  { header: 'error', value: (e) => short(errorText(e.error), 60) },
];

/** One log line for people: `timestamp LEVEL [flow] message`. */
function logLine(entry: LogEntry): string {
  return `${entry.timestamp} ${entry.level.toUpperCase().padEnd(5)} [${entry.flow}] ${entry.message}\n`;
}

const executionPath = (id: string, rest = '') => `/api/executions/${encodeURIComponent(id)}${rest}`;

/** Reads pages until `limit` items (or the last page). */
async function collectPages<T>(
  client: ApiClient,
  path: string,
  query: Record<string, string | string[] | undefined>,
  limit: number,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const pageSize = Math.min(maxPageSize, limit - items.length);
    const page = await client.request<{ items: T[]; nextCursor: string | null }>(
      'GET',
      `${path}${queryString({ ...query, limit: String(pageSize), cursor })}`,
    );
    items.push(...page.items);
    if (!page.nextCursor) return { items, more: false };
    if (items.length >= limit) return { items, more: true };
    cursor = page.nextCursor;
  }
}

interface LogFilterFlags {
  text?: string;
  level?: string[];
  minLevel?: string;
  instance?: string;
  customer?: string;
  integration?: string;
  flow?: string;
  execution?: string;
}

function logFilters(flags: LogFilterFlags): Record<string, string | string[] | undefined> {
  return {
    search: flags.text,
    level: flags.level,
    minLevel: flags.minLevel,
    instance: flags.instance,
    customer: flags.customer,
    integration: flags.integration,
    flow: flags.flow,
    execution: flags.execution,
  };
}

function addLogFilterOptions(command: Command): Command {
  return command
    .option('--text <text>', 'lines whose message contains this (any case)')
    .option(
      '--level <level>',
      `lines of this level (${levels.join(', ')}); repeat for several`,
      oneOf(levels, 'a level'),
    )
    .option(
      '--min-level <level>',
      'lines of this severity or higher (trace < debug < info < warn < error)',
      severity,
    )
    .option('--instance <id>', 'only lines of this instance')
    .option('--customer <customer>', "only lines of this customer's instances (id or external id)")
    .option('--integration <id>', 'only lines of instances of this integration')
    .option('--flow <name>', 'only lines of this flow')
    .option('--execution <id>', 'only lines of this execution');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** Follows new log lines until SIGINT/SIGTERM or the timeout. */
async function tailLogs(
  client: ApiClient,
  filters: Record<string, string | string[] | undefined>,
  options: { json: boolean; timeoutSeconds?: number },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer =
    options.timeoutSeconds !== undefined ? setTimeout(onSignal, options.timeoutSeconds * 1000) : undefined;
  try {
    const start = await client.request<LogPage>('GET', `/api/logs${queryString({ ...filters, limit: '0' })}`);
    let cursor = start.tailCursor;
    process.stderr.write('Following logs (Ctrl-C to stop)…\n');
    let unreachable = false;
    while (!stop.signal.aborted) {
      let page: LogPage;
      try {
        page = await client.request<LogPage>(
          'GET',
          `/api/logs${queryString({ ...filters, limit: String(maxPageSize), after: cursor })}`,
        );
      } catch (error) {
        if (error instanceof ApiError || !(error instanceof CliError)) throw error;
        // Weft restarting, or the network: say so once, keep trying.
        if (!unreachable) process.stderr.write(`${error.message} Retrying…\n`);
        unreachable = true;
        await sleep(tailIntervalMs, stop.signal);
        continue;
      }
      if (unreachable) process.stderr.write('Reconnected.\n');
      unreachable = false;
      for (const entry of page.items) {
        process.stdout.write(options.json ? `${JSON.stringify(entry)}\n` : logLine(entry));
      }
      cursor = page.tailCursor;
      if (!page.nextCursor) await sleep(tailIntervalMs, stop.signal);
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export function registerExecutionCommands(program: Command): void {
  program
    .command('executions:list')
    .description('List executions, newest first (--json: an array of executions, without steps or logs)')
    .option('--instance <id>', 'only executions of this instance')
    .option('--customer <customer>', "only executions of this customer's instances (id or external id)")
    .option('--integration <id>', 'only executions of instances of this integration')
    .option('--flow <name>', 'only executions of this flow')
    .option('--status <status>', `${statuses.join(', ')}; repeat for several`, oneOf(statuses, 'a status'))
    .option(
      '--trigger <kind>',
      `how it started (${triggerKinds.join(', ')}); repeat for several`,
      oneOf(triggerKinds, 'a trigger kind'),
    )
    .option('--since <time>', 'queued at or after: an ISO date-time, or a duration ago (30m, 1h, 2d)', (v) =>
      pointInTime(v),
    )
    .option('--until <time>', 'queued before: an ISO date-time, or a duration ago', (v) => pointInTime(v))
    .option('--limit <n>', 'at most this many executions (up to 10000)', count(10_000), 50)
    .action(
      async (
        flags: {
          instance?: string;
          customer?: string;
          integration?: string;
          flow?: string;
          status?: string[];
          trigger?: string[];
          since?: string;
          until?: string;
          limit: number;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const { items, more } = await collectPages<ExecutionSummary>(
          clientFor(options),
          '/api/executions',
          {
            instance: flags.instance,
            customer: flags.customer,
            integration: flags.integration,
            flow: flags.flow,
            status: flags.status,
            triggerKind: flags.trigger,
            from: flags.since,
            to: flags.until,
          },
          flags.limit,
        );
        if (options.json) return printJson(items);
        process.stdout.write(formatTable(items, executionColumns));
        if (more) process.stderr.write(`More executions follow: raise --limit (now ${flags.limit}).\n`);
      },
    );

  program
    .command('executions:replay <id>')
    .description(
      "Run an execution's flow again with the same request; prints the new execution id (--json: {id, executionId})",
    )
    .option(
      '--same-version',
      "run the integration version the original ran (default: the instance's current one)",
    )
    .action(async (id: string, flags: { sameVersion?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const replayed = await clientFor(options).request<{ id: string; executionId: string }>(
        'POST',
        executionPath(id, `/replay${flags.sameVersion ? '?sameVersion=true' : ''}`),
      );
      if (options.json) return printJson(replayed);
      process.stdout.write(`${replayed.id}\n`);
    });

  program
    .command('executions:cancel <id>')
    .description('Cancel a queued or running execution (--json: the execution)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const execution = await clientFor(options).request<ExecutionSummary>(
        'POST',
        executionPath(id, '/cancel'),
      );
      if (options.json) return printJson(execution);
      process.stdout.write(`Cancelled execution ${execution.id} (${execution.flow})\n`);
    });

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
      async (flags: LogFilterFlags & { since?: string; until?: string; limit: number }, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const { items, more } = await collectPages<LogEntry>(
          clientFor(options),
          '/api/logs',
          { ...logFilters(flags), from: flags.since, to: flags.until },
          flags.limit,
        );
        if (options.json) return printJson(items);
        if (items.length === 0) process.stdout.write('(none)\n');
        for (const entry of items) process.stdout.write(logLine(entry));
        if (more) process.stderr.write(`More lines follow: raise --limit (now ${flags.limit}).\n`);
      },
    );

  addLogFilterOptions(
    program
      .command('logs:tail')
      .description(
        'Follow new execution log lines, a couple of seconds behind: `timestamp LEVEL [flow] message` (--json: one JSON object per line); Ctrl-C stops',
      ),
  )
    .option('--timeout-seconds <n>', 'stop after this many seconds', count(86_400 * 365))
    .action(async (flags: LogFilterFlags & { timeoutSeconds?: number }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await tailLogs(clientFor(options), logFilters(flags), {
        json: Boolean(options.json),
        ...(flags.timeoutSeconds !== undefined ? { timeoutSeconds: flags.timeoutSeconds } : {}),
      });
    });
}
