/**
 * Testing and authorizing connections: `connections:test|authorize` for the organization's, and
 * `instances:connections|authorize|test-connection` for an instance's connection config variables.
 */
import { answerOf } from '@weft/client';
import type { Command } from 'commander';
import { printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { inputsText, printAuthorization, printTestResult } from './print.js';

const customerOption = [
  '--customer <customer>',
  "per-customer connections: the customer's id or external id",
] as const;
const checkUrlOption = [
  '--check-url <url>',
  'a URL an authenticated GET of must answer 2xx (not --url: that one names the Weft server)',
] as const;
const returnToOption = ['--return-to <url>', 'where the browser goes once authorized'] as const;

interface CheckFlags {
  customer?: string;
  checkUrl?: string;
}

interface AuthorizeFlags {
  customer?: string;
  returnTo?: string;
}

function registerOrganizationChecks(program: Command): void {
  program
    .command('connections:test <connection>')
    .description(
      'Test a connection: every required input set, an OAuth 2.0 token obtained, and with --check-url an authenticated GET answering 2xx; exit 1 when a check fails',
    )
    .option(...customerOption)
    .option(...checkUrlOption)
    .action(
      apiAction(async ({ weft, json }, connection: string, flags: CheckFlags) => {
        const params = { path: { id: connection } };
        const body = { customer: flags.customer, url: flags.checkUrl };
        const result = await answerOf(weft.POST('/api/connections/{id}/test', { params, body }));
        printTestResult(result, `'${connection}'`, json);
      }),
    );

  program
    .command('connections:authorize <connection>')
    .description(
      'Start the OAuth 2.0 authorization of a connection: prints the URL to open in a browser (valid 10 minutes)',
    )
    .option(...customerOption)
    .option(...returnToOption)
    .action(
      apiAction(async ({ weft, json }, connection: string, flags: AuthorizeFlags) => {
        const params = { path: { id: connection } };
        const body = { customer: flags.customer, returnTo: flags.returnTo };
        printAuthorization(
          await answerOf(weft.POST('/api/connections/{id}/authorize', { params, body })),
          json,
        );
      }),
    );
}

function registerInstanceChecks(program: Command): void {
  program
    .command('instances:connections <id>')
    .description(
      "An instance's connection config variables: where each one's credentials come from and their state",
    )
    .action(
      apiAction(({ weft, json }, id: string) =>
        printItems(json, weft.GET('/api/instances/{id}/connections', { params: { path: { id } } }), [
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
          { header: 'inputs', value: (c) => inputsText(c.connection?.fields ?? {}) },
        ]),
      ),
    );

  program
    .command('instances:authorize <id> <configVar>')
    .description(
      "Start the OAuth 2.0 authorization of an instance's connection config variable: prints the URL to open in a browser",
    )
    .option(...returnToOption)
    .action(
      apiAction(async ({ weft, json }, id: string, configVar: string, flags: { returnTo?: string }) => {
        const params = { path: { id, configVar } };
        const body = { returnTo: flags.returnTo };
        const route = '/api/instances/{id}/connections/{configVar}/authorize';
        printAuthorization(await answerOf(weft.POST(route, { params, body })), json);
      }),
    );

  program
    .command('instances:test-connection <id> <configVar>')
    .description(
      "Test an instance's connection config variable (as connections:test); exit 1 when a check fails",
    )
    .option(...checkUrlOption)
    .action(
      apiAction(async ({ weft, json }, id: string, configVar: string, flags: { checkUrl?: string }) => {
        const params = { path: { id, configVar } };
        const body = { url: flags.checkUrl };
        const result = await answerOf(
          weft.POST('/api/instances/{id}/connections/{configVar}/test', { params, body }),
        );
        printTestResult(result, `'${configVar}'`, json);
      }),
    );
}

export function registerCheckCommands(program: Command): void {
  registerOrganizationChecks(program);
  registerInstanceChecks(program);
}
