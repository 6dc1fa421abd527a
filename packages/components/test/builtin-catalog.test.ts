// The built-in catalog holds every component, action, trigger and input name that real Prismatic definitions
// use (docs/reference/builtin-components.md, a copy of the facts gathered for the project), and is internally consistent.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CatalogOperation, catalogInputTypes, createComponentCatalog } from '@weft/definition';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../src/index.js';

const referencePath = fileURLToPath(
  new URL('../../../docs/reference/builtin-components.md', import.meta.url),
);

interface ReferenceRow {
  line: string;
  component: string;
  /** Keys the row marks as triggers ("(trigger)" after one key, or "(triggers)" after the whole cell). */
  triggers: string[];
  actions: string[];
  inputs: string[];
}

/** A parenthesis that lists names (`(httpPatch, httpDelete)`, `(lowerCase, trim, ...)`) rather than prose. */
const nameList = /^\s*(?:[A-Za-z]\w*|\.\.\.)(?:\s*,\s*(?:[A-Za-z]\w*|\.\.\.))*\s*$/;

/** The names in a table cell: list parentheses are unwrapped, prose parentheses and "—" or "..." dropped. */
function names(cell: string): string[] {
  let text = cell;
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(/\(([^()]*)\)/g, (_, inner: string) => (nameList.test(inner) ? `, ${inner}, ` : ' '));
  }
  return text
    .split(/[,;]/)
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== '—' && name !== '...');
}

function operationKeys(cell: string): { actions: string[]; triggers: string[] } {
  const allTriggers = /\(triggers\)\s*$/.test(cell);
  const actions: string[] = [];
  const triggers: string[] = [];
  for (const segment of cell.replace(/\(triggers\)\s*$/, '').split(/[;,](?![^(]*\))/)) {
    const isTrigger = allTriggers || /\(trigger\)/.test(segment);
    for (const key of names(segment.replace(/\(trigger\)/, ''))) (isTrigger ? triggers : actions).push(key);
  }
  return { actions, triggers };
}

