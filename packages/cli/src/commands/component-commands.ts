import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { buildComponentBundle, CodeNativeBuildError } from '../code-native-build.js';
import { ComponentScaffoldError, scaffoldComponent } from '../component-scaffold.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatBytes, formatTable, printJson } from '../output.js';

/** `POST /api/components`: the version published, or the latest one when the bundle is the same (`unchanged`). */
interface PublishedComponent {
  key: string;
  version: number;
  label: string;
  description: string;
  unchanged: boolean;
  sha256: string;
  bundleBytes: number;
  actions: string[];
  triggers: string[];
  dataSources: string[];
  connections: string[];
  publishedAt: string;
}

interface ComponentSummary {
  key: string;
  label: string;
  description: string;
  latestVersion: number;
  versionCount: number;
  publishedAt: string;
}

interface ComponentVersion {
  version: number;
  comment: string;
  sha256: string;
  bundleBytes: number;
  publishedAt: string;
}

/** A component bundle may be megabytes: wait as long as `integrations:import` does. */
const uploadTimeout = { timeoutMs: 300_000 };

const progress = (message: string) => process.stderr.write(`• ${message}…\n`);

const truncate = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 1)}…` : text;

const componentColumns: Column<ComponentSummary>[] = [
  { header: 'key', value: (c) => c.key },
  { header: 'label', value: (c) => c.label },
  { header: 'latest', value: (c) => String(c.latestVersion) },
  { header: 'versions', value: (c) => String(c.versionCount) },
  { header: 'published', value: (c) => c.publishedAt },
];

const versionColumns: Column<ComponentVersion>[] = [
  { header: 'version', value: (v) => String(v.version) },
  { header: 'published', value: (v) => v.publishedAt },
  { header: 'size', value: (v) => formatBytes(v.bundleBytes) },
  { header: 'sha256', value: (v) => v.sha256.slice(0, 12) },
  { header: 'comment', value: (v) => truncate(v.comment, 60) },
];

const componentPath = (key: string, rest = '') => `/api/components/${encodeURIComponent(key)}${rest}`;

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** `2 actions, 1 trigger, 1 data source, 1 connection`. */
function contents(published: PublishedComponent): string {
  return [
    count(published.actions?.length ?? 0, 'action'),
    count(published.triggers?.length ?? 0, 'trigger'),
    count(published.dataSources?.length ?? 0, 'data source'),
    count(published.connections?.length ?? 0, 'connection'),
  ].join(', ');
}

/** Says which modules came from the CLI's own copies, and how to bundle the project's own versions instead. */
function fallbackNote(result: { sdkFallback?: string; fallbackPackages?: string[] }): string {
  const packages = result.fallbackPackages ?? [];
  if (packages.length === 1 && packages[0] === '@weft/sdk')
    return `The project has no @weft/sdk of its own: bundled the CLI's (from ${result.sdkFallback}).`;
  return `Not installed in the project, so bundled from the CLI's own copies (${result.sdkFallback}): ${packages.join(', ')}. Run \`npm install\` in the project to bundle the versions it asks for.`;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/** Says which native addons were left out of a bundle, and what that means. */
function nativeAddonsNote(nativeAddons: string[]): string {
  return `Left out ${count(nativeAddons.length, 'native addon')} (components cannot load native code; modules that fall back to JavaScript without them still work): ${nativeAddons.join(', ')}`;
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
        `${count(error.problems.length, 'problem')} building '${dir}'; nothing was ${use.done}.`,
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
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(userPath)).isDirectory();
  } catch (error) {
    throw new CliError(`Cannot read '${userPath}': ${describeFsError(error)}.`);
  }
  if (isDirectory) return buildForPublish(userPath, use);
  const extension = path.extname(userPath).toLowerCase();
  if (extension !== '.cjs' && extension !== '.js') {
    throw new CliError(
      `'${userPath}' is not ${use.what}: ${use.option} takes a component project directory or a built bundle (.cjs, .js).`,
      2,
    );
  }
  try {
    return await readFile(userPath);
  } catch (error) {
    throw new CliError(`Cannot read the bundle '${userPath}': ${describeFsError(error)}.`);
  }
}

