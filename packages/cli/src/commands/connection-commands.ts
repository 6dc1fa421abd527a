import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ApiError } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatRecord, formatTable, printJson } from '../output.js';

/** What the API shows of stored credentials: secret inputs masked, the token only as facts about it. */
interface ConnectionView {
  id: string;
  component: string;
  connection: string;
  status: string;
  statusMessage: string | null;
  statusChangedAt: string;
  fields: Record<string, unknown>;
  token: { present: boolean; expiresAt: string | null; scope?: string; tokenType?: string };
  refreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface ScopedConnection {
  id: string;
  stableKey: string;
  kind: string;
  name: string;
  description: string;
  component: string;
  connection: string;
  credentials: ConnectionView | null;
  customerCount: number;
  createdAt: string;
  updatedAt: string;
}

interface CustomerConnection {
  customer: { id: string; externalId: string | null; name: string };
  credentials: ConnectionView;
}

interface TestResult {
  ok: boolean;
  checks: Array<{ check: string; ok: boolean; message: string }>;
  checkedAt: string;
}

interface Authorization {
  authorizeUrl: string;
  expiresAt: string;
}

interface InstanceConnection {
  configVar: string;
  stableKey: string;
  source: string;
  scopedConnection?: string;
  connection: ConnectionView | null;
}

interface EncryptionKeys {
  masterKeyId: string;
  masterKeySource: string;
  items: Array<{ id: string; state: string; masterKeyId: string; createdAt: string; values: number }>;
}

interface RotationReport {
  newDataKeyId: string;
  masterKeyId: string;
  rewrappedDataKeys: number;
  reEncryptedValues: number;
  removedDataKeyIds: string[];
  remainingDataKeyIds: string[];
}

type InputValue = string | number | boolean | null;

const kinds = ['org_global', 'org_customer', 'customer_activated'];

/** A rotation re-encrypts every stored credential in one request: allow it far longer than other requests. */
const rotateTimeoutMs = 60 * 60_000;

const connectionColumns: Column<ScopedConnection>[] = [
  { header: 'stable key', value: (c) => c.stableKey },
  { header: 'name', value: (c) => c.name },
  { header: 'kind', value: (c) => c.kind },
  { header: 'connection', value: (c) => `${c.component}/${c.connection}` },
  {
    header: 'credentials',
    value: (c) =>
      c.kind === 'org_global'
        ? (c.credentials?.status ?? 'none')
        : `${c.customerCount} customer${c.customerCount === 1 ? '' : 's'}`,
  },
];

const checkColumns: Column<TestResult['checks'][number]>[] = [
  { header: 'check', value: (c) => c.check },
  { header: 'result', value: (c) => (c.ok ? 'ok' : 'FAILED') },
  { header: 'message', value: (c) => c.message },
];

function inputText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A connection's inputs (secrets arrive masked) and state, as lines of a record. */
function credentialsRecord(view: ConnectionView): Record<string, string> {
  const inputs = Object.entries(view.fields);
  return {
    status: view.statusMessage ? `${view.status}: ${view.statusMessage}` : view.status,
    inputs:
      inputs.length === 0
        ? '(none readable)'
        : inputs.map(([name, value]) => `${name}=${inputText(value)}`).join(', '),
    token: view.token.present
      ? `present${view.token.expiresAt ? `, expires ${view.token.expiresAt}` : ''}${view.token.scope ? `, scope ${view.token.scope}` : ''}`
      : 'none',
    updated: view.updatedAt,
  };
}

function printConnection(connection: ScopedConnection, json: boolean): void {
  if (json) {
    printJson(connection);
    return;
  }
  process.stdout.write(
    formatRecord({
      id: connection.id,
      'stable key': connection.stableKey,
      name: connection.name,
      description: connection.description,
      kind: connection.kind,
      connection: `${connection.component}/${connection.connection}`,
      ...(connection.kind === 'org_global'
        ? connection.credentials
          ? credentialsRecord(connection.credentials)
          : { status: 'no credentials' }
        : { customers: `${connection.customerCount} with credentials (weft connections:customers)` }),
      created: connection.createdAt,
    }),
  );
}

function printCustomerConnection(entry: CustomerConnection, json: boolean): void {
  if (json) {
    printJson(entry);
    return;
  }
  process.stdout.write(
    formatRecord({
      customer: `${entry.customer.name} (${entry.customer.externalId ?? entry.customer.id})`,
      ...credentialsRecord(entry.credentials),
    }),
  );
}

/** Prints a test result; a failed check exits 1 (after the result, so scripts see what failed). */
function printTestResult(result: TestResult, label: string, json: boolean): void {
  if (json) printJson(result);
  else process.stdout.write(formatTable(result.checks, checkColumns));
  if (!result.ok) {
    const failed = result.checks.find((check) => !check.ok);
    throw new CliError(`Connection ${label} does not work${failed ? `: ${failed.message}` : '.'}`, 1);
  }
  if (!json) process.stdout.write(`Connection ${label} works.\n`);
}

function printAuthorization(authorization: Authorization, json: boolean): void {
  if (json) {
    printJson(authorization);
    return;
  }
  process.stdout.write(`${authorization.authorizeUrl}\n`);
  process.stderr.write(
    `Open this URL in a browser and sign in to the provider before ${authorization.expiresAt}; Weft stores the token when the provider sends the browser back.\n`,
  );
}

/** `--set "input=value"`: the value as given (text); numbers and booleans are read by the input's type. */
function inputSetting(
  value: string,
  previous: Array<[string, InputValue]> = [],
): Array<[string, InputValue]> {
  const at = value.indexOf('=');
  if (at <= 0 || value.slice(0, at).trim() === '') {
    throw new InvalidArgumentError(`expected "input=value", got '${value}'.`);
  }
  return [...previous, [value.slice(0, at).trim(), value.slice(at + 1)]];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function kind(value: string): string {
  if (!kinds.includes(value)) throw new InvalidArgumentError(`expected one of ${kinds.join(', ')}.`);
  return value;
}

/** `component/connection`, as `http/apiKey`. */
function connectionRef(value: string): { component: string; connection: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!match)
    throw new InvalidArgumentError(`expected component/connection (as http/apiKey), got '${value}'.`);
  return { component: match[1] as string, connection: match[2] as string };
}

/** A JSON object of input values (text, numbers, booleans; null removes a stored one). */
async function readValuesFile(file: string): Promise<Record<string, InputValue>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message;
    throw new CliError(`Cannot read the values file '${file}': ${reason}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`The values file '${file}' is not JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      `The values file '${file}' must hold a JSON object of input values, as {"apiKey": "..."}.`,
    );
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CliError(
        `The values file '${file}': input '${name}' must be text, a number, a boolean or null, got ${Array.isArray(value) ? 'a list' : typeof value}.`,
      );
    }
  }
  return parsed as Record<string, InputValue>;
}

