/** `connections:list|get|create|update|delete`: the organization's connections. */
import { answerOf, type paths } from '@weft/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { printAnswerOf, printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { choice } from '../../options.js';
import { printAnswer } from '../../output.js';
import { connectionColumns, connectionRecord } from './print.js';
import { checkedInputs, type ValueFlags, valuesOf, withValueOptions } from './values.js';

type ConnectionCreate = paths['/api/connections']['post']['requestBody']['content']['application/json'];
type ConnectionChanges =
  paths['/api/connections/{id}']['patch']['requestBody']['content']['application/json'];

const kinds: ConnectionCreate['kind'][] = ['org_global', 'org_customer', 'customer_activated'];

/** `component/connection`, as `http/apiKey`. */
function connectionRef(value: string): { component: string; connection: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!match)
    throw new InvalidArgumentError(`expected component/connection (as http/apiKey), got '${value}'.`);
  return { component: match[1] as string, connection: match[2] as string };
}

interface CreateFlags extends ValueFlags {
  stableKey: string;
  kind: ConnectionCreate['kind'];
  name: string;
  description?: string;
  connection: { component: string; connection: string };
}

function registerListAndGet(program: Command): void {
  program
    .command('connections:list')
    .description(
      "List the organization's connections (integration-agnostic: used by integrations by stable key)",
    )
    .action(apiAction(({ weft, json }) => printItems(json, weft.GET('/api/connections'), connectionColumns)));

  program
    .command('connections:get <connection>')
    .description('Show a connection, by id or stable key (secret inputs show as ********)')
    .action(
      apiAction(({ weft, json }, connection: string) => {
        const params = { path: { id: connection } };
        return printAnswerOf(json, weft.GET('/api/connections/{id}', { params }), connectionRecord);
      }),
    );
}

function registerCreate(program: Command): void {
  withValueOptions(
    program
      .command('connections:create')
      .description(
        'Create a connection integrations use by its stable key (useScopedConfigVar); prints its id. An org_global one holds one set of credentials (--set); the others one per customer (connections:set-customer)',
      )
      .requiredOption('-k, --stable-key <key>', 'the key definitions refer to it by (letters, digits, . _ -)')
      .addOption(
        new Option('--kind <kind>', 'org_global, org_customer or customer_activated')
          .argParser(choice(kinds, `one of ${kinds.join(', ')}`))
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
    apiAction(async ({ weft, json }, flags: CreateFlags) => {
      const values = await valuesOf(flags);
      const { stableKey, kind, name, description } = flags;
      const body = { stableKey, kind, name, description, ...flags.connection, values };
      const created = await checkedInputs(answerOf(weft.POST('/api/connections', { body })));
      printAnswer(json, created, (c) => `${c.id}\n`);
    }),
  );
}

function registerUpdateAndDelete(program: Command): void {
  withValueOptions(
    program
      .command('connections:update <connection>')
      .description(
        "Rename or describe a connection, or change an org_global connection's input values (merged into the stored ones)",
      )
      .option('-n, --name <name>', 'new name')
      .option('-d, --description <text>', 'new description'),
  ).action(
    apiAction(
      async (
        { weft, json },
        connection: string,
        flags: ValueFlags & { name?: string; description?: string },
      ) => {
        const values = await valuesOf(flags);
        const changes: ConnectionChanges = {};
        if (flags.name !== undefined) changes.name = flags.name;
        if (flags.description !== undefined) changes.description = flags.description;
        if (values) changes.values = values;
        if (Object.keys(changes).length === 0) {
          throw new CliError(
            'Nothing to change: pass --name, --description, --set, --unset or --values-file.',
            2,
          );
        }
        const updated = await checkedInputs(
          answerOf(
            weft.PATCH('/api/connections/{id}', { params: { path: { id: connection } }, body: changes }),
          ),
        );
        printAnswer(json, updated, connectionRecord);
      },
    ),
  );

  program
    .command('connections:delete <connection>')
    .description('Delete a connection and every credential it holds (permanent)')
    .action(
      apiAction(async ({ weft, json }, connection: string) => {
        const found = await answerOf(
          weft.GET('/api/connections/{id}', { params: { path: { id: connection } } }),
        );
        await answerOf(weft.DELETE('/api/connections/{id}', { params: { path: { id: found.id } } }));
        printAnswer(
          json,
          { id: found.id, stableKey: found.stableKey, deleted: true },
          () => `Deleted connection ${found.name} (${found.stableKey})\n`,
        );
      }),
    );
}

export function registerConnectionManagement(program: Command): void {
  registerListAndGet(program);
  registerCreate(program);
  registerUpdateAndDelete(program);
}
