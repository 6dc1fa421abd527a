// The definition corpus (packages/definition/test/fixtures/valid) validated against the real built-in catalog: the
// definitions use only built-in components, so they must import with no problem at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createComponentCatalog, formatProblem, parseIntegrationYaml } from '@weft/definition';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../src/index.js';

const corpusDir = fileURLToPath(new URL('../../definition/test/fixtures/valid', import.meta.url));
const corpus = readdirSync(corpusDir).filter((name) => name.endsWith('.yaml'));
const catalog = createComponentCatalog(builtinCatalog);

describe('the definition corpus against the built-in catalog', () => {
  it.each(corpus)('%s validates with no errors or warnings', (name) => {
    const result = parseIntegrationYaml(readFileSync(join(corpusDir, name), 'utf8'), {
      fileName: name,
      catalog,
    });
    const problems = result.ok ? result.warnings : result.problems;
    expect(problems.map((problem) => formatProblem(problem))).toEqual([]);
  });

  it('catches a misspelled built-in action', () => {
    const text = readFileSync(join(corpusDir, 'file-sync.yaml'), 'utf8').replace(
      'key: httpGet',
      'key: httpGett',
    );
    const result = parseIntegrationYaml(text, { fileName: 'file-sync.yaml', catalog });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toContain(
      "component 'http' has no action 'httpGett' — did you mean 'httpGet'?",
    );
  });
});