interface ValueFlags {
  set?: Array<[string, InputValue]>;
  unset?: string[];
  valuesFile?: string;
}

/** The input values the flags give: the file's, then each --set, then each --unset (as null); undefined for none. */
async function valuesOf(flags: ValueFlags): Promise<Record<string, InputValue> | undefined> {
  if (!flags.set && !flags.unset && flags.valuesFile === undefined) return undefined;
  const values: Record<string, InputValue> = flags.valuesFile ? await readValuesFile(flags.valuesFile) : {};
  for (const [name, value] of flags.set ?? []) values[name] = value;
  for (const name of flags.unset ?? []) values[name] = null;
  return values;
}

function withValueOptions(command: Command): Command {
  return command
    .option(
      '-s, --set <input=value>',
      'an input value (as text; booleans and numbers as their text); repeat for several',
      inputSetting,
    )
    .option('--unset <input>', 'remove a stored input value; repeat for several', collect)
    .option(
      '--values-file <file>',
      'a JSON object of input values (keeps secrets out of the shell history); --set and --unset apply over it',
    );
}

/**
 * Invalid input values: one line per problem on stderr, then the error (exit 1). The server names every unknown
 * input (with the inputs there are) and every missing required one.
 */
async function checkedInputs<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (
      !(error instanceof ApiError) ||
      error.code !== 'CONNECTION_INPUTS_INVALID' ||
      !Array.isArray(error.details.problems)
    ) {
      throw error;
    }
    const problems = error.details.problems as string[];
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    const count = problems.length;
    throw new ApiError(
      `${count} invalid input value${count === 1 ? '' : 's'}; nothing was stored.`,
      error.code,
      error.status,
      error.details,
    );
  }
}

