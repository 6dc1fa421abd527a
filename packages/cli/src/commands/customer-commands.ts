import type { Command } from 'commander';
import { listPages } from '../api-client.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatRecord, formatTable, printJson } from '../output.js';

interface Customer {
  id: string;
  name: string;
  externalId: string | null;
  description: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

const columns: Column<Customer>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'external id', value: (c) => c.externalId ?? '' },
  { header: 'labels', value: (c) => c.labels.join(',') },
  {
    header: 'description',
    value: (c) => (c.description.length > 40 ? `${c.description.slice(0, 39)}…` : c.description),
  },
];

function printCustomer(customer: Customer, json: boolean): void {
  if (json) {
    printJson(customer);
    return;
  }
  process.stdout.write(
    formatRecord({
      id: customer.id,
      name: customer.name,
      'external id': customer.externalId ?? '',
      description: customer.description,
      labels: customer.labels.join(', '),
      created: customer.createdAt,
      updated: customer.updatedAt,
    }),
  );
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The API path of a customer named on the command line by id, or by externalId with --by-external-id. */
function customerPath(customer: string, byExternalId: boolean | undefined): string {
  return byExternalId
    ? `/api/customers/by-external-id/${encodeURIComponent(customer)}`
    : `/api/customers/${encodeURIComponent(customer)}`;
}

export function registerCustomerCommands(program: Command): void {
  program
    .command('customers:create')
    .description('Create a customer')
    .requiredOption('-n, --name <name>', 'customer name (unique in the organization)')
    .option('-e, --external-id <id>', "the customer's id in your own app")
    .option('-d, --description <text>', 'description')
    .option('-l, --label <label>', 'a label; repeat for several', collect)
    .action(
      async (
        flags: { name: string; externalId?: string; description?: string; label?: string[] },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const customer = await clientFor(options).request<Customer>('POST', '/api/customers', {
          name: flags.name,
          ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}),
          ...(flags.description !== undefined ? { description: flags.description } : {}),
          ...(flags.label ? { labels: flags.label } : {}),
        });
        printCustomer(customer, Boolean(options.json));
      },
    );

  program
    .command('customers:list')
    .description('List customers, oldest first')
    .option('-s, --search <text>', 'match name, external id or description')
    .option('-l, --label <label>', 'only customers with this label; repeat for several', collect)
    .option('--limit <n>', 'customers per page', '100')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .action(
      async (
        flags: { search?: string; label?: string[]; limit: string; cursor?: string; all?: boolean },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        await listPages<Customer>(
          clientFor(options),
          {
            path: '/api/customers',
            query: { search: flags.search, label: flags.label, limit: flags.limit },
            noun: 'customers',
          },
          { cursor: flags.cursor, all: flags.all, json: Boolean(options.json) },
          { json: printJson, table: (items) => formatTable(items, columns) },
        );
      },
    );

  program
    .command('customers:get <customer>')
    .description('Show a customer, by id (or by external id with --by-external-id)')
    .option('-x, --by-external-id', 'treat <customer> as the external id')
    .action(async (customer: string, flags: { byExternalId?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      printCustomer(
        await clientFor(options).request<Customer>('GET', customerPath(customer, flags.byExternalId)),
        Boolean(options.json),
      );
    });

  program
    .command('customers:update <customer>')
    .description('Change a customer; only the options given change, and --label replaces all labels')
    .option('-x, --by-external-id', 'treat <customer> as the external id')
    .option('-n, --name <name>', 'new name')
    .option('-e, --external-id <id>', 'new external id')
    .option('--remove-external-id', 'remove the external id')
    .option('-d, --description <text>', 'new description')
    .option('-l, --label <label>', 'a label; repeat for several (replaces the current labels)', collect)
    .option('--no-labels', 'remove every label')
    .action(
      async (
        customer: string,
        flags: {
          byExternalId?: boolean;
          name?: string;
          externalId?: string;
          removeExternalId?: boolean;
          description?: string;
          label?: string[];
          labels?: boolean;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const changes: Record<string, unknown> = {};
        if (flags.name !== undefined) changes.name = flags.name;
        if (flags.externalId !== undefined) changes.externalId = flags.externalId;
        if (flags.removeExternalId) changes.externalId = null;
        if (flags.description !== undefined) changes.description = flags.description;
        if (flags.label) changes.labels = flags.label;
        if (flags.labels === false) changes.labels = [];
        const updated = await clientFor(options).request<Customer>(
          'PATCH',
          customerPath(customer, flags.byExternalId),
          changes,
        );
        printCustomer(updated, Boolean(options.json));
      },
    );

  program
    .command('customers:delete <customer>')
    .description('Delete a customer (permanent)')
    .option('-x, --by-external-id', 'treat <customer> as the external id')
    .action(async (customer: string, flags: { byExternalId?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const deleted = await clientFor(options).request<Customer>(
        'DELETE',
        customerPath(customer, flags.byExternalId),
      );
      if (options.json) return printJson(deleted);
      process.stdout.write(`Deleted customer ${deleted.name} (${deleted.id})\n`);
    });
}
