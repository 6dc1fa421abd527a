/** `integrations:list|get|create|update|fork|delete`: integrations as records. */
import path from 'node:path';
import { type ApiSchema, answerOf, type paths, WeftApiError } from '@weft/client';
import type { Command } from 'commander';
import { listPages, type PagingFlags, printAnswerOf, withPagingOptions } from '../../answers.js';
import { rawBody, restated } from '../../api.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { readUserFile } from '../../files.js';
import { collect } from '../../options.js';
import { counted, printAnswer } from '../../output.js';
import { iconTypes } from './attachments.js';
import { getIntegration, integrationColumns, integrationRecord, uploadTimeoutMs } from './print.js';

type IntegrationChanges =
  paths['/api/integrations/{id}']['patch']['requestBody']['content']['application/json'];

interface UpdateFlags {
  name?: string;
  description?: string;
  category?: string;
  removeCategory?: boolean;
  label?: string[];
  labels?: boolean;
  documentationFile?: string;
  icon?: string;
}

/** What `integrations:update` changes, every file read first (so a wrong path changes nothing). */
async function updateOf(flags: UpdateFlags) {
  const changes: IntegrationChanges = {};
  if (flags.name !== undefined) changes.name = flags.name;
  if (flags.description !== undefined) changes.description = flags.description;
  if (flags.category !== undefined) changes.category = flags.category;
  if (flags.removeCategory) changes.category = null;
  if (flags.label) changes.labels = flags.label;
  if (flags.labels === false) changes.labels = [];
  if (flags.documentationFile !== undefined) {
    changes.documentation = (await readUserFile(flags.documentationFile, 'the documentation')).toString(
      'utf8',
    );
  }
  let icon: { bytes: Buffer; contentType: string } | undefined;
  if (flags.icon !== undefined) {
    const contentType = iconTypes[path.extname(flags.icon).toLowerCase()];
    if (!contentType) {
      throw new CliError(
        `'${flags.icon}' is not an icon Weft takes: use a .png, .jpg, .jpeg, .svg, .webp or .gif file.`,
        2,
      );
    }
    icon = { bytes: await readUserFile(flags.icon, 'the icon'), contentType };
  }
  if (Object.keys(changes).length === 0 && !icon) {
    throw new CliError(
      'Nothing to change: pass --name, --description, --category, --label, --documentation-file or --icon.',
      2,
    );
  }
  return { changes, icon };
}

function registerListAndGet(program: Command): void {
  withPagingOptions(
    program
      .command('integrations:list')
      .description('List integrations')
      .option('-s, --search <text>', 'match name or description')
      .option('--category <category>', 'only integrations in this category')
      .option('-l, --label <label>', 'only integrations with this label; repeat for several', collect),
    'integrations',
  ).action(
    apiAction(
      ({ weft, json }, flags: PagingFlags & { search?: string; category?: string; label?: string[] }) => {
        const { search, category, label } = flags;
        return listPages(
          (cursor, limit) =>
            weft.GET('/api/integrations', { params: { query: { search, category, label, limit, cursor } } }),
          flags,
          { json, noun: 'integrations', columns: integrationColumns },
        );
      },
    ),
  );

  program
    .command('integrations:get <id>')
    .description('Show an integration (--json includes its draft definition)')
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        printAnswer(json, await getIntegration(weft, id), integrationRecord);
      }),
    );
}

function registerCreateAndUpdate(program: Command): void {
  program
    .command('integrations:create')
    .description('Create an integration with an empty draft')
    .requiredOption('-n, --name <name>', 'integration name (unique in the organization)')
    .option('-d, --description <text>', 'description')
    .option('--category <category>', 'category')
    .option('-l, --label <label>', 'a label; repeat for several', collect)
    .action(
      apiAction(
        (
          { weft, json },
          flags: { name: string; description?: string; category?: string; label?: string[] },
        ) => {
          const { name, description, category, label: labels } = flags;
          const body = { name, description, category, labels };
          return printAnswerOf(json, weft.POST('/api/integrations', { body }), integrationRecord);
        },
      ),
    );

  program
    .command('integrations:update <id>')
    .description('Change an integration; only the options given change, and --label replaces all labels')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description')
    .option('--category <category>', 'new category')
    .option('--remove-category', 'remove the category')
    .option('-l, --label <label>', 'a label; repeat for several (replaces the current labels)', collect)
    .option('--no-labels', 'remove every label')
    .option('--documentation-file <file>', 'markdown file with the documentation deployers see')
    .option('--icon <file>', 'icon image (.png, .jpg, .jpeg, .svg, .webp, .gif; at most 1 MiB)')
    .action(
      apiAction(async (api, id: string, flags: UpdateFlags) => {
        const { changes, icon } = await updateOf(flags);
        const params = { path: { id } };
        let integration: ApiSchema<'Integration'> | undefined;
        if (Object.keys(changes).length > 0) {
          integration = await answerOf(api.weft.PATCH('/api/integrations/{id}', { params, body: changes }));
        }
        if (icon) {
          await answerOf(
            api
              .patientClient(uploadTimeoutMs)
              .PUT('/api/integrations/{id}/icon', { params, ...rawBody(icon.bytes, icon.contentType) }),
          );
          integration = await getIntegration(api.weft, id);
        }
        if (integration) printAnswer(api.json, integration, integrationRecord);
      }),
    );
}

export function registerEditCommands(program: Command): void {
  registerListAndGet(program);
  registerCreateAndUpdate(program);
}

export function registerForkAndDelete(program: Command): void {
  program
    .command('integrations:fork <id>')
    .description('Copy an integration (its draft, attachments and icon; not its versions); prints the new id')
    .requiredOption('-n, --name <name>', "the copy's name")
    .option('-d, --description <text>', "the copy's description")
    .action(
      apiAction(({ weft, json }, id: string, flags: { name: string; description?: string }) => {
        const body = { name: flags.name, description: flags.description };
        const fork = weft.POST('/api/integrations/{id}/fork', { params: { path: { id } }, body });
        return printAnswerOf(json, fork, (copy) => `${copy.id}\n`);
      }),
    );

  program
    .command('integrations:delete <id>')
    .description('Delete an integration with its versions and attachments (permanent)')
    .option('-f, --force', 'also delete its instances')
    .action(
      apiAction(async ({ weft, json }, id: string, flags: { force?: boolean }) => {
        const { name } = await getIntegration(weft, id);
        const params = { path: { id }, query: { force: flags.force ? true : undefined } };
        try {
          await answerOf(weft.DELETE('/api/integrations/{id}', { params }));
        } catch (error) {
          if (!(error instanceof WeftApiError) || error.code !== 'INTEGRATION_HAS_INSTANCES') throw error;
          const count = Number(error.details.instanceCount);
          const instances = Number.isFinite(count) ? counted(count, 'instance') : 'instances';
          throw restated(
            error,
            `${name} has ${instances}; nothing was deleted. Pass --force to delete the integration and its ${instances}.`,
          );
        }
        printAnswer(json, { id, name, deleted: true }, () => `Deleted integration ${name} (${id})\n`);
      }),
    );
}
