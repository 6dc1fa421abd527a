/** `weft users:list|invite|update|remove`: the organization's team; and `weft login|logout` (./login.ts). */
import type { ApiSchema, paths } from '@weft/client';
import { type Command, InvalidArgumentError } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { choice } from '../../options.js';
import { type Column, formatRecord } from '../../output.js';
import { registerLoginCommands } from './login.js';

type User = ApiSchema<'User'>;
type Role = User['role'];
type UserChanges = paths['/api/users/{id}']['patch']['requestBody']['content']['application/json'];

/** Every value of a generated union, once: the compiler refuses the list while one is missing or unknown. */
function everyValueOf<Union extends string>() {
  return <const List extends readonly Union[]>(
    list: List & ([Union] extends [List[number]] ? unknown : 'missing a value of the API'),
  ): List => list;
}

const roles = everyValueOf<Role>()(['owner', 'admin', 'integrator', 'support', 'viewer']);
const roleHelp = 'owner, admin, integrator, support or viewer';
const role = choice(roles, roleHelp);

const columns: Column<User>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'email', value: (u) => u.email },
  { header: 'name', value: (u) => u.name },
  { header: 'role', value: (u) => u.role },
  { header: 'status', value: (u) => (u.singleSignOn ? `${u.status} (sso)` : u.status) },
  { header: 'last sign-in', value: (u) => u.lastSignInAt ?? 'never' },
];

function userRecord(user: User): string {
  return formatRecord({
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    password: user.hasPassword ? 'set' : 'not set',
    'single sign-on': user.singleSignOn ? 'linked' : 'no',
    'last sign-in': user.lastSignInAt ?? 'never',
    created: user.createdAt,
  });
}

/** `--password` is taken as given; the server says when it does not meet the policy (never quoting it). */
function nonEmpty(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a password (12 to 256 characters).');
  return value;
}

export function registerUserCommands(program: Command): void {
  withPagingOptions(
    program
      .command('users:list')
      .description("List the organization's users, oldest first")
      .option('-s, --search <text>', 'match email or name')
      .option('-r, --role <role>', `only users with this role: ${roleHelp}`, role),
    'users',
  ).action(
    apiAction(({ weft, json }, flags: PagingFlags & { search?: string; role?: Role }) =>
      listPages(
        (cursor, limit) =>
          weft.GET('/api/users', {
            params: { query: { search: flags.search, role: flags.role, limit, cursor } },
          }),
        flags,
        { json, noun: 'users', columns },
      ),
    ),
  );

  program
    .command('users:invite')
    .description(
      'Invite a user: prints a one-time invitation link (valid 7 days) where they choose a password; with --password they can sign in at once',
    )
    .requiredOption('-e, --email <email>', 'their email address (unique in the organization)')
    .requiredOption('-n, --name <name>', 'their name')
    .requiredOption('-r, --role <role>', roleHelp, role)
    .option(
      '--password <password>',
      'set their password now, for automation (12 to 256 characters)',
      nonEmpty,
    )
    .action(
      apiAction(({ weft, json }, flags: { email: string; name: string; role: Role; password?: string }) => {
        const body = { email: flags.email, name: flags.name, role: flags.role, password: flags.password };
        return printAnswerOf(json, weft.POST('/api/users', { body }), ({ user, invitationUrl }) =>
          invitationUrl
            ? `Invited ${user.email} (${user.role}), id ${user.id}.\nInvitation link (valid 7 days, works once; shown only this once):\n  ${invitationUrl}\n`
            : `Created ${user.email} (${user.role}), id ${user.id}. They can sign in now.\n`,
        );
      }),
    );

  program
    .command('users:update <id>')
    .description("Change a user's name or role")
    .option('-n, --name <name>', 'new name')
    .option('-r, --role <role>', `new role: ${roleHelp}`, role)
    .action(
      apiAction(({ weft, json }, id: string, flags: { name?: string; role?: Role }) => {
        const body: UserChanges = {};
        if (flags.name !== undefined) body.name = flags.name;
        if (flags.role !== undefined) body.role = flags.role;
        if (Object.keys(body).length === 0)
          throw new CliError('Nothing to change: pass --name and/or --role.', 2);
        return printAnswerOf(
          json,
          weft.PATCH('/api/users/{id}', { params: { path: { id } }, body }),
          userRecord,
        );
      }),
    );

  program
    .command('users:remove <id>')
    .description('Remove a user: their sessions end and the API tokens they own are deleted')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.DELETE('/api/users/{id}', { params: { path: { id } } }),
          (removed) => `Removed ${removed.email} (${removed.id})\n`,
        ),
      ),
    );

  registerLoginCommands(program);
}
