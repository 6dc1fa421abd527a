/** `instances:create|configure|list|get|update`: instances and their config values. */
import { answerOf, type paths } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { reportingProblems } from '../../api.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { collect, configSetting, trueOrFalse, versionNumber } from '../../options.js';
import { counted, printAnswer } from '../../output.js';
import { instanceColumns, instanceDetailText, instanceRecord, uuidPattern } from './print.js';

type InstanceChanges = paths['/api/instances/{id}']['patch']['requestBody']['content']['application/json'];

/**
 * Invalid config values (details.problems of INSTANCE_CONFIG_INVALID, each {configVar, message, suggestion?}):
 * one `Var Name: message` line each on stderr; the summary the refusal is thrown with.
 */
function reportConfigProblems(problems: unknown[]): string {
  for (const problem of problems as Array<Record<string, unknown>>) {
    const message = String(problem.message);
    const { suggestion } = problem;
    const hint =
      typeof suggestion === 'string' && suggestion && !message.includes(`'${suggestion}'`)
        ? ` (did you mean '${suggestion}'?)`
        : '';
    process.stderr.write(`${String(problem.configVar)}: ${message}${hint}\n`);
  }
  return `${counted(problems.length, 'invalid config value')}; nothing was stored.`;
}

interface CreateFlags {
  customer: string;
  integration: string;
  version?: number;
  name: string;
  description?: string;
  label?: string[];
}

function registerCreateAndConfigure(program: Command): void {
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
      apiAction(({ weft, json }, flags: CreateFlags) => {
        const {
          integration: integrationId,
          version: versionNumber,
          name,
          description,
          label: labels,
        } = flags;
        const customer = uuidPattern.test(flags.customer)
          ? { customerId: flags.customer }
          : { customerExternalId: flags.customer };
        const body = { ...customer, integrationId, versionNumber, name, description, labels };
        return printAnswerOf(json, weft.POST('/api/instances', { body }), (instance) => `${instance.id}\n`);
      }),
    );

  program
    .command('instances:configure <id>')
    .description('Set config values by variable name (merged into the stored ones; null clears one)')
    .requiredOption(
      '-s, --set <setting>',
      '"Var Name=value"; the value is read as JSON when it parses, else as text; repeat for several',
      configSetting,
    )
    .action(
      apiAction(async ({ weft, json }, id: string, flags: { set: Array<[string, unknown]> }) => {
        const instance = await reportingProblems(
          answerOf(
            weft.PUT('/api/instances/{id}/config', {
              params: { path: { id } },
              body: { values: Object.fromEntries(flags.set) },
            }),
          ),
          reportConfigProblems,
          'INSTANCE_CONFIG_INVALID',
        );
        printAnswer(json, instance, instanceDetailText);
      }),
    );
}

interface ListFlags extends PagingFlags {
  customer?: string;
  integration?: string;
  label?: string[];
  enabled?: boolean;
  search?: string;
}

function registerListAndGet(program: Command): void {
  withPagingOptions(
    program
      .command('instances:list')
      .description('List instances, oldest first')
      .option('-c, --customer <customer>', 'only instances of this customer (id or external id)')
      .option('-i, --integration <id>', 'only instances of this integration')
      .option('-l, --label <label>', 'only instances with this label; repeat for several', collect)
      .option('--enabled <boolean>', 'true: only running instances; false: only paused ones', trueOrFalse)
      .option('-s, --search <text>', 'match name or description'),
    'instances',
  ).action(
    apiAction(({ weft, json }, flags: ListFlags) => {
      const { customer, integration, label, enabled, search } = flags;
      const filters = { customer, integration, label, enabled, search };
      return listPages(
        (cursor, limit) => weft.GET('/api/instances', { params: { query: { ...filters, limit, cursor } } }),
        flags,
        { json, noun: 'instances', columns: instanceColumns },
      );
    }),
  );

  program
    .command('instances:get <id>')
    .description('Show an instance and its config values (secrets show as "(set)")')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.GET('/api/instances/{id}', { params: { path: { id } } }),
          instanceDetailText,
        ),
      ),
    );
}

function registerUpdate(program: Command): void {
  program
    .command('instances:update <id>')
    .description('Change an instance; only the options given change, and --label replaces all labels')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description')
    .option('-l, --label <label>', 'a label; repeat for several (replaces the current labels)', collect)
    .option('--no-labels', 'remove every label')
    .action(
      apiAction(
        async (
          { weft, json },
          id: string,
          flags: { name?: string; description?: string; label?: string[]; labels?: boolean },
        ) => {
          const changes: InstanceChanges = {};
          if (flags.name !== undefined) changes.name = flags.name;
          if (flags.description !== undefined) changes.description = flags.description;
          if (flags.label) changes.labels = flags.label;
          if (flags.labels === false) changes.labels = [];
          if (Object.keys(changes).length === 0) {
            throw new CliError('Nothing to change: pass --name, --description, --label or --no-labels.', 2);
          }
          const update = weft.PATCH('/api/instances/{id}', { params: { path: { id } }, body: changes });
          return printAnswerOf(json, update, instanceRecord);
        },
      ),
    );
}

export function registerEditCommands(program: Command): void {
  registerCreateAndConfigure(program);
  registerListAndGet(program);
  registerUpdate(program);
}
