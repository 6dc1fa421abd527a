/**
 * `weft log-streams:*`: send every execution log line to DataDog, New Relic or any HTTP endpoint, with headers and a
 * payload template; see each stream's backlog, drops and last error; send a test payload.
 */
import { type ApiSchema, answerOf, type paths } from '@weft/client';
import { type Command, InvalidArgumentError } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { readUserFile } from '../../files.js';
import { choice, collect, positiveInteger } from '../../options.js';
import { type Column, formatRecord, printAnswer, truncate, yesNo } from '../../output.js';

type LogStream = ApiSchema<'LogStream'>;
type TestResult = ApiSchema<'LogStreamTestResult'>;
type Presets = ApiSchema<'LogStreamPresets'>;
type Changes = paths['/api/log-streams/{id}']['patch']['requestBody']['content']['application/json'];

const presetKeys = ['custom', 'datadog', 'new-relic'] as const;
type PresetKey = (typeof presetKeys)[number];
const presetChoice = choice(presetKeys, 'custom, datadog or new-relic');

/** `--header 'Name: value'`, repeatable: each header given. */
function header(value: string, previous: [string, string][] = []): [string, string][] {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon).trim() : '';
  if (!name) throw new InvalidArgumentError("expected 'Name: value' (such as 'DD-API-KEY: abc123').");
  return [...previous, [name, value.slice(colon + 1).trim()]];
}

const columns: Column<LogStream>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'preset', value: (s) => s.preset },
  { header: 'state', value: (s) => s.status.state },
  { header: 'backlog', value: (s) => String(s.status.backlogExecutions) },
  { header: 'dropped', value: (s) => String(s.status.droppedExecutions) },
  { header: 'delivered lines', value: (s) => String(s.status.deliveredLines) },
  { header: 'url', value: (s) => truncate(s.url, 60) },
];

function streamRecord(stream: LogStream): string {
  const { status } = stream;
  return formatRecord({
    id: stream.id,
    name: stream.name,
    url: stream.url,
    preset: stream.preset,
    enabled: yesNo(stream.enabled),
    headers: stream.headerNames.join(', ') || '(none)',
    format: stream.format,
    'metric fields': stream.metricFields.join(', '),
    'backlog limit': `${stream.backlogLimit} executions`,
    state: status.state,
    backlog: `${status.backlogExecutions} executions`,
    dropped: `${status.droppedExecutions} executions`,
    'delivered lines': String(status.deliveredLines),
    'last delivered': status.lastDeliveredAt ?? '',
    'last error': status.lastError ? `${status.lastError} (${status.lastErrorAt})` : '',
    'next attempt': status.nextAttemptAt ?? '',
    summary: status.summary,
    created: stream.createdAt,
    updated: stream.updatedAt,
  });
}

function testSentence(result: TestResult): string {
  return result.delivered
    ? `Delivered the test payload: the endpoint answered ${result.statusCode}.\n`
    : `The test payload was not delivered: ${result.error ?? `the endpoint answered ${result.statusCode}`}\n`;
}

