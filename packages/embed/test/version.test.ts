// The plain `tsc` build (the package's `.` export) has no bundler to put package.json's version in, so it falls
// back to a literal in src/version.ts: this keeps that literal honest.
import { readFileSync } from 'node:fs';
import { init, SDK_VERSION, WeftEmbedError } from '@weft/embed';
import { describe, expect, it } from 'vitest';

describe('@weft/embed outside a browser', () => {
  it('reports the version of its package.json', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(SDK_VERSION).toBe(version);
  });

  it('can be imported where there is no document, and says so when init runs there', () => {
    expect(() => init({ url: 'https://weft.example.com' })).toThrow(
      expect.objectContaining({ name: 'WeftEmbedError', code: 'EMBED_NO_DOCUMENT' }),
    );
    expect(() => init({ url: 'weft.example.com' })).toThrow(WeftEmbedError);
  });
});
