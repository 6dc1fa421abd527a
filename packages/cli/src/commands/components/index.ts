/** `weft components:*`: scaffold, build and publish custom components, and list what is published. */
import { type ApiSchema, answerOf } from '@weft/client';
import type { Command } from 'commander';
import { reportingProblems } from '../../api.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { buildComponentBundle } from '../../code-native-build.js';
import { ComponentScaffoldError, scaffoldComponent } from '../../component-scaffold.js';
import {
  type Column,
  counted,
  formatBytes,
  printAnswer,
  printJson,
  printTable,
  progress,
  truncate,
} from '../../output.js';
import { registerBundleCommand } from '../bundle-command.js';
import { bundleAt, fallbackNote, nativeAddonsNote } from './bundle.js';

/** A component bundle may be megabytes: wait as long as `integrations:import` does. */
const uploadTimeoutMs = 300_000;

const componentColumns: Column<ApiSchema<'ComponentSummary'>>[] = [
  { header: 'key', value: (c) => c.key },
  { header: 'label', value: (c) => c.label },
  { header: 'latest', value: (c) => String(c.latestVersion) },
  { header: 'versions', value: (c) => String(c.versionCount) },
  { header: 'published', value: (c) => c.publishedAt },
];

const versionColumns: Column<ApiSchema<'ComponentVersion'>>[] = [
  { header: 'version', value: (v) => String(v.version) },
  { header: 'published', value: (v) => v.publishedAt },
  { header: 'size', value: (v) => formatBytes(v.bundleBytes) },
  { header: 'sha256', value: (v) => v.sha256.slice(0, 12) },
  { header: 'comment', value: (v) => truncate(v.comment, 60) },
];

/** `2 actions, 1 trigger, 1 data source, 1 connection`. */
function contents(published: ApiSchema<'PublishedComponent'>): string {
  return [
    counted(published.actions?.length ?? 0, 'action'),
    counted(published.triggers?.length ?? 0, 'trigger'),
    counted(published.dataSources?.length ?? 0, 'data source'),
    counted(published.connections?.length ?? 0, 'connection'),
  ].join(', ');
}

/** A refusal's problems (strings, or objects with a message), one a line on stderr; its message stays. */
function printRefusalProblems(problems: unknown[], error: Error): string {
  for (const problem of problems) {
    const text =
      typeof problem === 'string'
        ? problem
        : typeof (problem as { message?: unknown })?.message === 'string'
          ? (problem as { message: string }).message
          : JSON.stringify(problem);
    process.stderr.write(`  - ${text}\n`);
  }
  return error.message;
}

function registerInit(program: Command): void {
  program
    .command('components:init <name>')
    .description(
      'Create a custom component project in ./NAME (or --dir): a component written with @weft/sdk, its test, and the files to build and publish it',
    )
    .option('-d, --dir <dir>', 'where to create it (default ./NAME); must not exist yet or be empty')
    .action(async (name: string, flags: { dir?: string }, command: Command) => {
      let result: Awaited<ReturnType<typeof scaffoldComponent>>;
      try {
        result = await scaffoldComponent({ name, ...(flags.dir !== undefined ? { dir: flags.dir } : {}) });
      } catch (error) {
        if (error instanceof ComponentScaffoldError) throw new CliError(error.message, error.usage ? 2 : 1);
        throw error;
      }
      if (command.optsWithGlobals<{ json?: boolean }>().json) {
        return printJson({ key: result.key, label: result.label, dir: result.dir, files: result.files });
      }
      const shown = flags.dir ?? name;
      process.stdout.write(
        [
          `Created the component ${result.key} (${result.label}) in ${shown}:`,
          ...result.files.map((file) => `  ${file}`),
          '',
          'Next steps:',
          `  cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`,
          "  npm install                    @weft/sdk from vendor/ (this CLI's SDK), the rest from the registry",
          '  npm test                       run its tests (vitest)',
          '  weft components:build          bundle it into dist/component.cjs',
          '  weft components:publish        build and upload it (--url/WEFT_URL, --token/WEFT_TOKEN)',
          '  weft run flow.yaml --flow "Fetch Item" --component .   run a flow that uses it, no server',
          '',
          '(`weft` is this command; inside the Weft checkout, npx weft.)',
          '',
        ].join('\n'),
      );
    });
}

function registerBuild(program: Command): void {
  registerBundleCommand(program, {
    name: 'components:build',
    description: 'Bundle a custom component project into one file to publish (default dist/component.cjs)',
    defaultOut: '<dir>/dist/component.cjs',
    announce: (dir) => `Bundling the component in ${dir === '.' ? 'the current directory' : dir}…`,
    build: buildComponentBundle,
    notes: (result) => [
      ...(result.sdkFallback ? [fallbackNote(result)] : []),
      ...(result.nativeAddons ? [`${nativeAddonsNote(result.nativeAddons)}.`] : []),
    ],
    next: 'publish it with `weft components:publish`',
  });
}

function registerServerCommands(program: Command): void {
  program
    .command('components:publish')
    .description(
      'Build a component project (or take a built bundle) and publish it as a new version; the same bundle as the latest version publishes nothing',
    )
    .option('-p, --path <path>', 'a component project directory, or a built .cjs/.js bundle', '.')
    .option('-c, --comment <text>', 'what changed in this version')
    .action(
      apiAction(async (api, flags: { path: string; comment?: string }) => {
        api.checkSettings(); // before a build that may take seconds
        const bundle = await bundleAt(flags.path);
        progress(`Uploading ${formatBytes(bundle.length)}`);
        const body = {
          bundle: bundle.toString('base64'),
          ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
        };
        const published = await reportingProblems(
          answerOf(api.patientClient(uploadTimeoutMs).POST('/api/components', { body })),
          printRefusalProblems,
        );
        printAnswer(api.json, published, (p) =>
          p.unchanged
            ? `${p.key} version ${p.version} is unchanged\n`
            : `Published ${p.key} version ${p.version} (${contents(p)})\n`,
        );
      }),
    );

  program
    .command('components:list')
    .description("List the organization's custom components")
    .action(
      apiAction(async ({ weft, json }) => {
        const answer = await answerOf(weft.GET('/api/components'));
        printTable(json, answer, answer.components, componentColumns);
      }),
    );

  program
    .command('components:versions <key>')
    .description("List a custom component's published versions, newest first")
    .action(
      apiAction(async ({ weft, json }, key: string) => {
        const answer = await answerOf(
          weft.GET('/api/components/{key}/versions', { params: { path: { key } } }),
        );
        printTable(json, answer, answer.versions, versionColumns);
      }),
    );
}

export function registerComponentCommands(program: Command): void {
  registerInit(program);
  registerBuild(program);
  registerServerCommands(program);
}