function readReferenceTable(): ReferenceRow[] {
  const lines = fs.readFileSync(referencePath, 'utf8').split('\n');
  const header = lines.findIndex((line) =>
    /^\|\s*component key\s*\|\s*action key\s*\|\s*input names\s*\|/.test(line),
  );
  if (header < 0)
    throw new Error(`no "| component key | action key | input names |" table in ${referencePath}`);
  const rows: ReferenceRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    // Code spans may hold "|" (`type: value|configVar`) and are examples, not names: drop them before splitting.
    const cells = line
      .replace(/`[^`]*`/g, '')
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const [component, actionCell, inputCell] = cells;
    if (component === undefined || actionCell === undefined || inputCell === undefined)
      throw new Error(`malformed row: ${line}`);
    rows.push({ line, component, ...operationKeys(actionCell), inputs: names(inputCell) });
  }
  return rows;
}

const rows = readReferenceTable();
const catalog = createComponentCatalog(builtinCatalog);
const identifier = /^[A-Za-z][A-Za-z0-9]*$/;

function allOperations(): Array<[string, CatalogOperation]> {
  return builtinCatalog.flatMap((component) =>
    [...Object.values(component.actions), ...Object.values(component.triggers)].map(
      (op): [string, CatalogOperation] => [`${component.key}.${op.key}`, op],
    ),
  );
}

describe('the reference table (docs/reference/builtin-components.md)', () => {
  it('parses into rows of plain names', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const row of rows) {
      const all = [row.component.replace(/-/g, ''), ...row.actions, ...row.triggers, ...row.inputs];
      expect(
        all.filter((name) => !identifier.test(name)),
        row.line,
      ).toEqual([]);
      expect(row.actions.length + row.triggers.length, row.line).toBeGreaterThan(0);
    }
    // Spot checks of the cell syntax: markers, list parentheses, prose parentheses, code spans.
    const http = rows.find((row) => row.component === 'http');
    expect(http?.actions).toEqual([
      'httpGet',
      'httpPost',
      'httpPut',
      'httpPatch',
      'httpDelete',
      'httpPostFormData',
    ]);
    const crossFlow = rows.find((row) => row.component === 'cross-flow');
    expect(crossFlow).toMatchObject({ actions: ['invokeFlow'], triggers: ['crossFlow'] });
    const management = rows.find((row) => row.component === 'management-triggers');
    expect(management).toMatchObject({
      actions: [],
      triggers: ['instanceDeploy', 'instanceRemove'],
      inputs: [],
    });
    expect(rows.find((row) => row.component === 'schedule-triggers')?.inputs).toEqual([]);
    expect(rows.find((row) => row.component === 'code')?.inputs).toEqual(['code']);
    expect(rows.find((row) => row.component === 'change-data-format')?.actions).toContain(
      'deserializeFormData',
    );
  });
});

describe('builtinCatalog', () => {
  it('has every component of the reference table, public', () => {
    for (const row of rows) {
      const component = catalog.get(row.component);
      expect(component, row.line).toBeDefined();
      expect(component?.isPublic, row.component).toBe(true);
    }
    expect(builtinCatalog.every((component) => component.isPublic)).toBe(true);
  });

  it('has every action and trigger of the reference table, as an action or trigger as marked', () => {
    const missing: string[] = [];
    for (const row of rows) {
      const component = catalog.get(row.component);
      for (const key of row.actions)
        if (!component?.actions[key]) missing.push(`${row.component}.${key} (action)`);
      for (const key of row.triggers)
        if (!component?.triggers[key]) missing.push(`${row.component}.${key} (trigger)`);
    }
    expect(missing).toEqual([]);
  });

  it("has every input name of the reference table on one of its row's operations", () => {
    const missing: string[] = [];
    for (const row of rows) {
      const component = catalog.get(row.component);
      const operations = [
        ...row.actions.map((key) => component?.actions[key]),
        ...row.triggers.map((key) => component?.triggers[key]),
      ];
      for (const name of row.inputs)
        if (!operations.some((op) => op?.inputs.some((input) => input.key === name)))
          missing.push(`${row.component} [${[...row.actions, ...row.triggers].join(', ')}]: ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('has unique keys: components, operations within a component, inputs within an operation', () => {
    const componentKeys = builtinCatalog.map((component) => component.key);
    expect(new Set(componentKeys).size).toBe(componentKeys.length);
    for (const component of builtinCatalog) {
      for (const [key, op] of [...Object.entries(component.actions), ...Object.entries(component.triggers)])
        expect(op.key, `${component.key}.${key}`).toBe(key);
      const both = Object.keys(component.actions).filter((key) => Object.hasOwn(component.triggers, key));
      expect(both, `${component.key}: keys that are both an action and a trigger`).toEqual([]);
    }
    for (const [name, op] of allOperations()) {
      const inputKeys = op.inputs.map((input) => input.key);
      expect(
        inputKeys.filter((key, index) => inputKeys.indexOf(key) !== index),
        name,
      ).toEqual([]);
    }
  });

  it('gives every input a known type and well-formed options', () => {
    for (const [name, op] of allOperations()) {
      expect(op.key, name).toMatch(identifier);
      for (const input of op.inputs) {
        const where = `${name}: ${input.key}`;
        expect(input.key, where).toMatch(identifier);
        expect(catalogInputTypes, where).toContain(input.type);
        if (input.collection !== undefined)
          expect(['valuelist', 'keyvaluelist'], where).toContain(input.collection);
        if (input.default !== undefined) expect(typeof input.default, where).toBe('string');
      }
    }
  });

  it('gives every picklist input a model that holds its default', () => {
    for (const [name, op] of allOperations()) {
      for (const input of op.inputs.filter((input) => input.type === 'picklist')) {
        const where = `${name}: ${input.key}`;
        expect(input.model?.length, where).toBeGreaterThan(0);
        const values = input.model?.map((option) => option.value) ?? [];
        expect(new Set(values).size, where).toBe(values.length);
        if (input.default !== undefined) expect(values, where).toContain(input.default);
      }
      for (const input of op.inputs.filter((input) => input.type !== 'picklist'))
        expect(input.model, `${name}: ${input.key} has a model but is not a picklist`).toBeUndefined();
    }
  });

  it('gives no required input a default', () => {
    const both = allOperations().flatMap(([name, op]) =>
      op.inputs
        .filter((input) => input.required && input.default !== undefined)
        .map((input) => `${name}: ${input.key}`),
    );
    expect(both).toEqual([]);
  });

  it('marks the loop and branch actions, and the branch actions name their branches', () => {
    const kinds = Object.fromEntries(
      allOperations()
        .filter(([, op]) => op.kind !== undefined)
        .map(([name, op]) => [name, op.kind]),
    );
    expect(kinds).toEqual({
      'loop.loopOverItems': 'loop',
      'loop.loopNTimes': 'loop',
      'branch.branchOnExpression': 'branch',
      'branch.branchOnValue': 'branch',
    });
    const actions = catalog.get('branch')?.actions;
    expect(actions?.branchOnExpression).toMatchObject({
      dynamicBranchInput: 'conditions',
      staticBranchNames: ['Else'],
    });
    expect(actions?.branchOnValue).toMatchObject({
      dynamicBranchInput: 'branchValueMappings',
      staticBranchNames: ['Else'],
    });
    for (const [name, op] of allOperations()) {
      if (op.dynamicBranchInput !== undefined) {
        expect(op.kind, name).toBe('branch');
        expect(
          op.inputs.map((input) => input.key),
          name,
        ).toContain(op.dynamicBranchInput);
      }
      if (op.kind !== 'branch') expect(op.staticBranchNames, name).toBeUndefined();
    }
    const conditions = actions?.branchOnExpression?.inputs.find((input) => input.key === 'conditions');
    expect(conditions?.type).toBe('conditional');
  });

  it('declares the webhook trigger inputs as optional and the schedule trigger without inputs', () => {
    const webhook = catalog.get('webhook-triggers')?.triggers.webhook;
    expect(webhook?.inputs.map((input) => input.key).sort()).toEqual([
      'body',
      'contentType',
      'headers',
      'statusCode',
    ]);
    expect(webhook?.inputs.filter((input) => input.required)).toEqual([]);
    expect(catalog.get('schedule-triggers')?.triggers.schedule?.inputs).toEqual([]);
  });

  it('declares the HTTP key/value inputs as key/value lists and the same inputs on GET as in real definitions', () => {
    const http = catalog.get('http');
    for (const op of Object.values(http?.actions ?? {})) {
      for (const key of ['headers', 'queryParams'])
        expect(op.inputs.find((input) => input.key === key)?.collection, `${op.key}: ${key}`).toBe(
          'keyvaluelist',
        );
    }
    // The inputs of an httpGet step exported from Prismatic (examples/integrations/split-payload-example.yml).
    const exported = [
      'connection',
      'debugRequest',
      'headers',
      'ignoreSslErrors',
      'includeFullResponse',
      'maxRetries',
      'queryParams',
      'responseType',
      'retryDelayMS',
      'retryOnAllErrors',
      'timeout',
      'url',
      'useExponentialBackoff',
    ];
    const get = http?.actions.httpGet?.inputs.map((input) => input.key) ?? [];
    expect(exported.filter((key) => !get.includes(key))).toEqual([]);
    expect(http?.actions.httpPost?.inputs.map((input) => input.key)).toContain('data');
  });

  it('is frozen, so no user of it can change it for the others', () => {
    expect(Object.isFrozen(builtinCatalog)).toBe(true);
    expect(Object.isFrozen(catalog.get('http')?.actions.httpGet?.inputs[0])).toBe(true);
  });
});
