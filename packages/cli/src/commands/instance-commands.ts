import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiClient, ApiError, listPages } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatRecord, formatTable, printJson } from '../output.js';

interface Instance {
  id: string;
  name: string;
  description: string;
  labels: string[];
  enabled: boolean;
  customer: { id: string; externalId: string | null; name: string };
  integration: { id: string; name: string };
  versionNumber: number;
  deployedVersionNumber: number | null;
  deployedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface DeployOutcome {
  instance: Instance;
  deployedVersionNumber: number;
  deployedAt: string;
  deployExecutions: Array<{ id: string; flow: string }>;
}

interface FlowEndpoint {
  flow: string;
  stableKey: string;
  webhookUrl: string | null;
  apiKeys: string[];
  isSynchronous: boolean;
  endpointSecurityType: string;
  trigger: string;
  schedule?: { cron: string; timeZone: string; nextFireAt: string; singleton: boolean };
}

interface InstanceEndpoints {
  endpointType: string;
  instanceWebhookUrl: string | null;
  /** The integration's one URL for all customers (shared_instance endpoints). */
  sharedWebhookUrl?: string | null;
  flows: FlowEndpoint[];
}

interface RemoveOutcome {
  deleted: boolean;
  removeExecutions: Array<{ id: string; flow: string; status: string; error?: unknown }>;
}

interface ConfigVariable {
  key: string;
  stableKey: string;
  dataType: string;
  description: string;
  orgOnly: boolean;
  pickList?: string[];
  collectionType?: string;
  value: unknown;
}

interface InstanceDetail extends Instance {
  configVariables: ConfigVariable[];
}

interface ConfigProblem {
  configVar: string;
  message: string;
  suggestion?: string;
}

interface Execution {
  id: string;
  status: string;
  flow: string;
  instanceId: string;
  attempt: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error?: unknown;
  response?: unknown;
  /** The custom component versions its steps ran, by key. */
  componentVersions?: Record<string, number>;
  steps: Record<string, unknown>;
  stepRecords: Array<{ key: string; name: string; status: string; result: unknown; iterations?: number }>;
  logs: Array<{ timestamp: string; level: string; message: string; stepKey?: string }>;
}

/** How often and how long `instances:test --wait` asks for the execution. */
const pollIntervalMs = 200;
const waitTimeoutMs = 60_000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const instanceColumns: Column<Instance>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'customer', value: (i) => i.customer.name },
  { header: 'integration', value: (i) => i.integration.name },
  { header: 'version', value: (i) => String(i.versionNumber) },
  {
    header: 'deployed',
    value: (i) => (i.deployedVersionNumber === null ? 'no' : `v${i.deployedVersionNumber}`),
  },
  { header: 'enabled', value: (i) => (i.enabled ? 'yes' : 'no') },
  { header: 'labels', value: (i) => i.labels.join(',') },
];

const secretTypes = new Set(['connection', 'credential']);

/** A config value for people: secrets as "(set)", text as is, anything else as JSON, cut to one short line. */
function configValueText(variable: ConfigVariable): string {
  if (variable.value === null || variable.value === undefined) return '(unset)';
  if (secretTypes.has(variable.dataType)) return '(set)';
  const text = typeof variable.value === 'string' ? variable.value : JSON.stringify(variable.value);
  return short(text, 60);
}

const configColumns: Column<ConfigVariable>[] = [
  { header: 'variable', value: (v) => v.key },
  { header: 'type', value: (v) => (v.collectionType ? `${v.dataType} (${v.collectionType})` : v.dataType) },
  { header: 'value', value: configValueText },
];

const stepColumns: Column<Execution['stepRecords'][number]>[] = [
  { header: 'step', value: (s) => s.name },
  {
    header: 'status',
    value: (s) => (s.iterations === undefined ? s.status : `${s.status} (${s.iterations}×)`),
  },
  {
    header: 'result',
    value: (s) => (s.result === undefined || s.result === null ? '' : short(JSON.stringify(s.result), 60)),
  },
];

