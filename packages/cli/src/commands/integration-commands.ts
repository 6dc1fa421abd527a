import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DefinitionProblem } from '@weft/definition';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiClient, ApiError, listPages, queryString } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { clientFor, type GlobalOptions } from '../global-options.js';
import { type Column, formatBytes, formatRecord, formatTable, printJson } from '../output.js';

interface Integration {
  id: string;
  name: string;
  description: string;
  category: string | null;
  labels: string[];
  documentation: string | null;
  isCodeNative: boolean;
  hasIcon: boolean;
  iconUrl: string | null;
  flowCount: number;
  configVarCount: number;
  latestVersionNumber: number | null;
  instanceCount: number;
  draftUpdatedAt: string;
  createdAt: string;
  updatedAt: string;
}

interface ImportResult extends Integration {
  created: boolean;
  warnings: DefinitionProblem[];
}

interface IntegrationVersion {
  id: string;
  integrationId: string;
  versionNumber: number;
  comment: string;
  available: boolean;
  isCodeNative: boolean;
  publishedAt: string;
  publishedByTokenId: string | null;
}

interface Attachment {
  id: string;
  name: string;
  contentType: string;
  sizeBytes: number;
  createdAt: string;
}

/** Imports and uploads may carry megabytes (a code-native bundle up to 50 MiB): wait longer than for the rest. */
const uploadTimeout = { timeoutMs: 300_000 };

const progress = (message: string) => process.stderr.write(`• ${message}…\n`);

const integrationColumns: Column<Integration>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'category', value: (i) => i.category ?? '' },
  { header: 'labels', value: (i) => i.labels.join(',') },
  { header: 'version', value: (i) => (i.latestVersionNumber === null ? '-' : String(i.latestVersionNumber)) },
  { header: 'flows', value: (i) => String(i.flowCount) },
  { header: 'instances', value: (i) => String(i.instanceCount) },
];

const versionColumns: Column<IntegrationVersion>[] = [
  { header: 'version', value: (v) => String(v.versionNumber) },
  { header: 'available', value: (v) => (v.available ? 'yes' : 'no') },
  { header: 'published', value: (v) => v.publishedAt },
  { header: 'id', value: (v) => v.id },
  { header: 'comment', value: (v) => (v.comment.length > 60 ? `${v.comment.slice(0, 59)}…` : v.comment) },
];

const attachmentColumns: Column<Attachment>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'content type', value: (a) => a.contentType },
  { header: 'size', value: (a) => formatBytes(a.sizeBytes) },
  { header: 'created', value: (a) => a.createdAt },
];

function printIntegration(integration: Integration, json: boolean): void {
  if (json) {
    printJson(integration);
    return;
  }
  const firstLine = (text: string | null) => {
    const line = (text ?? '').split('\n')[0] ?? '';
    return line.length > 60 || (text ?? '').includes('\n') ? `${line.slice(0, 59)}…` : line;
  };
  process.stdout.write(
    formatRecord({
      id: integration.id,
      name: integration.name,
      description: integration.description,
      category: integration.category ?? '',
      labels: integration.labels.join(', '),
      'code native': integration.isCodeNative ? 'yes' : 'no',
      flows: String(integration.flowCount),
      'config vars': String(integration.configVarCount),
      'latest version':
        integration.latestVersionNumber === null ? '-' : String(integration.latestVersionNumber),
      instances: String(integration.instanceCount),
      icon: integration.hasIcon ? 'yes' : 'no',
      documentation: firstLine(integration.documentation),
      'draft updated': integration.draftUpdatedAt,
      created: integration.createdAt,
      updated: integration.updatedAt,
    }),
  );
}

function printAttachment(attachment: Attachment, json: boolean): void {
  if (json) {
    printJson(attachment);
    return;
  }
  process.stdout.write(
    formatRecord({
      id: attachment.id,
      name: attachment.name,
      'content type': attachment.contentType,
      size: formatBytes(attachment.sizeBytes),
      created: attachment.createdAt,
    }),
  );
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander parser for a published version number: a usage error (exit 2) unless a whole number from 1. */
function versionNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a version number (1, 2, ...).');
  return Number(value);
}

function positiveInteger(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number from 1.');
  return value;
}

const integrationPath = (id: string, rest = '') => `/api/integrations/${encodeURIComponent(id)}${rest}`;

