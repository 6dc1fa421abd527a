// Import + validate benchmark for a large definition (issue 3): a 200-step Prismatic-style YAML definition (HTTP
// steps with templates and config variables, loops with children, branches, log steps referencing earlier steps)
// parsed and validated against the built-in catalog, then exported back to YAML.
// With --server it also starts `weft start` (embedded PostgreSQL) and times the same definition through the API:
// POST /api/integrations/import (parse, validate, store the draft), GET .../export, POST .../publish.
// Usage: npm run build && node bench/definition-import.js [steps=200] [rounds=50] [--server]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinCatalog } from '@weft/components';
import { createComponentCatalog, exportIntegrationYaml, parseIntegrationYaml } from '@weft/definition';
import { startWeft } from './support/weft-process.js';

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const stepCount = Number(positional[0] ?? 200);
const rounds = Number(positional[1] ?? 50);
const withServer = process.argv.includes('--server');

const component = (key) => `{key: ${key}, version: LATEST, isPublic: true}`;

/** Steps in groups of ten: an HTTP call, a loop over its results holding three steps, a branch with two, logs. */
function stepsYaml(count) {
  const lines = [];
  let made = 0;
  for (let group = 0; made < count; group += 1) {
    const get = `get${group}`;
    lines.push(
      `      - name: Get ${group}`,
      `        action: {key: httpGet, component: ${component('http')}}`,
      '        inputs:',
      `          url: {type: template, value: "{{#Base URL}}/items/${group}?after={{$trigger.results.body.data.cursor}}"}`,
      '          connection: {type: configVar, value: API Connection}',
      '          headers: {type: complex, value: [{name: Accept, type: value, value: application/json}]}',
      '        errorConfig: {errorHandlerType: retry, maxAttempts: 3, delaySeconds: 1}',
      `      - name: Each ${group}`,
      `        action: {key: loopOverItems, component: ${component('loop')}}`,
      '        inputs:',
      `          items: {type: reference, value: ${get}.results.data}`,
      '        steps:',
      `          - name: Save ${group}`,
      `            action: {key: saveCrossFlowValue, component: ${component('persist-data')}}`,
      '            inputs:',
      `              keyInput: {type: template, value: "item-{{$each${group}.currentItem.id}}"}`,
      `              valueInput: {type: reference, value: each${group}.currentItem}`,
      `          - name: Post ${group}`,
      `            action: {key: httpPost, component: ${component('http')}}`,
      '            inputs:',
      '              url: {type: template, value: "{{#Base URL}}/copies"}',
      `              data: {type: reference, value: each${group}.currentItem}`,
      `          - name: Log Item ${group}`,
      `            action: {key: writeLog, component: ${component('log')}}`,
      '            inputs:',
      `              message: {type: reference, value: post${group}.results}`,
      `      - name: Check ${group}`,
      `        action: {key: branchOnExpression, component: ${component('branch')}}`,
      '        inputs:',
      '          conditions:',
      '            type: complex',
      '            value:',
      '              - name: Many',
      '                type: complex',
      `                value: [and, [greaterThan, {type: reference, value: each${group}.results.length}, {type: value, value: "10"}]]`,
      '        branches:',
      '          - name: Many',
      '            steps:',
      `              - name: Warn ${group}`,
      `                action: {key: writeLog, component: ${component('log')}}`,
      '                inputs:',
      '                  level: {type: value, value: warn}',
      `                  message: {type: template, value: "many items in {{$${get}.results.data.length}}"}`,
      '          - name: Else',
      '            steps:',
      `              - name: Info ${group}`,
      `                action: {key: writeLog, component: ${component('log')}}`,
      '                inputs:',
      `                  message: {type: reference, value: ${get}.results.status}`,
      `      - name: Wait ${group}`,
      `        action: {key: sleep, component: ${component('sleep')}}`,
      '        inputs:',
      '          ms: {type: value, value: "10"}',
      `      - name: Done ${group}`,
      `        action: {key: writeLog, component: ${component('log')}}`,
      '        inputs:',
      `          message: {type: template, value: "group ${group} done after {{$check${group}.results}}"}`,
    );
    made += 10;
  }
  return lines.join('\n');
}

const yaml = `definitionVersion: 7
name: Big Integration
requiredConfigVars:
  - {key: Base URL, dataType: string, defaultValue: "https://api.example.test"}
  - key: API Connection
    dataType: connection
    connection: {key: apiKey, component: ${component('http')}}
flows:
  - name: Sync
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: ${component('webhook-triggers')}}
${stepsYaml(stepCount)}
`;

const catalog = createComponentCatalog(builtinCatalog);
const timings = [];
let integration;
for (let round = 0; round < rounds; round += 1) {
  const started = process.hrtime.bigint();
  const result = parseIntegrationYaml(yaml, { fileName: 'big.yaml', catalog });
  timings.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (!result.ok) {
    console.error(result.problems.slice(0, 5));
    process.exit(1);
  }
  integration = result.integration;
}
const exportStarted = process.hrtime.bigint();
const exported = exportIntegrationYaml(integration);
const exportMs = Number(process.hrtime.bigint() - exportStarted) / 1e6;

const sorted = [...timings].sort((a, b) => a - b);
const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
let counted = 0;
const count = (steps) => {
  for (const step of steps) {
    counted += 1;
    count(step.steps ?? []);
    for (const branch of step.branches ?? []) count(branch.steps);
  }
};
count([integration.flows[0].trigger, ...integration.flows[0].steps]);
/** Times the import, export and publish of the definition through a real server's API. */
async function serverTimings() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  const token = `weft_bench_${'x'.repeat(40)}`;
  const weft = await startWeft(dataDir, { WEFT_ADMIN_TOKEN: token });
  const call = async (method, route, body) => {
    const started = performance.now();
    const response = await fetch(`${weft.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 500)}`);
    return { ms: performance.now() - started, text };
  };
  try {
    const created = await call('POST', '/api/integrations/import', {
      definition: yaml,
      fileName: 'big.yaml',
    });
    const { id } = JSON.parse(created.text);
    const imports = [];
    for (let round = 0; round < Math.min(rounds, 20); round += 1) {
      imports.push(
        (await call('POST', '/api/integrations/import', { definition: yaml, integrationId: id })).ms,
      );
    }
    const exported = await call('GET', `/api/integrations/${id}/export`);
    const published = await call('POST', `/api/integrations/${id}/publish`, { comment: 'bench' });
    const sortedImports = [...imports].sort((a, b) => a - b);
    return {
      firstImportMs: created.ms.toFixed(1),
      reimportMs: {
        median: sortedImports[Math.floor(sortedImports.length / 2)].toFixed(1),
        max: sortedImports.at(-1).toFixed(1),
        rounds: imports.length,
      },
      exportMs: exported.ms.toFixed(1),
      publishMs: published.ms.toFixed(1),
    };
  } finally {
    await weft.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(
  JSON.stringify(
    {
      steps: counted,
      yamlBytes: Buffer.byteLength(yaml),
      rounds,
      importValidateMs: {
        first: timings[0].toFixed(1),
        median: pick(0.5),
        p95: pick(0.95),
        min: sorted[0].toFixed(1),
      },
      exportMs: exportMs.toFixed(1),
      exportedBytes: Buffer.byteLength(exported),
      api: withServer ? await serverTimings() : 'run with --server to time the API',
    },
    null,
    2,
  ),
);
