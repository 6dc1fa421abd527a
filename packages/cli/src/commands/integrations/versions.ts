/** `integrations:versions` and `integrations:versions:available|unavailable`. */
import type { Command } from 'commander';
import { printAnswerOf, printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { versionNumber } from '../../options.js';
import { versionColumns } from './print.js';

export function registerVersionCommands(program: Command): void {
  program
    .command('integrations:versions <id>')
    .description("List an integration's published versions, newest first")
    .action(
      apiAction(({ weft, json }, id: string) =>
        printItems(
          json,
          weft.GET('/api/integrations/{id}/versions', { params: { path: { id } } }),
          versionColumns,
        ),
      ),
    );

  for (const available of [true, false]) {
    const word = available ? 'available' : 'unavailable';
    program
      .command(`integrations:versions:${word} <id>`)
      .description(
        available
          ? 'Mark a published version available again for new deployments'
          : 'Mark a published version unavailable: it can no longer be deployed (running instances keep it)',
      )
      .requiredOption('-v, --version <n>', 'the version number', versionNumber)
      .action(
        apiAction(({ weft, json }, id: string, flags: { version: number }) => {
          const change = weft.PATCH('/api/integrations/{id}/versions/{versionNumber}', {
            params: { path: { id, versionNumber: flags.version } },
            body: { available },
          });
          return printAnswerOf(
            json,
            change,
            (version) => `Version ${version.versionNumber} is now ${word}\n`,
          );
        }),
      );
  }
}