const connectionPath = (idOrStableKey: string, rest = '') =>
  `/api/connections/${encodeURIComponent(idOrStableKey)}${rest}`;
const instancePath = (id: string, rest = '') => `/api/instances/${encodeURIComponent(id)}${rest}`;

export function registerConnectionCommands(program: Command): void {
  program
    .command('connections:list')
    .description(
      "List the organization's connections (integration-agnostic: used by integrations by stable key)",
    )
    .action(async (_flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: ScopedConnection[] }>(
        'GET',
        '/api/connections',
      );
      if (options.json) return printJson({ items });
      process.stdout.write(formatTable(items, connectionColumns));
    });

  program
    .command('connections:get <connection>')
    .description('Show a connection, by id or stable key (secret inputs show as ********)')
    .action(async (connection: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      printConnection(
        await clientFor(options).request<ScopedConnection>('GET', connectionPath(connection)),
        Boolean(options.json),
      );
    });

  withValueOptions(
    program
      .command('connections:create')
      .description(
        'Create a connection integrations use by its stable key (useScopedConfigVar); prints its id. An org_global one holds one set of credentials (--set); the others one per customer (connections:set-customer)',
      )
      .requiredOption('-k, --stable-key <key>', 'the key definitions refer to it by (letters, digits, . _ -)')
      .addOption(
        new Option('--kind <kind>', 'org_global, org_customer or customer_activated')
          .argParser(kind)
          .makeOptionMandatory(),
      )
      .requiredOption('-n, --name <name>', 'name')
      .option('-d, --description <text>', 'description')
      .requiredOption(
        '-c, --connection <component/connection>',
        'what it connects with, as http/apiKey (a component and one of its connections)',
        connectionRef,
      ),
  ).action(
    async (
      flags: ValueFlags & {
        stableKey: string;
        kind: string;
        name: string;
        description?: string;
        connection: { component: string; connection: string };
      },
      command: Command,
    ) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const values = await valuesOf(flags);
      const created = await checkedInputs(
        clientFor(options).request<ScopedConnection>('POST', '/api/connections', {
          stableKey: flags.stableKey,
          kind: flags.kind,
          name: flags.name,
          ...(flags.description !== undefined ? { description: flags.description } : {}),
          component: flags.connection.component,
          connection: flags.connection.connection,
          ...(values ? { values } : {}),
        }),
      );
      if (options.json) return printJson(created);
      process.stdout.write(`${created.id}\n`);
    },
  );

  withValueOptions(
    program
      .command('connections:update <connection>')
      .description(
        "Rename or describe a connection, or change an org_global connection's input values (merged into the stored ones)",
      )
      .option('-n, --name <name>', 'new name')
      .option('-d, --description <text>', 'new description'),
  ).action(
    async (
      connection: string,
      flags: ValueFlags & { name?: string; description?: string },
      command: Command,
    ) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const values = await valuesOf(flags);
      const changes: Record<string, unknown> = {};
      if (flags.name !== undefined) changes.name = flags.name;
      if (flags.description !== undefined) changes.description = flags.description;
      if (values) changes.values = values;
      if (Object.keys(changes).length === 0) {
        throw new CliError(
          'Nothing to change: pass --name, --description, --set, --unset or --values-file.',
          2,
        );
      }
      printConnection(
        await checkedInputs(
          clientFor(options).request<ScopedConnection>('PATCH', connectionPath(connection), changes),
        ),
        Boolean(options.json),
      );
    },
  );

  program
    .command('connections:delete <connection>')
    .description('Delete a connection and every credential it holds (permanent)')
    .action(async (connection: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      const found = await client.request<ScopedConnection>('GET', connectionPath(connection));
      await client.request('DELETE', connectionPath(found.id));
      if (options.json) return printJson({ id: found.id, stableKey: found.stableKey, deleted: true });
      process.stdout.write(`Deleted connection ${found.name} (${found.stableKey})\n`);
    });

  program
    .command('connections:customers <connection>')
    .description("List the customers' credentials of a per-customer connection")
    .action(async (connection: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: CustomerConnection[] }>(
        'GET',
        connectionPath(connection, '/customers'),
      );
      if (options.json) return printJson({ items });
      process.stdout.write(
        formatTable(items, [
          { header: 'customer', value: (e) => e.customer.name },
          { header: 'external id', value: (e) => e.customer.externalId ?? '' },
          { header: 'status', value: (e) => e.credentials.status },
          {
            header: 'inputs',
            value: (e) =>
              Object.entries(e.credentials.fields)
                .map(([name, value]) => `${name}=${inputText(value)}`)
                .join(', '),
          },
          { header: 'updated', value: (e) => e.credentials.updatedAt },
        ]),
      );
    });

  withValueOptions(
    program
      .command('connections:set-customer <connection>')
      .description(
        "Set one customer's input values for a per-customer connection (merged into the customer's stored ones)",
      )
      .requiredOption('--customer <customer>', 'customer id, or external id'),
  ).action(async (connection: string, flags: ValueFlags & { customer: string }, command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const values = await valuesOf(flags);
    if (!values) throw new CliError('Nothing to set: pass --set, --unset or --values-file.', 2);
    printCustomerConnection(
      await checkedInputs(
        clientFor(options).request<CustomerConnection>(
          'PUT',
          connectionPath(connection, `/customers/${encodeURIComponent(flags.customer)}`),
          { values },
        ),
      ),
      Boolean(options.json),
    );
  });

  program
    .command('connections:delete-customer <connection>')
    .description("Delete one customer's credentials of a per-customer connection")
    .requiredOption('--customer <customer>', 'customer id, or external id')
    .action(async (connection: string, flags: { customer: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await clientFor(options).request(
        'DELETE',
        connectionPath(connection, `/customers/${encodeURIComponent(flags.customer)}`),
      );
      if (options.json) return printJson({ connection, customer: flags.customer, deleted: true });
      process.stdout.write(`Deleted the credentials of customer ${flags.customer} for ${connection}\n`);
    });

  program
    .command('connections:test <connection>')
    .description(
      'Test a connection: every required input set, an OAuth 2.0 token obtained, and with --check-url an authenticated GET answering 2xx; exit 1 when a check fails',
    )
    .option('--customer <customer>', "per-customer connections: the customer's id or external id")
    .option(
      '--check-url <url>',
      'a URL an authenticated GET of must answer 2xx (not --url: that one names the Weft server)',
    )
    .action(async (connection: string, flags: { customer?: string; checkUrl?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const result = await clientFor(options).request<TestResult>(
        'POST',
        connectionPath(connection, '/test'),
        {
          ...(flags.customer !== undefined ? { customer: flags.customer } : {}),
          ...(flags.checkUrl !== undefined ? { url: flags.checkUrl } : {}),
        },
      );
      printTestResult(result, `'${connection}'`, Boolean(options.json));
    });

  program
    .command('connections:authorize <connection>')
    .description(
      'Start the OAuth 2.0 authorization of a connection: prints the URL to open in a browser (valid 10 minutes)',
    )
    .option('--customer <customer>', "per-customer connections: the customer's id or external id")
    .option('--return-to <url>', 'where the browser goes once authorized')
    .action(async (connection: string, flags: { customer?: string; returnTo?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const authorization = await clientFor(options).request<Authorization>(
        'POST',
        connectionPath(connection, '/authorize'),
        {
          ...(flags.customer !== undefined ? { customer: flags.customer } : {}),
          ...(flags.returnTo !== undefined ? { returnTo: flags.returnTo } : {}),
        },
      );
      printAuthorization(authorization, Boolean(options.json));
    });

  program
    .command('instances:connections <id>')
    .description(
      "An instance's connection config variables: where each one's credentials come from and their state",
    )
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: InstanceConnection[] }>(
        'GET',
        instancePath(id, '/connections'),
      );
      if (options.json) return printJson({ items });
      process.stdout.write(
        formatTable(items, [
          { header: 'variable', value: (c) => c.configVar },
          {
            header: 'source',
            value: (c) => (c.scopedConnection ? `${c.source} (${c.scopedConnection})` : c.source),
          },
          {
            header: 'connection',
            value: (c) => (c.connection ? `${c.connection.component}/${c.connection.connection}` : ''),
          },
          { header: 'status', value: (c) => c.connection?.status ?? 'not set' },
          {
            header: 'inputs',
            value: (c) =>
              Object.entries(c.connection?.fields ?? {})
                .map(([name, value]) => `${name}=${inputText(value)}`)
                .join(', '),
          },
        ]),
      );
    });

  program
    .command('instances:authorize <id> <configVar>')
    .description(
      "Start the OAuth 2.0 authorization of an instance's connection config variable: prints the URL to open in a browser",
    )
    .option('--return-to <url>', 'where the browser goes once authorized')
    .action(async (id: string, configVar: string, flags: { returnTo?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const authorization = await clientFor(options).request<Authorization>(
        'POST',
        instancePath(id, `/connections/${encodeURIComponent(configVar)}/authorize`),
        flags.returnTo !== undefined ? { returnTo: flags.returnTo } : {},
      );
      printAuthorization(authorization, Boolean(options.json));
    });

  program
    .command('instances:test-connection <id> <configVar>')
    .description(
      "Test an instance's connection config variable (as connections:test); exit 1 when a check fails",
    )
    .option(
      '--check-url <url>',
      'a URL an authenticated GET of must answer 2xx (not --url: that one names the Weft server)',
    )
    .action(async (id: string, configVar: string, flags: { checkUrl?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const result = await clientFor(options).request<TestResult>(
        'POST',
        instancePath(id, `/connections/${encodeURIComponent(configVar)}/test`),
        flags.checkUrl !== undefined ? { url: flags.checkUrl } : {},
      );
      printTestResult(result, `'${configVar}'`, Boolean(options.json));
    });

  program
    .command('keys:list')
    .description('The master key in use, and the data encryption keys with how many stored values each seals')
    .action(async (_flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const keys = await clientFor(options).request<EncryptionKeys>('GET', '/api/encryption-keys');
      if (options.json) return printJson(keys);
      process.stdout.write(
        `Master key ${keys.masterKeyId} (from ${keys.masterKeySource === 'file' ? 'the key file in the data directory' : 'WEFT_ENCRYPTION_KEY'})\n\n`,
      );
      process.stdout.write(
        formatTable(keys.items, [
          { header: 'data key', value: (k) => k.id },
          { header: 'state', value: (k) => k.state },
          { header: 'master key', value: (k) => k.masterKeyId },
          { header: 'values', value: (k) => String(k.values) },
          { header: 'created', value: (k) => k.createdAt },
        ]),
      );
    });

  program
    .command('keys:rotate')
    .description(
      'Rotate the encryption keys without downtime: a new data key, every stored credential re-encrypted under it, every data key rewrapped under the current master key, unused data keys deleted (owner only)',
    )
    .action(async (_flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      client.checkSettings();
      process.stderr.write('• Rotating: re-encrypting every stored credential under a new data key…\n');
      const report = await client.request<RotationReport>('POST', '/api/encryption-keys/rotate', undefined, {
        timeoutMs: rotateTimeoutMs,
      });
      if (options.json) printJson(report);
      else {
        process.stdout.write(
          `${[
            `Data key ${report.newDataKeyId} is active (under master key ${report.masterKeyId}).`,
            `Re-encrypted ${report.reEncryptedValues} value${report.reEncryptedValues === 1 ? '' : 's'}; rewrapped ${report.rewrappedDataKeys} data key${report.rewrappedDataKeys === 1 ? '' : 's'} under the master key.`,
            `Removed data keys: ${report.removedDataKeyIds.join(', ') || 'none'}.`,
          ].join('\n')}\n`,
        );
      }
      if (report.remainingDataKeyIds.length > 0) {
        process.stderr.write(
          `Data keys still in use by values written during the rotation: ${report.remainingDataKeyIds.join(', ')}; run weft keys:rotate again to remove them.\n`,
        );
      }
    });
}
