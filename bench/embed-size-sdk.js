// The @weft/embed part of bench/embed-size.js: builds the SDK's two bundles and measures them, raw and gzipped
// (gzip -9, as a CDN would serve them). The budget is 10 KB gzipped for the IIFE (Prismatic's is 9 KB).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildBundles } from '../packages/embed/scripts/build.js';

/** `[{file, bytes, gzipBytes}]` for dist/weft-embed.min.js (IIFE) and dist/weft-embed.esm.min.js (ESM). */
export async function sdkSizes() {
  const files = await buildBundles();
  return [files.iife, files.esm].map((file) => {
    const content = fs.readFileSync(file);
    return {
      file: path.relative(process.cwd(), file),
      bytes: content.length,
      gzipBytes: gzipSync(content, { level: 9 }).length,
    };
  });
}

if (process.argv[1] === import.meta.filename) console.table(await sdkSizes());
