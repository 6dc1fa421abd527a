/** `weft organization:get|update`: your organization; its id is the `organization` claim of embedded sign-in JWTs. */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { formatRecord } from '../../output.js';

type Organization = ApiSchema<'Organization'>;

function organizationRecord(organization: Organization): string {
  return formatRecord({
    id: organization.id,
    name: organization.name,
    created: organization.createdAt,
    'active signing keys': String(organization.activeSigningKeys),
  });
}

export function registerOrganizationCommands(program: Command): void {
  program
    .command('organization:get')
    .description('Show your organization (its id is the organization claim of embedded sign-in JWTs)')
    .action(
      apiAction(({ weft, json }) => printAnswerOf(json, weft.GET('/api/organization'), organizationRecord)),
    );

  program
    .command('organization:update')
    .description('Rename your organization (owners)')
    .requiredOption('-n, --name <name>', 'the new name')
    .action(
      apiAction(({ weft, json }, flags: { name: string }) =>
        printAnswerOf(
          json,
          weft.PATCH('/api/organization', { body: { name: flags.name } }),
          organizationRecord,
        ),
      ),
    );
}
