// Bundles the SDK for pages without a bundler: dist/weft-embed.min.js (an IIFE that sets `window.weft`, for a
// <script> tag) and dist/weft-embed.esm.min.js (an ES module, for a CDN or `import` from a URL; also the figure
// the size budget is measured on). The package's `.` and `./protocol` exports come from `tsc -b` instead.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageRoot = new URL('../', import.meta.url);
const { version } = JSON.parse(fs.readFileSync(new URL('package.json', packageRoot), 'utf8'));

export const bundleFiles = {
  iife: fileURLToPath(new URL('dist/weft-embed.min.js', packageRoot)),
  esm: fileURLToPath(new URL('dist/weft-embed.esm.min.js', packageRoot)),
};

/** Writes both bundles; resolves with their paths. */
export async function buildBundles() {
  const common = {
    entryPoints: [fileURLToPath(new URL('src/index.ts', packageRoot))],
    bundle: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
    define: { __WEFT_EMBED_VERSION__: JSON.stringify(version) },
    banner: { js: `/*! @weft/embed ${version} | Apache-2.0 */` },
    logLevel: 'warning',
  };
  await Promise.all([
    build({ ...common, format: 'iife', globalName: 'weft', outfile: bundleFiles.iife }),
    build({ ...common, format: 'esm', outfile: bundleFiles.esm }),
  ]);
  return bundleFiles;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const files = await buildBundles();
  for (const file of Object.values(files)) console.log(`${file}: ${fs.statSync(file).size} bytes`);
  console.log(`built in ${Math.round(performance.now() - started)} ms`);
}
