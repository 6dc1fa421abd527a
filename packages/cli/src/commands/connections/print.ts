/** How connections, their credentials, tests and authorizations print. */
import type { ApiSchema } from '@weft/client';
import { CliError } from '../../cli-error.js';
import { type Column, formatRecord, formatTable, printJson } from '../../output.js';

type Connection = ApiSchema<'Connection'>;
type Credentials = ApiSchema<'ConnectionCredentials'>;
type TestResult = ApiSchema<'ConnectionTestResult'>;

export const connectionColumns: Column<Connection>[] = [
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

/** Input values as `name=value, …` (secrets arrive masked). */
export function inputsText(fields: Credentials['fields']): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name}=${inputText(value)}`)
    .join(', ');
}

/** A connection's inputs and state, as lines of a record. */
function credentialsRecord(view: Credentials): Record<string, string> {
  const inputs = inputsText(view.fields);
  const { token } = view;
  return {
    status: view.statusMessage ? `${view.status}: ${view.statusMessage}` : view.status,
    inputs: inputs === '' ? '(none readable)' : inputs,
    token: token.present
      ? `present${token.expiresAt ? `, expires ${token.expiresAt}` : ''}${token.scope ? `, scope ${token.scope}` : ''}`
      : 'none',
    updated: view.updatedAt,
  };
}

export function connectionRecord(connection: Connection): string {
  return formatRecord({
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
  });
}

export function customerConnectionRecord(entry: ApiSchema<'CustomerConnection'>): string {
  return formatRecord({
    customer: `${entry.customer.name} (${entry.customer.externalId ?? entry.customer.id})`,
    ...credentialsRecord(entry.credentials),
  });
}

/** Prints a test result; a failed check exits 1 (after the result, so scripts see what failed). */
export function printTestResult(result: TestResult, label: string, json: boolean): void {
  if (json) printJson(result);
  else process.stdout.write(formatTable(result.checks, checkColumns));
  if (!result.ok) {
    const failed = result.checks.find((check) => !check.ok);
    throw new CliError(`Connection ${label} does not work${failed ? `: ${failed.message}` : '.'}`, 1);
  }
  if (!json) process.stdout.write(`Connection ${label} works.\n`);
}

/** The URL to open on stdout, what to do with it on stderr. */
export function printAuthorization(authorization: ApiSchema<'ConnectionAuthorization'>, json: boolean): void {
  if (json) {
    printJson(authorization);
    return;
  }
  process.stdout.write(`${authorization.authorizeUrl}\n`);
  process.stderr.write(
    `Open this URL in a browser and sign in to the provider before ${authorization.expiresAt}; Weft stores the token when the provider sends the browser back.\n`,
  );
}
