import { readFileSync } from 'node:fs';

/** Weft's version, from this package's package.json (one directory up from both src/ and dist/). */
export const weftVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
