import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message, Plugin } from 'esbuild';

/**
 * What a project builds: a code-native integration (`integration({...})`) or a custom component (`component({...})`).
 * Both are bundled the same way; the kind names the default bundle file and what messages call the project.
 */
export type BundleKind = 'integration' | 'component';

export interface CodeNativeBuildOptions {
  /** Where to write the bundle (relative paths from the current directory); default `<project>/dist/<kind>.cjs`. */
  outFile?: string;
}

export interface BundleBuildOptions extends CodeNativeBuildOptions {
  /** Default `integration`. */
  kind?: BundleKind;
}

export interface CodeNativeBuildResult {
  /** The bundle's absolute path. */
  outFile: string;
  /** Its size in bytes. */
  bytes: number;
  /**
   * Set when modules the project has not installed were bundled from the CLI's own `node_modules` (a project outside
   * the Weft checkout without `@weft/sdk`, or one whose `npm install` has not run): that directory.
   */
  sdkFallback?: string;
  /** The packages bundled from `sdkFallback`, by name (`@weft/sdk`, `@prismatic-io/spectral`, ...). */
  fallbackPackages?: string[];
  /**
   * Native addons (`.node` files) the project's dependencies require, left out of the bundle: requiring one there
   * throws, as when an optional native module is not installed (`ssh2`'s `sshcrypto.node` and `cpu-features`), so
   * code that falls back to JavaScript when it is missing works. Paths relative to the project.
   */
  nativeAddons?: string[];
}

