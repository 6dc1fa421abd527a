// Issue 2: the import graph between packages follows DESIGN.md's table; a package importing one it may not
// fails here, before the layering erodes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../packages/', import.meta.url).pathname;

/**
 * DESIGN.md, "Parts": which Weft packages each package may import. `embed/protocol` is the message protocol between
 * the SDK and the embedded pages, one source for both sides (and for the theme values the server checks): the
 * only part of `@weft/embed` others may import.
 */
const allowed: Record<string, string[]> = {
  definition: [],
  sdk: ['definition'],
  engine: ['definition', 'sdk'],
  egress: [],
  components: ['sdk', 'definition', 'egress'],
  server: ['definition', 'sdk', 'engine', 'components', 'egress', 'embed/protocol'],
  client: [],
  cli: ['server', 'client', 'engine', 'components', 'definition', 'sdk', 'egress'],
  web: ['client', 'embed/protocol'],
  embed: [],
};

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

describe('package import graph', () => {
  it('has a rule for every package in the workspace', () => {
    expect(fs.readdirSync(root).sort()).toEqual(Object.keys(allowed).sort());
  });

  for (const [pkg, mayImport] of Object.entries(allowed)) {
    it(`${pkg} imports only ${mayImport.length ? mayImport.join(', ') : 'no other Weft package'}`, () => {
      const offending: string[] = [];
      for (const file of sourceFiles(path.join(root, pkg, 'src'))) {
        for (const match of fs
          .readFileSync(file, 'utf8')
          .matchAll(/from\s+['"]@weft\/([\w-]+)(\/[\w-]+)?|import\(\s*['"]@weft\/([\w-]+)(\/[\w-]+)?/g)) {
          const target = match[1] ?? match[3];
          const subpath = match[2] ?? match[4] ?? '';
          if (
            target &&
            target !== pkg &&
            !mayImport.includes(target) &&
            !mayImport.includes(`${target}${subpath}`)
          )
            offending.push(`${path.relative(root, file)} → @weft/${target}${subpath}`);
        }
      }
      expect(offending).toEqual([]);
    });
  }

  it('the engine does no I/O of its own (no pg, fastify, graphile-worker or node:fs imports)', () => {
    const offending = sourceFiles(path.join(root, 'engine', 'src')).filter((file) =>
      /from\s+['"](pg|fastify|graphile-worker|kysely|node:fs|fs|node:net|node:http)['"]/.test(
        fs.readFileSync(file, 'utf8'),
      ),
    );
    expect(offending).toEqual([]);
  });
});
