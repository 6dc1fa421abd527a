import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const fixtures = path.resolve(here, '../fixtures/spectral');

/**
 * Bundles a fixture of test/fixtures/spectral as `prism components:publish` does: one CommonJS file with Spectral
 * inside; answers it base64-encoded, as POST /api/components takes it.
 */
export async function bundleSpectralFixture(fixture: string): Promise<string> {
  const result = await build({
    stdin: {
      contents: `export { default } from ${JSON.stringify(path.join(fixtures, fixture))};`,
      resolveDir: repoRoot,
      loader: 'ts',
      sourcefile: 'index.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents).toString('base64');
}