function short(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function printInstance(instance: Instance, json: boolean): void {
  if (json) {
    printJson(instance);
    return;
  }
  process.stdout.write(
    formatRecord({
      id: instance.id,
      name: instance.name,
      description: instance.description,
      labels: instance.labels.join(', '),
      enabled: instance.enabled ? 'yes' : 'no',
      customer: `${instance.customer.name} (${instance.customer.externalId ?? instance.customer.id})`,
      integration: `${instance.integration.name} (${instance.integration.id})`,
      version: String(instance.versionNumber),
      created: instance.createdAt,
      updated: instance.updatedAt,
    }),
  );
}

function printInstanceDetail(instance: InstanceDetail, json: boolean): void {
  if (json) {
    printJson(instance);
    return;
  }
  printInstance(instance, false);
  process.stdout.write(`\n${formatTable(instance.configVariables, configColumns)}`);
}

function errorText(error: unknown): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'string') return error;
  const { message, stepKey } = error as { message?: unknown; stepKey?: unknown };
  if (typeof message === 'string')
    return typeof stepKey === 'string' ? `${message} (step ${stepKey})` : message;
  return JSON.stringify(error);
}

function printExecution(execution: Execution, json: boolean): void {
  if (json) {
    printJson(execution);
    return;
  }
  process.stdout.write(
    formatRecord({
      id: execution.id,
      flow: execution.flow,
      instance: execution.instanceId,
      status: execution.status,
      attempt: String(execution.attempt),
      queued: execution.queuedAt,
      started: execution.startedAt ?? '-',
      finished: execution.finishedAt ?? '-',
      duration: execution.durationMs === null ? '-' : `${execution.durationMs} ms`,
      ...(execution.componentVersions
        ? {
            components: Object.entries(execution.componentVersions)
              .map(([key, version]) => `${key}@${version}`)
              .join(', '),
          }
        : {}),
      ...(execution.error !== undefined ? { error: errorText(execution.error) } : {}),
    }),
  );
  process.stdout.write(`\nSteps:\n${formatTable(execution.stepRecords, stepColumns)}`);
  process.stdout.write('\nLogs:\n');
  if (execution.logs.length === 0) process.stdout.write('(none)\n');
  for (const log of execution.logs) {
    const step = log.stepKey ? ` [${log.stepKey}]` : '';
    process.stdout.write(`${log.timestamp} ${log.level.toUpperCase().padEnd(5)}${step} ${log.message}\n`);
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander parser for a published version number: a usage error (exit 2) unless a whole number from 1. */
function versionNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a version number (1, 2, ...).');
  return Number(value);
}

function positiveInteger(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number from 1.');
  return value;
}

function trueOrFalse(value: string): string {
  if (value !== 'true' && value !== 'false') throw new InvalidArgumentError('expected true or false.');
  return value;
}

/** `--set "Var Name=value"`: the value as JSON when it parses (numbers, booleans, objects, lists), else text. */
function configSetting(value: string, previous: Array<[string, unknown]> = []): Array<[string, unknown]> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected "Var Name=value", got '${value}'.`);
  const raw = value.slice(at + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return [...previous, [value.slice(0, at).trim(), parsed]];
}

/** `--header "K: V"`, collected into an object. */
function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf(':');
  const name = at > 0 ? value.slice(0, at).trim() : '';
  if (!name) throw new InvalidArgumentError(`expected "Name: value", got '${value}'.`);
  return { ...previous, [name.toLowerCase()]: value.slice(at + 1).trim() };
}

const instancePath = (id: string, rest = '') => `/api/instances/${encodeURIComponent(id)}${rest}`;
const executionPath = (id: string) => `/api/executions/${encodeURIComponent(id)}`;

/** Content types whose payload is text; any other makes the payload file a file, sent as its bytes. */
const textPayloadTypes = /^(text\/|application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+(json|xml))\b)/i;

/**
 * The test payload: a JSON file parsed (for a JSON content type), text types as text, anything else (an image, a
 * PDF) as its bytes in base64 with `encoding: 'base64'`, which the flow's trigger receives as a file.
 */
async function readPayload(
  file: string,
  contentType: string,
): Promise<{ payload: unknown; encoding?: 'base64' }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message;
    throw new CliError(`Cannot read the payload '${file}': ${reason}.`);
  }
  if (!textPayloadTypes.test(contentType)) return { payload: bytes.toString('base64'), encoding: 'base64' };
  const text = bytes.toString('utf8');
  if (!/[/+]json\b/i.test(contentType)) return { payload: text };
  try {
    return { payload: JSON.parse(text) };
  } catch (error) {
    throw new CliError(
      `The payload '${file}' is not JSON (${(error as Error).message}); pass --content-type for another kind of payload.`,
    );
  }
}

/** Polls the execution until it is no longer queued or running, with progress on stderr. */
async function waitForExecution(client: ApiClient, id: string): Promise<Execution> {
  const deadline = Date.now() + waitTimeoutMs;
  let lastStatus: string | undefined;
  for (;;) {
    const execution = await client.request<Execution>('GET', executionPath(id));
    if (execution.status !== lastStatus) {
      process.stderr.write(`• Execution ${id} ${execution.status}…\n`);
      lastStatus = execution.status;
    }
    if (execution.status !== 'queued' && execution.status !== 'running') return execution;
    if (Date.now() >= deadline) {
      throw new CliError(
        `Execution ${id} is still ${execution.status} after ${waitTimeoutMs / 1000} s; is a worker running? Follow it with \`weft executions:show ${id}\`.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

function printDeployOutcome(outcome: DeployOutcome): void {
  process.stdout.write(
    `Deployed version ${outcome.deployedVersionNumber} of ${outcome.instance.integration.name} to ${outcome.instance.name} (${outcome.instance.id}).\n`,
  );
  for (const run of outcome.deployExecutions) {
    process.stdout.write(`Deploy flow ${run.flow} queued: execution ${run.id}\n`);
  }
}

export function registerInstanceCommands(program: Command): void {
  program
    .command('instances:create')
    .description(
      'Create an instance of an integration version for a customer, with its default config values; prints the instance id',
    )
    .requiredOption('-c, --customer <customer>', 'customer id, or external id')
    .requiredOption('-i, --integration <id>', 'integration id')
    .option('-v, --version <n>', 'a published version number (default: the newest available)', versionNumber)
    .requiredOption('-n, --name <name>', 'instance name (unique per customer)')
    .option('-d, --description <text>', 'description')
    .option('-l, --label <label>', "a label; repeat for several (default: the integration's)", collect)
    .action(
      async (
        flags: {
          customer: string;
          integration: string;
          version?: number;
          name: string;
          description?: string;
          label?: string[];
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const instance = await clientFor(options).request<Instance>('POST', '/api/instances', {
          ...(uuidPattern.test(flags.customer)
            ? { customerId: flags.customer }
            : { customerExternalId: flags.customer }),
          integrationId: flags.integration,
          ...(flags.version !== undefined ? { versionNumber: flags.version } : {}),
          name: flags.name,
          ...(flags.description !== undefined ? { description: flags.description } : {}),
          ...(flags.label ? { labels: flags.label } : {}),
        });
        if (options.json) return printJson(instance);
        process.stdout.write(`${instance.id}\n`);
      },
    );

  program
    .command('instances:configure <id>')
    .description('Set config values by variable name (merged into the stored ones; null clears one)')
    .requiredOption(
      '-s, --set <setting>',
      '"Var Name=value"; the value is read as JSON when it parses, else as text; repeat for several',
      configSetting,
    )
    .action(async (id: string, flags: { set: Array<[string, unknown]> }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      let instance: InstanceDetail;
      try {
        instance = await clientFor(options).request<InstanceDetail>('PUT', instancePath(id, '/config'), {
          values: Object.fromEntries(flags.set),
        });
      } catch (error) {
        if (
          !(error instanceof ApiError) ||
          error.code !== 'INSTANCE_CONFIG_INVALID' ||
          !Array.isArray(error.details.problems)
        ) {
          throw error;
        }
        const problems = error.details.problems as ConfigProblem[];
        for (const problem of problems) {
          const hint =
            problem.suggestion && !problem.message.includes(`'${problem.suggestion}'`)
              ? ` (did you mean '${problem.suggestion}'?)`
              : '';
          process.stderr.write(`${problem.configVar}: ${problem.message}${hint}\n`);
        }
        const count = problems.length;
        throw new ApiError(
          `${count} invalid config value${count === 1 ? '' : 's'}; nothing was stored.`,
          error.code,
          error.status,
          error.details,
        );
      }
      printInstanceDetail(instance, Boolean(options.json));
    });

  program
    .command('instances:list')
    .description('List instances, oldest first')
    .option('-c, --customer <customer>', 'only instances of this customer (id or external id)')
    .option('-i, --integration <id>', 'only instances of this integration')
    .option('-l, --label <label>', 'only instances with this label; repeat for several', collect)
    .option('--enabled <boolean>', 'true: only running instances; false: only paused ones', trueOrFalse)
    .option('-s, --search <text>', 'match name or description')
    .option('--limit <n>', 'instances per page', positiveInteger, '100')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .action(
      async (
        flags: {
          customer?: string;
          integration?: string;
          label?: string[];
          enabled?: string;
          search?: string;
          limit: string;
          cursor?: string;
          all?: boolean;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        await listPages<Instance>(
          clientFor(options),
          {
            path: '/api/instances',
            query: {
              customer: flags.customer,
              integration: flags.integration,
              label: flags.label,
              enabled: flags.enabled,
              search: flags.search,
              limit: flags.limit,
            },
            noun: 'instances',
          },
          { cursor: flags.cursor, all: flags.all, json: Boolean(options.json) },
          { json: printJson, table: (items) => formatTable(items, instanceColumns) },
        );
      },
    );

  program
    .command('instances:get <id>')
    .description('Show an instance and its config values (secrets show as "(set)")')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      printInstanceDetail(
        await clientFor(options).request<InstanceDetail>('GET', instancePath(id)),
        Boolean(options.json),
      );
    });

  program
    .command('instances:update <id>')
    .description('Change an instance; only the options given change, and --label replaces all labels')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description')
    .option('-l, --label <label>', 'a label; repeat for several (replaces the current labels)', collect)
    .option('--no-labels', 'remove every label')
    .action(
      async (
        id: string,
        flags: { name?: string; description?: string; label?: string[]; labels?: boolean },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const changes: Record<string, unknown> = {};
        if (flags.name !== undefined) changes.name = flags.name;
        if (flags.description !== undefined) changes.description = flags.description;
        if (flags.label) changes.labels = flags.label;
        if (flags.labels === false) changes.labels = [];
        if (Object.keys(changes).length === 0) {
          throw new CliError('Nothing to change: pass --name, --description, --label or --no-labels.', 2);
        }
        printInstance(
          await clientFor(options).request<Instance>('PATCH', instancePath(id), changes),
          Boolean(options.json),
        );
      },
    );

  for (const pause of [true, false]) {
    const action = pause ? 'pause' : 'unpause';
    program
      .command(`instances:${action} <id>`)
      .description(
        pause ? 'Pause an instance: its flows no longer run' : 'Unpause an instance: its flows run again',
      )
      .action(async (id: string, _flags: unknown, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const instance = await clientFor(options).request<Instance>('POST', instancePath(id, `/${action}`));
        if (options.json) return printJson(instance);
        process.stdout.write(`${pause ? 'Paused' : 'Unpaused'} instance ${instance.name} (${instance.id})\n`);
      });
  }

  program
    .command('instances:delete <id>')
    .description(
      'Delete an instance (permanent): its remove-trigger flows run first, then the instance and its data go',
    )
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      const { name } = await client.request<Instance>('GET', instancePath(id));
      const outcome = await client.request<RemoveOutcome>('DELETE', instancePath(id));
      if (options.json) return printJson({ id, name, ...outcome });
      for (const run of outcome.removeExecutions) {
        const reason = errorText(run.error);
        process.stdout.write(`Remove flow ${run.flow}: ${run.status}${reason ? ` (${reason})` : ''}\n`);
      }
      process.stdout.write(`Deleted instance ${name} (${id})\n`);
    });

  program
    .command('instances:deploy <id>')
    .description(
      'Deploy an instance: its configured version starts running (webhook URLs, API keys, schedules), then its deploy flows run',
    )
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const outcome = await clientFor(options).request<DeployOutcome>('POST', instancePath(id, '/deploy'));
      if (options.json) return printJson(outcome);
      printDeployOutcome(outcome);
    });

  program
    .command('instances:upgrade <id>')
    .description(
      'Move an instance to another available version (default: the newest; an older one pins it), keeping its config values; a deployed instance is redeployed',
    )
    .option('-v, --version <n>', 'the version number', versionNumber)
    .option('--no-deploy', 'only set the version; deploy later with instances:deploy')
    .action(async (id: string, flags: { version?: number; deploy: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const outcome = await clientFor(options).request<{
        instance: Instance;
        deployed: DeployOutcome | null;
      }>('POST', instancePath(id, '/upgrade'), {
        ...(flags.version !== undefined ? { versionNumber: flags.version } : {}),
        deploy: flags.deploy,
      });
      if (options.json) return printJson(outcome);
      process.stdout.write(
        `Instance ${outcome.instance.name} is set to version ${outcome.instance.versionNumber}.\n`,
      );
      if (outcome.deployed) printDeployOutcome(outcome.deployed);
      else
        process.stdout.write(
          `Not deployed; run \`weft instances:deploy ${id}\` to make it the running version.\n`,
        );
    });

  program
    .command('instances:flows <id>')
    .description("An instance's flows with their webhook URLs, API keys and schedules")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const endpoints = await clientFor(options).request<InstanceEndpoints>(
        'GET',
        instancePath(id, '/flows'),
      );
      if (options.json) return printJson(endpoints.flows);
      if (endpoints.sharedWebhookUrl) {
        process.stdout.write(
          `Shared endpoint (one URL for every customer, routed by customer and flow): ${endpoints.sharedWebhookUrl}\n\n`,
        );
      } else if (endpoints.instanceWebhookUrl) {
        process.stdout.write(
          `Instance endpoint (${endpoints.endpointType}): ${endpoints.instanceWebhookUrl}\n\n`,
        );
      }
      process.stdout.write(
        formatTable(endpoints.flows, [
          { header: 'flow', value: (flow) => flow.flow },
          {
            header: 'trigger',
            value: (flow) =>
              flow.schedule
                ? `${flow.trigger} ${flow.schedule.cron} (${flow.schedule.timeZone})`
                : flow.trigger,
          },
          { header: 'sync', value: (flow) => (flow.isSynchronous ? 'yes' : 'no') },
          { header: 'security', value: (flow) => flow.endpointSecurityType },
          { header: 'webhook url', value: (flow) => flow.webhookUrl ?? '(deploy first)' },
        ]),
      );
      const keys = [...new Set(endpoints.flows.flatMap((flow) => flow.apiKeys))];
      if (keys.length > 0) process.stdout.write(`\nAPI keys (send one as Api-Key): ${keys.join(', ')}\n`);
    });

  program
    .command('instances:api-keys <id>')
    .description("Set or rotate the API keys an instance's secured webhooks accept (Api-Key header)")
    .option('--set <key>', 'a key to accept; repeat for several (replaces the current keys)', collect)
    .option('--rotate', 'replace every key with one newly generated key')
    .action(async (id: string, flags: { set?: string[]; rotate?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      if (Boolean(flags.set) === Boolean(flags.rotate)) {
        throw new CliError('Pass either --set KEY (repeatable) or --rotate.', 2);
      }
      const client = clientFor(options);
      const { apiKeys } = flags.rotate
        ? await client.request<{ apiKeys: string[] }>('POST', instancePath(id, '/api-keys/rotate'))
        : await client.request<{ apiKeys: string[] }>('PUT', instancePath(id, '/api-keys'), {
            apiKeys: flags.set,
          });
      if (options.json) return printJson({ apiKeys });
      process.stdout.write(`${apiKeys.join('\n')}\n`);
    });

  program
    .command('instances:test <id>')
    .description(
      "Test-run one of an instance's flows; prints the execution id (--wait: the finished execution)",
    )
    .requiredOption('-f, --flow <name>', 'the flow name')
    .option('-p, --payload <file>', 'the request body (read as JSON unless --content-type says otherwise)')
    .option('--content-type <type>', 'the content type of the payload', 'application/json')
    .option('-H, --header <header>', '"Name: value" request header; repeat for several', header)
    .option('-w, --wait', 'wait for the execution to finish and print it (exit 1 when it failed)')
    .action(
      async (
        id: string,
        flags: {
          flow: string;
          payload?: string;
          contentType: string;
          header?: Record<string, string>;
          wait?: boolean;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const client = clientFor(options);
        const payload =
          flags.payload === undefined ? undefined : await readPayload(flags.payload, flags.contentType);
        const { executionId } = await client.request<{ executionId: string }>(
          'POST',
          instancePath(id, `/flows/${encodeURIComponent(flags.flow)}/test`),
          {
            ...payload,
            contentType: flags.contentType,
            ...(flags.header ? { headers: flags.header } : {}),
          },
        );
        if (!flags.wait) {
          if (options.json) return printJson({ executionId });
          process.stdout.write(`${executionId}\n`);
          return;
        }
        const execution = await waitForExecution(client, executionId);
        printExecution(execution, Boolean(options.json));
        if (execution.status !== 'succeeded') {
          const reason = errorText(execution.error);
          throw new CliError(`Execution ${executionId} ${execution.status}${reason ? `: ${reason}` : '.'}`);
        }
      },
    );

  program
    .command('executions:show <id>')
    .description("Show an execution: its status, duration, error, each step's result and the logs")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      printExecution(
        await clientFor(options).request<Execution>('GET', executionPath(id)),
        Boolean(options.json),
      );
    });
}
