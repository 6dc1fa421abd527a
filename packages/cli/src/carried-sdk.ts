/**
 * The `@weft/sdk` this CLI carries, as npm package tarballs a component project can install from its own folder.
 *
 * `@weft/sdk` and `@weft/definition` are not on the npm registry, so `components:init` writes them into the new
 * project (`vendor/weft-sdk-<version>.tgz`, `vendor/weft-definition-<version>.tgz`) and its package.json depends on
 * them with `file:` specs: `npm install` then needs the public registry only for the public packages (vitest,
 * typescript, the SDK's own dependencies), with no linking, anywhere, and a clone of the project installs the same.
 *
 * The tarballs are packed on the spot from the installed packages the CLI itself imports (whatever installed the
 * CLI: a clone of the Weft repository after `npm install`, or a registry install), so nothing has to be built ahead
 * of time. They hold what `npm pack` would publish (`package.json`, README, `dist/`), without build leftovers
 * (`.tsbuildinfo`, source maps of sources that are not shipped), and are the same bytes every time for the same SDK.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface CarriedPackage {
  /** `@weft/sdk`. */
  name: string;
  version: string;
  /** `weft-sdk-0.1.0.tgz`, as `npm pack` names it. */
  fileName: string;
  /** The directory it was packed from. */
  dir: string;
  tarball: Buffer;
}

/** The package directory holding `file` (the nearest one whose package.json has `name`). */
function packageDirOf(file: string, name: string): string | undefined {
  for (let current = path.dirname(file); ; ) {
    const manifest = path.join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name: found } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (found === name) return current;
      } catch {
        // not a readable manifest: keep walking up
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** The directory of package `name` as Node finds it from `fromDir` (walking up through node_modules). */
function nodeModulesPackage(fromDir: string, name: string): string | undefined {
  for (let current = fromDir; ; ) {
    const candidate = path.join(current, 'node_modules', ...name.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Where the CLI's own `@weft/sdk` and the `@weft/definition` it uses are installed. */
export function carriedSdkDirs(): { sdk: string; definition: string } {
  const entry = fileURLToPath(import.meta.resolve('@weft/sdk'));
  const sdk = packageDirOf(realpathSync(entry), '@weft/sdk');
  if (!sdk) throw new Error(`cannot find the package folder of @weft/sdk (its entry point is ${entry})`);
  const definition = nodeModulesPackage(sdk, '@weft/definition');
  if (!definition) throw new Error(`cannot find @weft/definition, which @weft/sdk (${sdk}) depends on`);
  return { sdk, definition };
}

/** The package.json fields an installed copy needs (no scripts, no devDependencies, no `private`). */
const manifestFields = [
  'name',
  'version',
  'description',
  'license',
  'type',
  'main',
  'types',
  'exports',
  'engines',
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

/** Files npm always ships besides those listed in `files`. */
const alwaysShipped = /^(readme|license|licence|notice|changelog)(\..*)?$/i;

async function filesUnder(dir: string, relative: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(path.join(dir, relative), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...(await filesUnder(dir, child)));
    } else if (entry.isFile() && !entry.name.endsWith('.tsbuildinfo') && !entry.name.endsWith('.map')) {
      found.push(child);
    }
  }
  return found;
}

/** One package directory as an npm tarball (`package/...` entries, gzipped), reproducibly. */
export async function packPackage(dir: string): Promise<CarriedPackage> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const name = String(manifest.name);
  const version = String(manifest.version);
  const shipped: Record<string, unknown> = {};
  for (const field of manifestFields) if (manifest[field] !== undefined) shipped[field] = manifest[field];
  const entries: Array<[string, Buffer]> = [
    ['package.json', Buffer.from(`${JSON.stringify(shipped, null, 2)}\n`)],
  ];
  const top = (await fs.readdir(dir, { withFileTypes: true })).filter(
    (entry) => entry.isFile() && alwaysShipped.test(entry.name),
  );
  for (const entry of top.map((e) => e.name).sort())
    entries.push([entry, await fs.readFile(path.join(dir, entry))]);
  const listed = Array.isArray(manifest.files) ? (manifest.files as unknown[]) : ['dist'];
  for (const item of listed) {
    if (typeof item !== 'string' || item.includes('*')) continue;
    const clean = item.replace(/^\.?\/+|\/+$/g, '');
    const full = path.join(dir, clean);
    const stat = await fs.stat(full).catch(() => undefined);
    if (stat?.isDirectory()) {
      for (const file of await filesUnder(dir, clean))
        entries.push([file, await fs.readFile(path.join(dir, file))]);
    } else if (stat?.isFile() && !entries.some(([existing]) => existing === clean)) {
      entries.push([clean, await fs.readFile(full)]);
    }
  }
  if (!entries.some(([file]) => file.startsWith('dist/'))) {
    throw new Error(`${name} in ${dir} has no dist/ folder: build Weft first (npm run build)`);
  }
  const fileName = `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
  return { name, version, fileName, dir, tarball: gzipSync(tar(entries), { level: 9 }) };
}

/** npm's own fixed date for reproducible tarballs: 1985-10-26T08:15:00Z. */
const fixedMtime = Math.floor(Date.UTC(1985, 9, 26, 8, 15, 0) / 1000);

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive of regular files, each under `package/`. */
function tar(entries: Array<[string, Buffer]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [file, content] of entries) {
    const fullName = `package/${file}`;
    let name = fullName;
    let prefix = '';
    if (Buffer.byteLength(fullName) > 100) {
      // ustar splits a long path at a slash: up to 155 bytes of prefix, up to 100 of name.
      const cut = fullName.lastIndexOf('/', 155);
      prefix = fullName.slice(0, cut);
      name = fullName.slice(cut + 1);
      if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) {
        throw new Error(`cannot pack ${file}: its path is too long`);
      }
    }
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write(octal(0o644, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(content.length, 12), 124, 'ascii');
    header.write(octal(fixedMtime, 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    header.write(prefix, 345, 155, 'utf8');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, content);
    const padding = (512 - (content.length % 512)) % 512;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

let carried: Promise<CarriedPackage[]> | undefined;

/** `@weft/sdk` and `@weft/definition` as the CLI has them installed, packed (once per process). */
export function carriedSdkTarballs(): Promise<CarriedPackage[]> {
  carried ??= (async () => {
    const { sdk, definition } = carriedSdkDirs();
    return Promise.all([packPackage(sdk), packPackage(definition)]);
  })();
  carried.catch(() => {
    carried = undefined;
  });
  return carried;
}
