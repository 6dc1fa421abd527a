// Repository check, not part of the example: the README's integration YAML is valid against this component (its
// actions, inputs, connection and data source) and Weft's built-in components. It uses Weft's own packages, which a
// copy of this project does not depend on: drop this file in a copy.
import { readFile } from 'node:fs/promises';
import { builtinCatalog } from '@weft/components';
import { createComponentCatalog, formatProblem, parseIntegrationYaml } from '@weft/definition';
import { componentManifest } from '@weft/sdk';
import { expect, it } from 'vitest';
import acmeChat from '../src/index.js';

it("the README's integration YAML uses the component correctly", async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(yaml).toBeDefined();
  const result = parseIntegrationYaml(yaml ?? '', {
    catalog: createComponentCatalog(builtinCatalog, [componentManifest(acmeChat)]),
    fileName: 'README.md (yaml)',
  });
  const problems = result.ok ? result.warnings : result.problems;
  expect(problems.map((problem) => formatProblem(problem))).toEqual([]);
});