/** The problems a refusal lists in its details (strings, or objects with a message), one a line on stderr. */
function printRefusalProblems(error: unknown): void {
  if (!(error instanceof ApiError) || !Array.isArray(error.details.problems)) return;
  for (const problem of error.details.problems as unknown[]) {
    const text =
      typeof problem === 'string'
        ? problem
        : typeof (problem as { message?: unknown })?.message === 'string'
          ? (problem as { message: string }).message
          : JSON.stringify(problem);
    process.stderr.write(`  - ${text}\n`);
  }
}

/** `weft components:*`: scaffold, build and publish custom components, and list what is published. */
export function registerComponentCommands(program: Command): void {
  program
    .command('components:init <name>')
    .description(
      'Create a custom component project in ./NAME (or --dir): a component written with @weft/sdk, its test, and the files to build and publish it',
    )
    .option('-d, --dir <dir>', 'where to create it (default ./NAME); must not exist yet or be empty')
    .action(async (name: string, flags: { dir?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      let result: Awaited<ReturnType<typeof scaffoldComponent>>;
      try {
        result = await scaffoldComponent({ name, ...(flags.dir !== undefined ? { dir: flags.dir } : {}) });
      } catch (error) {
        if (error instanceof ComponentScaffoldError) throw new CliError(error.message, error.usage ? 2 : 1);
        throw error;
      }
      if (options.json) {
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

  program
    .command('components:build')
    .description('Bundle a custom component project into one file to publish (default dist/component.cjs)')
    .option('-p, --path <dir>', 'the project directory', '.')
    .option('-o, --out <file>', 'where to write the bundle (default <dir>/dist/component.cjs)')
    .option('--json', 'print {"path", "bytes"} as JSON')
    .action(async (flags: { path: string; out?: string; json?: boolean }, command: Command) => {
      const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
      if (!json) {
        const where = flags.path === '.' ? 'the current directory' : flags.path;
        process.stderr.write(`Bundling the component in ${where}…\n`);
      }
      let result: Awaited<ReturnType<typeof buildComponentBundle>>;
      try {
        result = await buildComponentBundle(flags.path, flags.out ? { outFile: flags.out } : {});
      } catch (error) {
        if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
        throw error;
      }
      if (json) return printJson({ path: result.outFile, bytes: result.bytes });
      if (result.sdkFallback) process.stderr.write(`${fallbackNote(result)}\n`);
      if (result.nativeAddons) process.stderr.write(`${nativeAddonsNote(result.nativeAddons)}.\n`);
      process.stderr.write(
        `Built ${formatBytes(result.bytes)}; publish it with \`weft components:publish\`.\n`,
      );
      process.stdout.write(`${result.outFile}\n`);
    });

  program
    .command('components:publish')
    .description(
      'Build a component project (or take a built bundle) and publish it as a new version; the same bundle as the latest version publishes nothing',
    )
    .option('-p, --path <path>', 'a component project directory, or a built .cjs/.js bundle', '.')
    .option('-c, --comment <text>', 'what changed in this version')
    .action(async (flags: { path: string; comment?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      client.checkSettings(); // before a build that may take seconds
      const bundle = await bundleAt(flags.path);
      progress(`Uploading ${formatBytes(bundle.length)}`);
      let published: PublishedComponent;
      try {
        published = await client.request<PublishedComponent>(
          'POST',
          '/api/components',
          {
            bundle: bundle.toString('base64'),
            ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
          },
          uploadTimeout,
        );
      } catch (error) {
        printRefusalProblems(error);
        throw error;
      }
      if (options.json) return printJson(published);
      process.stdout.write(
        published.unchanged
          ? `${published.key} version ${published.version} is unchanged\n`
          : `Published ${published.key} version ${published.version} (${contents(published)})\n`,
      );
    });

  program
    .command('components:list')
    .description("List the organization's custom components")
    .action(async (_flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const answer = await clientFor(options).request<{ components: ComponentSummary[] }>(
        'GET',
        '/api/components',
      );
      if (options.json) return printJson(answer);
      process.stdout.write(formatTable(answer.components, componentColumns));
    });

  program
    .command('components:versions <key>')
    .description("List a custom component's published versions, newest first")
    .action(async (key: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const answer = await clientFor(options).request<{ key: string; versions: ComponentVersion[] }>(
        'GET',
        componentPath(key, '/versions'),
      );
      if (options.json) return printJson(answer);
      process.stdout.write(formatTable(answer.versions, versionColumns));
    });
}
