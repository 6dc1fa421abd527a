import fs from 'node:fs/promises';
import path from 'node:path';
import type { Message } from 'esbuild';

export interface CodeNativeBuildOptions {
  /** Where to write the bundle (relative paths from the current directory); default `<project>/dist/integration.cjs`. */
  outFile?: string;
}

export interface CodeNativeBuildResult {
  /** The bundle's absolute path. */
  outFile: string;
  /** Its size in bytes. */
  bytes: number;
}

/** A project that could not be bundled: `problems` lists each as `FILE:LINE:COL: message` (or just a message). */
export class CodeNativeBuildError extends Error {
  override name = 'CodeNativeBuildError';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The project's entry point: package.json `source`, else `main`, else `src/index.ts`; the first that exists. */
async function findEntry(projectDir: string): Promise<string> {
  const candidates: string[] = [];
  const manifestPath = path.join(projectDir, 'package.json');
  let manifestText: string | undefined;
  try {
    manifestText = await fs.readFile(manifestPath, 'utf8');
  } catch {
    // No package.json: the conventional entry point alone.
  }
  if (manifestText !== undefined) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestText);
    } catch (error) {
      throw new CodeNativeBuildError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
    }
    for (const field of ['source', 'main'] as const) {
      const value = (manifest as Record<string, unknown> | null)?.[field];
      if (typeof value === 'string' && value.trim() !== '') candidates.push(value);
    }
  }
  candidates.push('src/index.ts');
  for (const candidate of candidates) {
    const file = path.resolve(projectDir, candidate);
    if (await isFile(file)) return file;
  }
  throw new CodeNativeBuildError(
    `No entry point in ${projectDir}: looked for ${[...new Set(candidates)].join(', ')}. ` +
      'Set "main" (or "source") in package.json to the file that default-exports integration({...}).',
  );
}

/** A path as people can click it: relative to the current directory when inside it, else absolute. */
function displayPath(file: string, projectDir: string): string {
  const absolute = path.resolve(projectDir, file);
  const relative = path.relative(process.cwd(), absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

/** One esbuild message as `FILE:LINE:COL: message` (line and column 1-based). */
function formatMessage(message: Message, projectDir: string): string {
  const notes = message.notes.map((note) => note.text).filter((text) => text !== '');
  const text = [message.text, ...notes].join(' ');
  const location = message.location;
  if (!location) return text;
  return `${displayPath(location.file, projectDir)}:${location.line}:${location.column + 1}: ${text}`;
}

function isBuildFailure(error: unknown): error is Error & { errors: Message[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}

/**
 * Bundles a code-native integration project into one CommonJS file for Node 20 — its code, @weft/sdk and every
 * other dependency included — that default-exports what `integration()` returned. The server imports that file.
 * Bundling does not type-check (run `tsc --noEmit` for that); syntax errors, missing modules and a missing entry
 * point throw a `CodeNativeBuildError` whose message lists each as `FILE:LINE:COL: message`.
 */
export async function buildCodeNativeBundle(
  projectDir: string,
  options: CodeNativeBuildOptions = {},
): Promise<CodeNativeBuildResult> {
  const root = path.resolve(projectDir);
  if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) {
    throw new CodeNativeBuildError(`${root} is not a directory: give the code-native project's directory.`);
  }
  const entry = await findEntry(root);
  const outFile = options.outFile
    ? path.resolve(options.outFile)
    : path.join(root, 'dist', 'integration.cjs');
  // Loaded on demand: esbuild starts a helper process, which only this command needs.
  const { build } = await import('esbuild');
  try {
    await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      legalComments: 'none',
      write: true,
    });
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    const problems = error.errors.map((message) => formatMessage(message, root));
    throw new CodeNativeBuildError(
      `The code-native integration in ${displayPath(root, root)} did not build (${problems.length} error${
        problems.length === 1 ? '' : 's'
      }):\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
      problems,
    );
  }
  const { size } = await fs.stat(outFile);
  return { outFile, bytes: size };
}