const kinds: Record<BundleKind, { what: string; exports: string; outName: string }> = {
  integration: {
    what: 'code-native integration',
    exports: 'integration({...})',
    outName: 'integration.cjs',
  },
  component: { what: 'component', exports: 'component({...})', outName: 'component.cjs' },
};

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
async function findEntry(projectDir: string, kind: BundleKind): Promise<string> {
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
      `Set "main" (or "source") in package.json to the file that default-exports ${kinds[kind].exports}.`,
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
 * The `node_modules` directory an import of `@weft/sdk` from `dir` finds, walking up as Node and esbuild do (not
 * Node's global folders, which esbuild does not read); undefined when none has it.
 */
function sdkNodeModules(dir: string): string | undefined {
  for (let current = dir; ; ) {
    const candidate = path.join(current, 'node_modules');
    if (existsSync(path.join(candidate, '@weft', 'sdk', 'package.json'))) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Where esbuild may look for `@weft/sdk` when the project has none (a project outside the Weft checkout that has
 * not installed or linked it): the `node_modules` directory holding the CLI's own copy, so builds work anywhere.
 * Empty when the project resolves `@weft/sdk` itself — then its own copy is the one bundled.
 */
function sdkFallbackPaths(root: string): string[] {
  if (sdkNodeModules(root)) return [];
  const own = sdkNodeModules(path.dirname(fileURLToPath(import.meta.url)));
  return own ? [own] : [];
}

/**
 * Leaves native addons out of the bundle. A `.node` file is machine code for the machine it was built on, which
 * esbuild cannot bundle ("No loader is configured for .node files"), and a sandbox may not load native code anyway.
 * Each one a module requires becomes a module that throws, saying so: packages that use an optional native module
 * when it is there (inside try/catch, as `ssh2` does) fall back to their JavaScript code, as when npm could not
 * build it; those that cannot work without it fail with that message when they load. `leftOut` gets each file.
 */
function nativeAddonsLeftOut(root: string, leftOut: Set<string>): Plugin {
  const namespace = 'weft-native-addon';
  return {
    name: 'weft-native-addons',
    setup(build) {
      build.onResolve({ filter: /\.node$/ }, (args) => {
        if (args.namespace === namespace) return undefined;
        const file = path.isAbsolute(args.path) ? args.path : path.resolve(args.resolveDir, args.path);
        const shown = path.relative(root, file).split(path.sep).join('/');
        leftOut.add(shown);
        return { path: shown, namespace };
      });
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: `throw new Error(${JSON.stringify(
          `the native addon ${args.path} was left out of the bundle: Weft components cannot load native code (.node files)`,
        )});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Bundles a code-native integration or custom component project into one CommonJS file for Node 20 — its code,
 * @weft/sdk and every other dependency included — that default-exports what `integration()` / `component()`
 * returned. The server loads that file. Bundling does not type-check (run `tsc --noEmit` for that); syntax errors,
 * missing modules and a missing entry point throw a `CodeNativeBuildError` whose message lists each as
 * `FILE:LINE:COL: message`. A project without its own `@weft/sdk` is bundled with the CLI's.
 */
export async function buildBundle(
  projectDir: string,
  options: BundleBuildOptions = {},
): Promise<CodeNativeBuildResult> {
  const kind = options.kind ?? 'integration';
  const { what, outName } = kinds[kind];
  const root = path.resolve(projectDir);
  if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) {
    throw new CodeNativeBuildError(`${root} is not a directory: give the ${what} project's directory.`);
  }
  const entry = await findEntry(root, kind);
  const outFile = options.outFile ? path.resolve(options.outFile) : path.join(root, 'dist', outName);
  const nodePaths = sdkFallbackPaths(root);
  // Loaded on demand: esbuild starts a helper process, which only this command needs.
  const { build } = await import('esbuild');
  let fallbackPackages: string[] = [];
  const nativeAddons = new Set<string>();
  try {
    const built = await build({
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
      metafile: nodePaths.length > 0,
      ...(nodePaths.length > 0 ? { nodePaths } : {}),
      plugins: [nativeAddonsLeftOut(root, nativeAddons)],
    });
    fallbackPackages = packagesUnder(built.metafile?.inputs ?? {}, root, nodePaths[0]);
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    const problems = error.errors.map((message) => formatMessage(message, root));
    throw new CodeNativeBuildError(
      `The ${what} in ${displayPath(root, root)} did not build (${problems.length} error${
        problems.length === 1 ? '' : 's'
      }):\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
      problems,
    );
  }
  const { size } = await fs.stat(outFile);
  return {
    outFile,
    bytes: size,
    ...(nodePaths[0] && fallbackPackages.length > 0 ? { sdkFallback: nodePaths[0], fallbackPackages } : {}),
    ...(nativeAddons.size > 0 ? { nativeAddons: [...nativeAddons].sort() } : {}),
  };
}

/**
 * The packages the project's own files import that were not found in the project, so came from `fallbackDir` (the
 * CLI's copies; their own dependencies are not listed). Metafile paths are relative to `root`.
 */
function packagesUnder(
  inputs: Record<string, { imports: Array<{ path: string; original?: string }> }>,
  root: string,
  fallbackDir: string | undefined,
): string[] {
  if (!fallbackDir) return [];
  const inProject = (file: string) => {
    const relative = path.relative(root, path.resolve(root, file));
    return !relative.startsWith('..') && !relative.split(path.sep).includes('node_modules');
  };
  const names = new Set<string>();
  for (const [file, { imports }] of Object.entries(inputs)) {
    if (!inProject(file)) continue;
    for (const { path: resolved, original } of imports) {
      if (!original || /^[./]/.test(original) || original.startsWith('node:')) continue;
      // Found in the project (its own node_modules included) is the project's own copy.
      if (!path.resolve(root, resolved).startsWith(root + path.sep)) {
        const [first = '', second = ''] = original.split('/');
        names.add(first.startsWith('@') ? `${first}/${second}` : first);
      }
    }
  }
  return [...names].sort();
}

/** `buildBundle` for a code-native integration: default `<project>/dist/integration.cjs`. */
export function buildCodeNativeBundle(
  projectDir: string,
  options: CodeNativeBuildOptions = {},
): Promise<CodeNativeBuildResult> {
  return buildBundle(projectDir, { ...options, kind: 'integration' });
}

/** `buildBundle` for a custom component: default `<project>/dist/component.cjs`. */
export function buildComponentBundle(
  projectDir: string,
  options: CodeNativeBuildOptions = {},
): Promise<CodeNativeBuildResult> {
  return buildBundle(projectDir, { ...options, kind: 'component' });
}
