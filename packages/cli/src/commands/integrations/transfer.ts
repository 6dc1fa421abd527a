/** `integrations:import`, `integrations:export` and `integrations:publish`: definitions in and out. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { answerOf, type paths } from '@weft/client';
import type { Command } from 'commander';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { isDirectory, readUserFile } from '../../files.js';
import { versionNumber } from '../../options.js';
import { counted, formatBytes, printJson, progress } from '../../output.js';
import { getIntegration, uploadTimeoutMs } from './print.js';
import { type ProblemSource, printProblems, withProblemsReported } from './problems.js';

type ImportBody = paths['/api/integrations/import']['post']['requestBody']['content']['application/json'];

/** A code-native project directory built into a temporary bundle (importing leaves nothing in the project). */
async function buildBundle(userPath: string): Promise<Buffer> {
  progress(`Building ${userPath}`);
  const { buildCodeNativeBundle, CodeNativeBuildError } = await import('../../code-native-build.js');
  const buildDir = await mkdtemp(path.join(os.tmpdir(), 'weft-import-'));
  try {
    const built = await buildCodeNativeBundle(userPath, { outFile: path.join(buildDir, 'integration.cjs') });
    return await readUserFile(built.outFile, 'the built bundle');
  } catch (error) {
    if (error instanceof CodeNativeBuildError && error.problems.length > 0) {
      // The same form as a definition's problems: one `FILE:LINE:COL: message` line each, then a summary.
      for (const problem of error.problems) process.stderr.write(`${problem}\n`);
      throw new CliError(
        `${counted(error.problems.length, 'problem')} building '${userPath}'; nothing was imported.`,
        1,
        'BUILD_FAILED',
      );
    }
    if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
    if (error instanceof CliError) throw error;
    throw new CliError(`Building the code-native project '${userPath}' failed: ${(error as Error).message}`);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/**
 * What `--path` names, read into an import request body; a directory is built into a bundle first. A YAML
 * definition is sent with the path as the user typed it, so the server's problems name it. A bundle's problems are
 * in the YAML the bundle generates, not in the bundle's lines: the server names that YAML itself.
 */
async function importBody(userPath: string): Promise<{ body: ImportBody; problemsIn: ProblemSource }> {
  if (await isDirectory(userPath)) {
    const bundle = await buildBundle(userPath);
    progress(`Uploading the bundle (${formatBytes(bundle.length)})`);
    return {
      body: { bundle: bundle.toString('base64') },
      problemsIn: { fallback: userPath, label: `the definition built from '${userPath}'` },
    };
  }
  const extension = path.extname(userPath).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') {
    const text = (await readUserFile(userPath, 'the definition')).toString('utf8');
    return {
      body: { definition: text, fileName: userPath.length <= 500 ? userPath : path.basename(userPath) },
      problemsIn: { file: userPath, fallback: userPath, label: userPath },
    };
  }
  if (extension === '.js' || extension === '.cjs') {
    const bundle = await readUserFile(userPath, 'the bundle');
    return {
      body: { bundle: bundle.toString('base64') },
      problemsIn: { fallback: userPath, label: `the definition in '${userPath}'` },
    };
  }
  throw new CliError(
    `'${userPath}' is not something to import: --path takes a YAML definition (.yaml, .yml), a code-native bundle (.js, .cjs) or a code-native project directory.`,
    2,
  );
}

export function registerTransferCommands(program: Command): void {
  program
    .command('integrations:import')
    .description(
      'Import a YAML definition, a code-native bundle, or a code-native project directory (built first); prints the integration id',
    )
    .requiredOption('-p, --path <path>', 'a .yaml/.yml definition, a .js/.cjs bundle, or a project directory')
    .option('-i, --integration <id>', "replace this integration's draft instead of creating an integration")
    .action(
      apiAction(async (api, flags: { path: string; integration?: string }) => {
        api.checkSettings(); // before a build that may take seconds
        const { body, problemsIn } = await importBody(flags.path);
        const weft = api.patientClient(uploadTimeoutMs);
        const result = await withProblemsReported(
          answerOf(
            weft.POST('/api/integrations/import', {
              body: { ...body, ...(flags.integration ? { integrationId: flags.integration } : {}) },
            }),
          ),
          { ...problemsIn, outcome: 'nothing was imported' },
        );
        const warnings = result.warnings ?? [];
        await printProblems(warnings, problemsIn);
        if (api.json) return printJson({ id: result.id, created: result.created, warnings });
        process.stdout.write(`${result.id}\n`);
      }),
    );

  program
    .command('integrations:export <id>')
    .description("Print an integration's draft (or a published version) as YAML")
    .option('-v, --version <n>', 'a published version number instead of the draft', versionNumber)
    .action(
      apiAction(async ({ weft }, id: string, flags: { version?: number }) => {
        const yaml = await answerOf(
          weft.GET('/api/integrations/{id}/export', {
            params: { path: { id }, query: { version: flags.version } },
            parseAs: 'text',
          }),
        );
        process.stdout.write(yaml);
      }),
    );

  program
    .command('integrations:publish <id>')
    .description("Publish the integration's draft as its next version")
    .requiredOption('-c, --comment <text>', 'what changed in this version')
    .action(
      apiAction(async (api, id: string, flags: { comment: string }) => {
        const version = await withProblemsReported(
          answerOf(
            api.patientClient(uploadTimeoutMs).POST('/api/integrations/{id}/publish', {
              params: { path: { id } },
              body: { comment: flags.comment },
            }),
          ),
          { fallback: 'draft.yaml', label: 'the draft', outcome: 'nothing was published' },
        );
        if (api.json) return printJson(version);
        const { name } = await getIntegration(api.weft, id);
        process.stdout.write(`Published version ${version.versionNumber} of ${name}\n`);
      }),
    );
}
