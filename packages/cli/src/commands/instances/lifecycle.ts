/** `instances:pause|unpause|delete|deploy|upgrade`: an instance's life, and the flows that run with it. */
import { answerOf } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { versionNumber } from '../../options.js';
import { errorText, printJson } from '../../output.js';
import { deployText } from './print.js';

function registerPauseAndDelete(program: Command): void {
  for (const pause of [true, false]) {
    const action = pause ? 'pause' : 'unpause';
    program
      .command(`instances:${action} <id>`)
      .description(
        pause ? 'Pause an instance: its flows no longer run' : 'Unpause an instance: its flows run again',
      )
      .action(
        apiAction(({ weft, json }, id: string) => {
          const route = pause ? '/api/instances/{id}/pause' : '/api/instances/{id}/unpause';
          return printAnswerOf(
            json,
            weft.POST(route, { params: { path: { id } } }),
            (instance) => `${pause ? 'Paused' : 'Unpaused'} instance ${instance.name} (${instance.id})\n`,
          );
        }),
      );
  }

  program
    .command('instances:delete <id>')
    .description(
      'Delete an instance (permanent): its remove-trigger flows run first, then the instance and its data go',
    )
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        const params = { path: { id } };
        const { name } = await answerOf(weft.GET('/api/instances/{id}', { params }));
        const outcome = await answerOf(weft.DELETE('/api/instances/{id}', { params }));
        if (json) return printJson({ id, name, ...outcome });
        for (const run of outcome.removeExecutions) {
          const reason = errorText(run.error, { withStep: true });
          process.stdout.write(`Remove flow ${run.flow}: ${run.status}${reason ? ` (${reason})` : ''}\n`);
        }
        process.stdout.write(`Deleted instance ${name} (${id})\n`);
      }),
    );
}

function registerDeployAndUpgrade(program: Command): void {
  program
    .command('instances:deploy <id>')
    .description(
      'Deploy an instance: its configured version starts running (webhook URLs, API keys, schedules), then its deploy flows run',
    )
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/instances/{id}/deploy', { params: { path: { id } } }),
          deployText,
        ),
      ),
    );

  program
    .command('instances:upgrade <id>')
    .description(
      'Move an instance to another available version (default: the newest; an older one pins it), keeping its config values; a deployed instance is redeployed',
    )
    .option('-v, --version <n>', 'the version number', versionNumber)
    .option('--no-deploy', 'only set the version; deploy later with instances:deploy')
    .action(
      apiAction(({ weft, json }, id: string, flags: { version?: number; deploy: boolean }) => {
        const body = { versionNumber: flags.version, deploy: flags.deploy };
        const upgrade = weft.POST('/api/instances/{id}/upgrade', { params: { path: { id } }, body });
        return printAnswerOf(json, upgrade, ({ instance, deployed }) =>
          [
            `Instance ${instance.name} is set to version ${instance.versionNumber}.\n`,
            deployed
              ? deployText(deployed)
              : `Not deployed; run \`weft instances:deploy ${id}\` to make it the running version.\n`,
          ].join(''),
        );
      }),
    );
}

export function registerLifecycleCommands(program: Command): void {
  registerPauseAndDelete(program);
  registerDeployAndUpgrade(program);
}
