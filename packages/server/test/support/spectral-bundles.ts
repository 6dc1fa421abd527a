import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const fixtures = path.resolve(here, '../fixtures/spectral');

/**
 * Bundles TypeScript source as `prism components:publish` (or a code-native build) does: one CommonJS file with its
 * SDK inside; answers it base64-encoded, as POST /api/components and /api/integrations/import take it.
 */
export async function bundleSource(source: string, sourcefile = 'index.ts'): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents).toString('base64');
}

/** Bundles a fixture of test/fixtures/spectral (its default export) with `bundleSource`. */
export function bundleSpectralFixture(fixture: string): Promise<string> {
  return bundleSource(`export { default } from ${JSON.stringify(path.join(fixtures, fixture))};`);
}
