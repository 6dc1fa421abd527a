/** A component bundle from what the user names: a project directory (built) or a built .cjs/.js file. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../../cli-error.js';
import { buildComponentBundle, CodeNativeBuildError } from '../../code-native-build.js';
import { isDirectory, readUserFile } from '../../files.js';
import { counted, progress } from '../../output.js';

/** Says which modules came from the CLI's own copies, and how to bundle the project's own versions instead. */
export function fallbackNote(result: { sdkFallback?: string; fallbackPackages?: string[] }): string {
  const packages = result.fallbackPackages ?? [];
  if (packages.length === 1 && packages[0] === '@weft/sdk')
    return `The project has no @weft/sdk of its own: bundled the CLI's (from ${result.sdkFallback}).`;
  return `Not installed in the project, so bundled from the CLI's own copies (${result.sdkFallback}): ${packages.join(', ')}. Run \`npm install\` in the project to bundle the versions it asks for.`;
}

/** Says which native addons were left out of a bundle, and what that means. */
export function nativeAddonsNote(nativeAddons: string[]): string {
  return `Left out ${counted(nativeAddons.length, 'native addon')} (components cannot load native code; modules that fall back to JavaScript without them still work): ${nativeAddons.join(', ')}`;
}

/** Where a component bundle comes from: the option that named it, and what is done with it (for messages). */
export interface BundleUse {
  /** `--path`, `--component`. */
  option: string;
  /** `published`, `run`. */
  done: string;
  /** What a file of another kind is not: `something to publish`. */
  what: string;
}

const forPublish: BundleUse = { option: '--path', done: 'published', what: 'something to publish' };

/**
 * Builds the component project in `dir` into a temporary file and returns its bytes: publishing leaves nothing in
 * the project (`components:build` does). Compile errors are printed as `FILE:LINE:COL: message`, one a line.
 */
async function buildForPublish(dir: string, use: BundleUse): Promise<Buffer> {
  progress(`Building ${dir}`);
  const buildDir = await mkdtemp(path.join(os.tmpdir(), 'weft-component-'));
  try {
    const built = await buildComponentBundle(dir, { outFile: path.join(buildDir, 'component.cjs') });
    if (built.sdkFallback) progress(fallbackNote(built));
    if (built.nativeAddons) process.stderr.write(`• ${nativeAddonsNote(built.nativeAddons)}.\n`);
    return await readFile(built.outFile);
  } catch (error) {
    if (error instanceof CodeNativeBuildError && error.problems.length > 0) {
      for (const problem of error.problems) process.stderr.write(`${problem}\n`);
      throw new CliError(
        `${counted(error.problems.length, 'problem')} building '${dir}'; nothing was ${use.done}.`,
        1,
        'BUILD_FAILED',
      );
    }
    if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
    throw new CliError(`Building the component project '${dir}' failed: ${(error as Error).message}`);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/**
 * What `--path` (or `use.option`) names as the bytes of a bundle: a project directory is built (progress on
 * stderr), a .cjs/.js file is read.
 */
export async function bundleAt(userPath: string, use: BundleUse = forPublish): Promise<Buffer> {
  if (await isDirectory(userPath)) return buildForPublish(userPath, use);
  const extension = path.extname(userPath).toLowerCase();
  if (extension !== '.cjs' && extension !== '.js') {
    throw new CliError(
      `'${userPath}' is not ${use.what}: ${use.option} takes a component project directory or a built bundle (.cjs, .js).`,
      2,
    );
  }
  return readUserFile(userPath, 'the bundle');
}
