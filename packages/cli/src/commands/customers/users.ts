/** `weft customers:users:*`: the people of a customer (most arrive through embedded sign-in; rarely made by hand). */
import type { ApiSchema, paths } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { choice } from '../../options.js';
import { type Column, formatRecord } from '../../output.js';

type CustomerUser = ApiSchema<'CustomerUser'>;
type CustomerUserRole = CustomerUser['role'];
type CustomerUserChanges =
  paths['/api/customer-users/{id}']['patch']['requestBody']['content']['application/json'];

const roles: readonly CustomerUserRole[] = ['admin', 'member', 'marketplace-admin', 'marketplace-user'];
const roleHelp = 'admin, member, marketplace-admin or marketplace-user';
const role = choice(roles, roleHelp);

const columns: Column<CustomerUser>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'name', value: (u) => u.name },
  { header: 'email', value: (u) => u.email ?? '' },
  { header: 'external id', value: (u) => u.externalId ?? '' },
  { header: 'role', value: (u) => u.role },
  { header: 'last sign-in', value: (u) => u.lastSignInAt ?? 'never' },
];

function userRecord(user: CustomerUser): string {
  return formatRecord({
    id: user.id,
    customer: user.customerId,
    name: user.name,
    email: user.email ?? '',
    'external id': user.externalId ?? '',
    role: user.role,
    'last sign-in': user.lastSignInAt ?? 'never',
    created: user.createdAt,
    updated: user.updatedAt,
  });
}

interface UpdateFlags {
  name?: string;
  email?: string;
  removeEmail?: boolean;
  externalId?: string;
  removeExternalId?: boolean;
  role?: CustomerUserRole;
}

function changesOf(flags: UpdateFlags): CustomerUserChanges {
  const changes: CustomerUserChanges = {};
  if (flags.name !== undefined) changes.name = flags.name;
  if (flags.email !== undefined) changes.email = flags.email;
  if (flags.removeEmail) changes.email = null;
  if (flags.externalId !== undefined) changes.externalId = flags.externalId;
  if (flags.removeExternalId) changes.externalId = null;
  if (flags.role !== undefined) changes.role = flags.role;
  return changes;
}

export function registerCustomerUserCommands(program: Command): void {
  withPagingOptions(
    program
      .command('customers:users:list')
      .description("List a customer's users, oldest first")
      .requiredOption('-c, --customer <customer>', 'customer id or external id')
      .option('-s, --search <text>', 'match name, email or external id')
      .option('-r, --role <role>', `only users with this role: ${roleHelp}`, role),
    'users',
  ).action(
    apiAction(
      (
        { weft, json },
        flags: PagingFlags & { customer: string; search?: string; role?: CustomerUserRole },
      ) => {
        const { search, role: only } = flags;
        return listPages(
          (cursor, limit) =>
            weft.GET('/api/customers/{customer}/users', {
              params: { path: { customer: flags.customer }, query: { search, role: only, limit, cursor } },
            }),
          flags,
          { json, noun: 'users', columns },
        );
      },
    ),
  );

  program
    .command('customers:users:create')
    .description(
      'Create a customer user (embedded sign-in creates them on first sign-in; this is rarely needed)',
    )
    .requiredOption('-c, --customer <customer>', 'customer id or external id')
    .requiredOption('-n, --name <name>', 'full name')
    .option('-e, --email <email>', 'email (unique within the customer)')
    .option('-x, --external-id <id>', "the user's id in your app: the external_id (or sub) of their JWTs")
    .requiredOption('-r, --role <role>', roleHelp, role)
    .action(
      apiAction(
        (
          { weft, json },
          flags: {
            customer: string;
            name: string;
            email?: string;
            externalId?: string;
            role: CustomerUserRole;
          },
        ) => {
          const body = {
            name: flags.name,
            email: flags.email,
            externalId: flags.externalId,
            role: flags.role,
          };
          return printAnswerOf(
            json,
            weft.POST('/api/customers/{customer}/users', {
              params: { path: { customer: flags.customer } },
              body,
            }),
            userRecord,
          );
        },
      ),
    );

  program
    .command('customers:users:get <id>')
    .description('Show a customer user')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(json, weft.GET('/api/customer-users/{id}', { params: { path: { id } } }), userRecord),
      ),
    );

  program
    .command('customers:users:update <id>')
    .description('Change a customer user; only the options given change')
    .option('-n, --name <name>', 'new name')
    .option('-e, --email <email>', 'new email')
    .option('--remove-email', 'remove the email')
    .option('-x, --external-id <id>', 'new external id')
    .option('--remove-external-id', 'remove the external id')
    .option('-r, --role <role>', `new role: ${roleHelp}`, role)
    .action(
      apiAction(({ weft, json }, id: string, flags: UpdateFlags) =>
        printAnswerOf(
          json,
          weft.PATCH('/api/customer-users/{id}', { params: { path: { id } }, body: changesOf(flags) }),
          userRecord,
        ),
      ),
    );

  program
    .command('customers:users:delete <id>')
    .description('Delete a customer user (one of embedded sign-in comes back on their next sign-in)')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.DELETE('/api/customer-users/{id}', { params: { path: { id } } }),
          (deleted) =>
            `Deleted customer user ${deleted.name || deleted.externalId || deleted.email} (${deleted.id})\n`,
        ),
      ),
    );
}
