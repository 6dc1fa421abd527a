/** `weft tokens:create|list|revoke` (`tokens:recover` runs on the server's machine: see ../local). */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf, printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import type { Column } from '../../output.js';

type ApiToken = ApiSchema<'ApiToken'>;

const columns: Column<ApiToken>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'role', value: (t) => t.role },
  { header: 'prefix', value: (t) => t.prefix },
  { header: 'last used', value: (t) => t.lastUsedAt ?? 'never' },
  { header: 'status', value: (t) => (t.revokedAt ? `revoked ${t.revokedAt}` : 'active') },
];

export function registerTokenCommands(program: Command): void {
  program
    .command('tokens:create')
    .description('Create an API token; the token is printed once')
    .requiredOption('-n, --name <name>', 'what the token is for')
    .requiredOption('-r, --role <role>', 'owner, admin, integrator, support or viewer')
    .action(
      apiAction(({ weft, json }, flags: { name: string; role: string }) => {
        // The server checks the role, and names the roles there are when it is not one.
        const body = { name: flags.name, role: flags.role as ApiToken['role'] };
        return printAnswerOf(
          json,
          weft.POST('/api/tokens', { body }),
          ({ token, secret }) =>
            `Created token ${token.name} (${token.role}), id ${token.id}.\nToken (shown only this once):\n  ${secret}\n`,
        );
      }),
    );

  program
    .command('tokens:list')
    .description("List the organization's API tokens")
    .option('--include-revoked', 'also list revoked tokens')
    .action(
      apiAction(({ weft, json }, flags: { includeRevoked?: boolean }) => {
        const query = { includeRevoked: flags.includeRevoked ? true : undefined };
        return printItems(json, weft.GET('/api/tokens', { params: { query } }), columns);
      }),
    );

  program
    .command('tokens:revoke <id>')
    .description('Revoke an API token; it stops working at once')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.DELETE('/api/tokens/{id}', { params: { path: { id } } }),
          (revoked) => `Revoked token ${revoked.name} (${revoked.id})\n`,
        ),
      ),
    );
}
