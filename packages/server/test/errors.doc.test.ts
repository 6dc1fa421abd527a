// Issue 2: every error code is documented in docs/errors.md, and nothing documented is missing from the registry.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../src/index.js';

describe('docs/errors.md', () => {
  it('lists exactly the codes of the registry, each once', () => {
    const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(errorCatalog).sort());
  });
});