/** Reads a file the user named, turning "no such file" and friends into one line naming the path (exit 1). */
async function readUserFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliError(`Cannot read ${what} '${file}': ${describeFsError(error)}.`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/** Where a definition's problems are: the file to name in each line (or the fallback), and in the summary. */
interface ProblemSource {
  file?: string;
  fallback: string;
  label: string;
}

/**
 * Prints each definition problem as `FILE:LINE:COL: message` on stderr. `file` (the user's path as they typed it)
 * replaces the file the server names; `fallback` is used only when the problem names none.
 */
async function printProblems(problems: DefinitionProblem[], where: ProblemSource): Promise<void> {
  if (problems.length === 0) return;
  // Loaded only here: most commands never print a problem, and the definition package is not small.
  const { formatProblem } = await import('@weft/definition');
  for (const problem of problems) {
    const located = where.file === undefined ? problem : { ...problem, file: where.file };
    process.stderr.write(`${formatProblem(located, where.fallback)}\n`);
  }
}

/**
 * A server refusal that carries definition problems: prints them, then fails with a one-line summary (exit 1);
 * the server's own message repeats the first problem, which is already on screen.
 */
async function withProblemsReported<T>(
  run: () => Promise<T>,
  where: ProblemSource & { outcome: string },
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ApiError) || !Array.isArray(error.details.problems)) throw error;
    const problems = error.details.problems as DefinitionProblem[];
    await printProblems(problems, where);
    const count = problems.filter((problem) => problem.severity !== 'warning').length;
    throw new ApiError(
      `${count} problem${count === 1 ? '' : 's'} in ${where.label}; ${where.outcome}.`,
      error.code,
      error.status,
      error.details,
    );
  }
}

/**
 * A YAML definition is sent with the path as the user typed it, so the server's problems name it. A bundle's
 * problems are in the YAML the bundle generates, not in the bundle's lines: the server names that YAML itself.
 */
type ImportBody = { definition: string; fileName: string } | { bundle: string };

