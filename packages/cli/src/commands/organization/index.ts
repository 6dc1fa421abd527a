/**
 * `weft organization:get|update`: your organization; its id is the `organization` claim of embedded sign-in JWTs.
 * `weft organization:embedding`: the origins of your app that may embed Weft's pages, and their theme.
 */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { formatRecord } from '../../output.js';

type Organization = ApiSchema<'Organization'>;
type EmbeddingSettings = ApiSchema<'EmbeddingSettings'>;

function embeddingRecord(settings: EmbeddingSettings): string {
  return formatRecord({
    'allowed origins': settings.allowedOrigins.join(', ') || '(none)',
    'with WEFT_ALLOWED_ORIGINS': settings.effectiveAllowedOrigins.join(', ') || '(none)',
    theme: Object.keys(settings.theme).length > 0 ? JSON.stringify(settings.theme) : '(default)',
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

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

  program
    .command('organization:embedding')
    .description(
      "Show or change which origins of your app may embed Weft's pages (iframe), and their theme (owners change)",
    )
    .option(
      '--allow-origin <origin>',
      'an origin that may embed the pages (repeat; replaces the list)',
      collect,
    )
    .option('--no-origins', 'allow no origin of your app (only WEFT_ALLOWED_ORIGINS and Weft itself)')
    .option(
      '--theme <json>',
      'the theme as JSON, e.g. \'{"primary":"#0a7","mode":"dark"}\' ({} for the default)',
    )
    .action(
      apiAction(
        async ({ weft, json }, flags: { allowOrigin?: string[]; origins?: boolean; theme?: string }) => {
          const body: { allowedOrigins?: string[]; theme?: Record<string, string> } = {};
          if (flags.allowOrigin) body.allowedOrigins = flags.allowOrigin;
          else if (flags.origins === false) body.allowedOrigins = [];
          if (flags.theme !== undefined) {
            try {
              body.theme = JSON.parse(flags.theme);
            } catch (error) {
              throw new CliError(
                `--theme is not JSON (${(error as Error).message}); pass an object, e.g. --theme '{"primary":"#0a7"}'.`,
                2,
              );
            }
          }
          const call =
            Object.keys(body).length === 0
              ? weft.GET('/api/organization/embedding')
              : weft.PUT('/api/organization/embedding', { body });
          return printAnswerOf(json, call, embeddingRecord);
        },
      ),
    );
}