/** The template a user names: a file, or `-` for stdin. */
async function readTemplate(file: string): Promise<string> {
  if (file !== '-') return (await readUserFile(file, 'the template')).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface CreateFlags {
  name: string;
  url?: string;
  preset?: PresetKey;
  region?: string;
  header?: [string, string][];
  template?: string;
  backlogLimit?: string;
  disabled?: boolean;
}

interface UpdateFlags {
  name?: string;
  url?: string;
  preset?: PresetKey;
  header?: [string, string][];
  removeHeader?: string[];
  template?: string;
  backlogLimit?: string;
  enable?: boolean;
  disable?: boolean;
}

function registerCreateAndList(program: Command): void {
  program
    .command('log-streams:create')
    .description(
      'Stream every execution log line to an HTTP endpoint (DataDog, New Relic, your own), rendered with a template',
    )
    .requiredOption('-n, --name <name>', 'name (unique in the organization)')
    .option(
      '-u, --url <url>',
      'where batches of lines are POSTed (with --preset: its region URL when not given)',
    )
    .option('-p, --preset <preset>', 'custom, datadog or new-relic (fills in URL and template)', presetChoice)
    .option(
      '--region <region>',
      "the preset's region (datadog: us, us3, us5, eu, ap1, us1-fed; new-relic: us, eu)",
    )
    .option(
      "-H, --header <'Name: value'>",
      "a header sent with each batch, such as 'DD-API-KEY: abc'; repeat",
      header,
    )
    .option(
      '-t, --template <file>',
      'the payload template (- reads stdin); by default the one log-streams:presets shows',
    )
    .option(
      '--backlog-limit <n>',
      'most executions kept while the endpoint fails (default 10000)',
      positiveInteger,
    )
    .option('--disabled', 'create it disabled (nothing is queued until enabled)')
    .action(
      apiAction(async ({ weft, json }, flags: CreateFlags) => {
        let url = flags.url;
        if (flags.region !== undefined) {
          if (!flags.preset || flags.preset === 'custom') {
            throw new CliError('--region needs --preset datadog or --preset new-relic.', 2);
          }
          const { presets } = await answerOf(weft.GET('/api/log-streams/presets'));
          const preset = presets.find((entry) => entry.key === flags.preset);
          const region = preset?.regions.find((entry) => entry.key === flags.region);
          if (!region) {
            const known = preset?.regions.map((entry) => entry.key).join(', ');
            throw new CliError(`${flags.preset} has no region '${flags.region}': use one of ${known}.`, 2);
          }
          url ??= region.url;
        }
        if (url === undefined && (!flags.preset || flags.preset === 'custom')) {
          throw new CliError('Give --url (or --preset datadog or new-relic).', 2);
        }
        const body = {
          name: flags.name,
          url,
          preset: flags.preset,
          headers: flags.header ? Object.fromEntries(flags.header) : undefined,
          payloadTemplate: flags.template !== undefined ? await readTemplate(flags.template) : undefined,
          backlogLimit: flags.backlogLimit !== undefined ? Number(flags.backlogLimit) : undefined,
          enabled: flags.disabled ? false : undefined,
        };
        return printAnswerOf(
          json,
          weft.POST('/api/log-streams', { body }),
          (created) => `Created log stream ${created.name} (${created.id}).\n${streamRecord(created)}`,
        );
      }),
    );

  withPagingOptions(
    program.command('log-streams:list').description('List log streams with their state, backlog and drops'),
    'log streams',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags) =>
      listPages(
        (cursor, limit) => weft.GET('/api/log-streams', { params: { query: { limit, cursor } } }),
        flags,
        { json, noun: 'log streams', columns },
      ),
    ),
  );

  program
    .command('log-streams:presets')
    .description("DataDog's and New Relic's URLs and headers, and the placeholders a template may use")
    .action(
      apiAction(({ weft, json }) =>
        printAnswerOf(json, weft.GET('/api/log-streams/presets'), (answer: Presets) => {
          const services = answer.presets
            .filter((preset) => preset.regions.length > 0)
            .map(
              (preset) =>
                `${preset.name} (--preset ${preset.key}): header ${preset.header}\n${preset.regions
                  .map((region) => `  --region ${region.key.padEnd(8)} ${region.url}`)
                  .join('\n')}\n`,
            );
          const names = answer.placeholders.map((placeholder) => `{{ ${placeholder.name} }}`).join(' ');
          return `${services.join('')}Placeholders: ${names}\n`;
        }),
      ),
    );
}

function registerStreamCommands(program: Command): void {
  program
    .command('log-streams:get <id>')
    .description('Show a log stream and its status (backlog, drops, delivered lines, last error)')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(json, weft.GET('/api/log-streams/{id}', { params: { path: { id } } }), streamRecord),
      ),
    );

  program
    .command('log-streams:update <id>')
    .description('Change a log stream; only the options given change, and headers not named stay')
    .option('-n, --name <name>', 'new name')
    .option('-u, --url <url>', 'new URL')
    .option('-p, --preset <preset>', 'custom, datadog or new-relic', presetChoice)
    .option("-H, --header <'Name: value'>", 'set a header; repeat', header)
    .option('--remove-header <name>', 'stop sending a header; repeat', collect)
    .option('-t, --template <file>', 'a new payload template (- reads stdin)')
    .option('--backlog-limit <n>', 'most executions kept while the endpoint fails', positiveInteger)
    .option('--enable', 'enable it')
    .option('--disable', 'disable it (nothing is queued until enabled)')
    .action(
      apiAction(async ({ weft, json }, id: string, flags: UpdateFlags) => {
        const changes: Changes = {};
        if (flags.name !== undefined) changes.name = flags.name;
        if (flags.url !== undefined) changes.url = flags.url;
        if (flags.preset !== undefined) changes.preset = flags.preset;
        if (flags.header || flags.removeHeader) {
          changes.headers = {
            ...Object.fromEntries((flags.removeHeader ?? []).map((name) => [name, null])),
            ...Object.fromEntries(flags.header ?? []),
          };
        }
        if (flags.template !== undefined) changes.payloadTemplate = await readTemplate(flags.template);
        if (flags.backlogLimit !== undefined) changes.backlogLimit = Number(flags.backlogLimit);
        if (flags.enable) changes.enabled = true;
        if (flags.disable) changes.enabled = false;
        return printAnswerOf(
          json,
          weft.PATCH('/api/log-streams/{id}', { params: { path: { id } }, body: changes }),
          streamRecord,
        );
      }),
    );

  program
    .command('log-streams:delete <id>')
    .description('Delete a log stream (what waits in its backlog is dropped)')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.DELETE('/api/log-streams/{id}', { params: { path: { id } } }),
          (deleted) => `Deleted log stream ${deleted.name} (${deleted.id})\n`,
        ),
      ),
    );

  program
    .command('log-streams:test <id>')
    .description('Send a test payload now and say what the endpoint answered (exit 1 when not delivered)')
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        const result = await answerOf(weft.POST('/api/log-streams/{id}/test', { params: { path: { id } } }));
        printAnswer(json, result, testSentence);
        if (!result.delivered) process.exitCode = 1;
      }),
    );
}

export function registerLogStreamCommands(program: Command): void {
  registerCreateAndList(program);
  registerStreamCommands(program);
}
