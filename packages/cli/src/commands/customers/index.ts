/** `weft customers:*`: create, list, show, change and delete customers. */
import type { ApiSchema, paths, WeftClient } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { collect } from '../../options.js';
import { type Column, formatRecord, truncate } from '../../output.js';
import { registerCustomerUserCommands } from './users.js';

type Customer = ApiSchema<'Customer'>;
type CustomerChanges = paths['/api/customers/{id}']['patch']['requestBody']['content']['application/json'];

const columns: Column<Customer>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'external id', value: (c) => c.externalId ?? '' },
  { header: 'labels', value: (c) => c.labels.join(',') },
  { header: 'description', value: (c) => truncate(c.description, 40) },
];

function customerRecord(customer: Customer): string {
  return formatRecord({
    id: customer.id,
    name: customer.name,
    'external id': customer.externalId ?? '',
    description: customer.description,
    labels: customer.labels.join(', '),
    created: customer.createdAt,
    updated: customer.updatedAt,
  });
}

/** The customer a command names by id, or by external id with --by-external-id: its GET, PATCH and DELETE. */
function customerRoutes(weft: WeftClient, customer: string, byExternalId: boolean | undefined) {
  const byId = { params: { path: { id: customer } } };
  const byExternal = { params: { path: { externalId: customer } } };
  const external = '/api/customers/by-external-id/{externalId}';
  return {
    get: () => (byExternalId ? weft.GET(external, byExternal) : weft.GET('/api/customers/{id}', byId)),
    patch: (body: CustomerChanges) =>
      byExternalId
        ? weft.PATCH(external, { ...byExternal, body })
        : weft.PATCH('/api/customers/{id}', { ...byId, body }),
    delete: () =>
      byExternalId ? weft.DELETE(external, byExternal) : weft.DELETE('/api/customers/{id}', byId),
  };
}

interface UpdateFlags {
  byExternalId?: boolean;
  name?: string;
  externalId?: string;
  removeExternalId?: boolean;
  description?: string;
  label?: string[];
  labels?: boolean;
}

function changesOf(flags: UpdateFlags): CustomerChanges {
  const changes: CustomerChanges = {};
  if (flags.name !== undefined) changes.name = flags.name;
  if (flags.externalId !== undefined) changes.externalId = flags.externalId;
  if (flags.removeExternalId) changes.externalId = null;
  if (flags.description !== undefined) changes.description = flags.description;
  if (flags.label) changes.labels = flags.label;
  if (flags.labels === false) changes.labels = [];
  return changes;
}

const byExternalIdFlag = ['-x, --by-external-id', 'treat <customer> as the external id'] as const;

function registerCreateAndList(program: Command): void {
  program
    .command('customers:create')
    .description('Create a customer')
    .requiredOption('-n, --name <name>', 'customer name (unique in the organization)')
    .option('-e, --external-id <id>', "the customer's id in your own app")
    .option('-d, --description <text>', 'description')
    .option('-l, --label <label>', 'a label; repeat for several', collect)
    .action(
      apiAction(
        (
          { weft, json },
          flags: { name: string; externalId?: string; description?: string; label?: string[] },
        ) => {
          const { name, externalId, description, label: labels } = flags;
          const body = { name, externalId, description, labels };
          return printAnswerOf(json, weft.POST('/api/customers', { body }), customerRecord);
        },
      ),
    );

  withPagingOptions(
    program
      .command('customers:list')
      .description('List customers, oldest first')
      .option('-s, --search <text>', 'match name, external id or description')
      .option('-l, --label <label>', 'only customers with this label; repeat for several', collect),
    'customers',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags & { search?: string; label?: string[] }) => {
      const { search, label } = flags;
      return listPages(
        (cursor, limit) =>
          weft.GET('/api/customers', { params: { query: { search, label, limit, cursor } } }),
        flags,
        { json, noun: 'customers', columns },
      );
    }),
  );
}

/** `customers:get|update|delete`: one customer, by id or by external id. */
function registerCustomerCommandsById(program: Command): void {
  program
    .command('customers:get <customer>')
    .description('Show a customer, by id (or by external id with --by-external-id)')
    .option(...byExternalIdFlag)
    .action(
      apiAction(({ weft, json }, customer: string, flags: { byExternalId?: boolean }) =>
        printAnswerOf(json, customerRoutes(weft, customer, flags.byExternalId).get(), customerRecord),
      ),
    );

  program
    .command('customers:update <customer>')
    .description('Change a customer; only the options given change, and --label replaces all labels')
    .option(...byExternalIdFlag)
    .option('-n, --name <name>', 'new name')
    .option('-e, --external-id <id>', 'new external id')
    .option('--remove-external-id', 'remove the external id')
    .option('-d, --description <text>', 'new description')
    .option('-l, --label <label>', 'a label; repeat for several (replaces the current labels)', collect)
    .option('--no-labels', 'remove every label')
    .action(
      apiAction(({ weft, json }, customer: string, flags: UpdateFlags) => {
        const update = customerRoutes(weft, customer, flags.byExternalId).patch(changesOf(flags));
        return printAnswerOf(json, update, customerRecord);
      }),
    );

  program
    .command('customers:delete <customer>')
    .description('Delete a customer (permanent)')
    .option(...byExternalIdFlag)
    .action(
      apiAction(({ weft, json }, customer: string, flags: { byExternalId?: boolean }) =>
        printAnswerOf(
          json,
          customerRoutes(weft, customer, flags.byExternalId).delete(),
          (deleted) => `Deleted customer ${deleted.name} (${deleted.id})\n`,
        ),
      ),
    );
}

export function registerCustomerCommands(program: Command): void {
  registerCreateAndList(program);
  registerCustomerCommandsById(program);
  registerCustomerUserCommands(program);
}
