import type { Command } from 'commander';
import { queryString } from '../api-client.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatTable, printJson } from '../output.js';

interface ApiToken {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

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
    .action(async (flags: { name: string; role: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const created = await clientFor(options).request<{ token: ApiToken; secret: string }>(
        'POST',
        '/api/tokens',
        flags,
      );
      if (options.json) return printJson(created);
      process.stdout.write(
        `Created token ${created.token.name} (${created.token.role}), id ${created.token.id}.\nToken (shown only this once):\n  ${created.secret}\n`,
      );
    });

  program
    .command('tokens:list')
    .description("List the organization's API tokens")
    .option('--include-revoked', 'also list revoked tokens')
    .action(async (flags: { includeRevoked?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: ApiToken[] }>(
        'GET',
        `/api/tokens${queryString({ includeRevoked: flags.includeRevoked ? 'true' : undefined })}`,
      );
      if (options.json) return printJson({ items });
      process.stdout.write(formatTable(items, columns));
    });

  program
    .command('tokens:revoke <id>')
    .description('Revoke an API token; it stops working at once')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const revoked = await clientFor(options).request<ApiToken>(
        'DELETE',
        `/api/tokens/${encodeURIComponent(id)}`,
      );
      if (options.json) return printJson(revoked);
      process.stdout.write(`Revoked token ${revoked.name} (${revoked.id})\n`);
    });
}