/** What `--path` names, read into an import request body; a directory is built into a bundle first. */
async function importBody(userPath: string): Promise<{ body: ImportBody; problemsIn: ProblemSource }> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(userPath)).isDirectory();
  } catch (error) {
    throw new CliError(`Cannot read '${userPath}': ${describeFsError(error)}.`);
  }
  if (isDirectory) {
    progress(`Building ${userPath}`);
    const { buildCodeNativeBundle, CodeNativeBuildError } = await import('../code-native-build.js');
    // Built into a temporary directory: importing leaves nothing in the project (`integrations:build` does).
    const buildDir = await mkdtemp(path.join(os.tmpdir(), 'weft-import-'));
    let bundle: Buffer;
    try {
      const built = await buildCodeNativeBundle(userPath, {
        outFile: path.join(buildDir, 'integration.cjs'),
      });
      bundle = await readUserFile(built.outFile, 'the built bundle');
    } catch (error) {
      if (error instanceof CodeNativeBuildError && error.problems.length > 0) {
        // The same form as a definition's problems: one `FILE:LINE:COL: message` line each, then a summary.
        for (const problem of error.problems) process.stderr.write(`${problem}\n`);
        const count = error.problems.length;
        throw new CliError(
          `${count} problem${count === 1 ? '' : 's'} building '${userPath}'; nothing was imported.`,
          1,
          'BUILD_FAILED',
        );
      }
      if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
      if (error instanceof CliError) throw error;
      throw new CliError(
        `Building the code-native project '${userPath}' failed: ${(error as Error).message}`,
      );
    } finally {
      await rm(buildDir, { recursive: true, force: true });
    }
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

const iconTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** A content type for an attachment, from its extension; anything unknown is sent as bytes. */
const attachmentTypes: Record<string, string> = {
  ...iconTypes,
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

/** The integration's name, for messages. */
async function integrationName(client: ApiClient, id: string): Promise<string> {
  return (await client.request<Integration>('GET', integrationPath(id))).name;
}

export function registerIntegrationCommands(program: Command): void {
  program
    .command('integrations:import')
    .description(
      'Import a YAML definition, a code-native bundle, or a code-native project directory (built first); prints the integration id',
    )
    .requiredOption('-p, --path <path>', 'a .yaml/.yml definition, a .js/.cjs bundle, or a project directory')
    .option('-i, --integration <id>', "replace this integration's draft instead of creating an integration")
    .action(async (flags: { path: string; integration?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      client.checkSettings(); // before a build that may take seconds
      const { body, problemsIn } = await importBody(flags.path);
      const result = await withProblemsReported(
        () =>
          client.request<ImportResult>(
            'POST',
            '/api/integrations/import',
            { ...body, ...(flags.integration ? { integrationId: flags.integration } : {}) },
            uploadTimeout,
          ),
        { ...problemsIn, outcome: 'nothing was imported' },
      );
      const warnings = result.warnings ?? [];
      await printProblems(warnings, problemsIn);
      if (options.json) return printJson({ id: result.id, created: result.created, warnings });
      process.stdout.write(`${result.id}\n`);
    });

  program
    .command('integrations:export <id>')
    .description("Print an integration's draft (or a published version) as YAML")
    .option('-v, --version <n>', 'a published version number instead of the draft', versionNumber)
    .action(async (id: string, flags: { version?: number }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const yaml = await clientFor(options).getText(
        integrationPath(id, `/export${queryString({ version: flags.version })}`),
      );
      process.stdout.write(yaml);
    });

  program
    .command('integrations:publish <id>')
    .description("Publish the integration's draft as its next version")
    .requiredOption('-c, --comment <text>', 'what changed in this version')
    .action(async (id: string, flags: { comment: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      const version = await withProblemsReported(
        () =>
          client.request<IntegrationVersion>(
            'POST',
            integrationPath(id, '/publish'),
            { comment: flags.comment },
            uploadTimeout,
          ),
        { fallback: 'draft.yaml', label: 'the draft', outcome: 'nothing was published' },
      );
      if (options.json) return printJson(version);
      process.stdout.write(
        `Published version ${version.versionNumber} of ${await integrationName(client, id)}\n`,
      );
    });

  program
    .command('integrations:list')
    .description('List integrations')
    .option('-s, --search <text>', 'match name or description')
    .option('--category <category>', 'only integrations in this category')
    .option('-l, --label <label>', 'only integrations with this label; repeat for several', collect)
    .option('--limit <n>', 'integrations per page', positiveInteger, '100')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .action(
      async (
        flags: {
          search?: string;
          category?: string;
          label?: string[];
          limit: string;
          cursor?: string;
          all?: boolean;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        await listPages<Integration>(
          clientFor(options),
          {
            path: '/api/integrations',
            query: {
              search: flags.search,
              category: flags.category,
              label: flags.label,
              limit: flags.limit,
            },
            noun: 'integrations',
          },
          { cursor: flags.cursor, all: flags.all, json: Boolean(options.json) },
          { json: printJson, table: (items) => formatTable(items, integrationColumns) },
        );
      },
    );

  program
    .command('integrations:get <id>')
    .description('Show an integration (--json includes its draft definition)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      printIntegration(
        await clientFor(options).request<Integration>('GET', integrationPath(id)),
        Boolean(options.json),
      );
    });

  program
    .command('integrations:create')
    .description('Create an integration with an empty draft')
    .requiredOption('-n, --name <name>', 'integration name (unique in the organization)')
    .option('-d, --description <text>', 'description')
    .option('--category <category>', 'category')
    .option('-l, --label <label>', 'a label; repeat for several', collect)
    .action(
      async (
        flags: { name: string; description?: string; category?: string; label?: string[] },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const integration = await clientFor(options).request<Integration>('POST', '/api/integrations', {
          name: flags.name,
          ...(flags.description !== undefined ? { description: flags.description } : {}),
          ...(flags.category !== undefined ? { category: flags.category } : {}),
          ...(flags.label ? { labels: flags.label } : {}),
        });
        printIntegration(integration, Boolean(options.json));
      },
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
      async (
        id: string,
        flags: {
          name?: string;
          description?: string;
          category?: string;
          removeCategory?: boolean;
          label?: string[];
          labels?: boolean;
          documentationFile?: string;
          icon?: string;
        },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const client = clientFor(options);
        const changes: Record<string, unknown> = {};
        if (flags.name !== undefined) changes.name = flags.name;
        if (flags.description !== undefined) changes.description = flags.description;
        if (flags.category !== undefined) changes.category = flags.category;
        if (flags.removeCategory) changes.category = null;
        if (flags.label) changes.labels = flags.label;
        if (flags.labels === false) changes.labels = [];
        // Read every file before changing anything, so a wrong path changes nothing.
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
        let integration: Integration | undefined;
        if (Object.keys(changes).length > 0) {
          integration = await client.request<Integration>('PATCH', integrationPath(id), changes);
        }
        if (icon) {
          await client.upload(
            'PUT',
            integrationPath(id, '/icon'),
            icon.bytes,
            icon.contentType,
            uploadTimeout,
          );
          integration = await client.request<Integration>('GET', integrationPath(id));
        }
        if (integration) printIntegration(integration, Boolean(options.json));
      },
    );

  program
    .command('integrations:versions <id>')
    .description("List an integration's published versions, newest first")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: IntegrationVersion[] }>(
        'GET',
        integrationPath(id, '/versions'),
      );
      if (options.json) return printJson({ items });
      process.stdout.write(formatTable(items, versionColumns));
    });

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
      .action(async (id: string, flags: { version: number }, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const version = await clientFor(options).request<IntegrationVersion>(
          'PATCH',
          integrationPath(id, `/versions/${flags.version}`),
          { available },
        );
        if (options.json) return printJson(version);
        process.stdout.write(`Version ${version.versionNumber} is now ${word}\n`);
      });
  }

  program
    .command('integrations:fork <id>')
    .description('Copy an integration (its draft, attachments and icon; not its versions); prints the new id')
    .requiredOption('-n, --name <name>', "the copy's name")
    .option('-d, --description <text>', "the copy's description")
    .action(async (id: string, flags: { name: string; description?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const fork = await clientFor(options).request<Integration>('POST', integrationPath(id, '/fork'), {
        name: flags.name,
        ...(flags.description !== undefined ? { description: flags.description } : {}),
      });
      if (options.json) return printJson(fork);
      process.stdout.write(`${fork.id}\n`);
    });

  program
    .command('integrations:delete <id>')
    .description('Delete an integration with its versions and attachments (permanent)')
    .option('-f, --force', 'also delete its instances')
    .action(async (id: string, flags: { force?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const client = clientFor(options);
      const name = await integrationName(client, id);
      try {
        await client.request(
          'DELETE',
          integrationPath(id, queryString({ force: flags.force ? 'true' : undefined })),
        );
      } catch (error) {
        if (error instanceof ApiError && error.code === 'INTEGRATION_HAS_INSTANCES') {
          const count = Number(error.details.instanceCount);
          const instances = Number.isFinite(count)
            ? `${count} instance${count === 1 ? '' : 's'}`
            : 'instances';
          throw new ApiError(
            `${name} has ${instances}; nothing was deleted. Pass --force to delete the integration and its ${instances}.`,
            error.code,
            error.status,
            error.details,
          );
        }
        throw error;
      }
      if (options.json) return printJson({ id, name, deleted: true });
      process.stdout.write(`Deleted integration ${name} (${id})\n`);
    });

  program
    .command('integrations:attachments <id>')
    .description("List an integration's attachments")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { items } = await clientFor(options).request<{ items: Attachment[] }>(
        'GET',
        integrationPath(id, '/attachments'),
      );
      if (options.json) return printJson({ items });
      process.stdout.write(formatTable(items, attachmentColumns));
    });

  program
    .command('integrations:attachments:upload <id>')
    .description('Attach a file to an integration (at most 25 MiB)')
    .requiredOption('-p, --path <file>', 'the file')
    .option('--name <name>', 'the name to store it under (default: the file name)')
    .option('--content-type <type>', 'its content type (default: guessed from the extension)')
    .action(
      async (id: string, flags: { path: string; name?: string; contentType?: string }, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const bytes = await readUserFile(flags.path, 'the attachment');
        const contentType =
          flags.contentType ??
          attachmentTypes[path.extname(flags.path).toLowerCase()] ??
          'application/octet-stream';
        const attachment = await clientFor(options).upload<Attachment>(
          'POST',
          integrationPath(
            id,
            `/attachments${queryString({ name: flags.name ?? path.basename(flags.path) })}`,
          ),
          bytes,
          contentType,
          uploadTimeout,
        );
        printAttachment(attachment, Boolean(options.json));
      },
    );

  program
    .command('integrations:attachments:download <id> <attachmentId>')
    .description('Download an attachment to a file (--out) or to stdout')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .action(async (id: string, attachmentId: string, flags: { out?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { bytes } = await clientFor(options).requestRaw(
        'GET',
        integrationPath(id, `/attachments/${encodeURIComponent(attachmentId)}`),
        {},
        uploadTimeout,
      );
      if (!flags.out) {
        process.stdout.write(bytes);
        return;
      }
      try {
        await writeFile(flags.out, bytes);
      } catch (error) {
        throw new CliError(`Cannot write '${flags.out}': ${describeFsError(error)}.`);
      }
      if (options.json) return printJson({ id: attachmentId, file: flags.out, sizeBytes: bytes.length });
      process.stdout.write(`Saved ${formatBytes(bytes.length)} to ${flags.out}\n`);
    });

  program
    .command('integrations:attachments:delete <id> <attachmentId>')
    .description('Delete an attachment (permanent)')
    .action(async (id: string, attachmentId: string, _flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await clientFor(options).request(
        'DELETE',
        integrationPath(id, `/attachments/${encodeURIComponent(attachmentId)}`),
      );
      if (options.json) return printJson({ id: attachmentId, deleted: true });
      process.stdout.write(`Deleted attachment ${attachmentId}\n`);
    });
}
