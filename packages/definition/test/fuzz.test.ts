/**
 * Robustness of `parseIntegrationYaml` against arbitrary text: it never throws, answers within a bounded time, and
 * describes every invalid document with problems that carry a known code, a message and a 1-based line and column.
 *
 * Inputs: (a) random text and YAML token soups, (b) random JSON/YAML values, also shaped like integrations,
 * (c) mutations of the valid fixture file-sync.yaml, (d) pathological documents (deep nesting, alias bombs, large
 * documents, BOM, CRLF). (a)–(c) run in this thread; (d) runs in a worker thread with a time limit, since a hang in
 * synchronous code here could not be interrupted.
 *
 * The time limit is a robustness bound, not a benchmark. Set FC_SEED to explore other seeds; the seed is printed.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type DefinitionProblem,
  definitionProblemCodes,
  exportIntegrationYaml,
  type Integration,
  inputTypes,
  type ParseResult,
  parseIntegrationYaml,
} from '../src/index.js';
import { type IsolatedParseOutcome, parseIsolated } from './support/isolated-parse.js';

const SEED = Number(process.env.FC_SEED ?? 20_250_607);
/** Longest any single document may take to parse. */
const TIME_LIMIT_MS = 2_000;
/** For the multi-megabyte documents, whose YAML parsing alone is linear work on megabytes. */
const LARGE_TIME_LIMIT_MS = 15_000;
const FILE = 'fuzz.yaml';

const fixture = fs.readFileSync(new URL('./fixtures/valid/file-sync.yaml', import.meta.url), 'utf8');
const problemCodes = new Set(Object.keys(definitionProblemCodes));

// ---------------------------------------------------------------------------------------------------------------
// Running and checking one document.

interface Stats {
  documents: number;
  ok: number;
  totalMs: number;
  maxMs: number;
  slowest: string;
}
const statsByCorpus = new Map<string, Stats>();

function statsFor(corpus: string): Stats {
  let stats = statsByCorpus.get(corpus);
  if (!stats) {
    stats = { documents: 0, ok: 0, totalMs: 0, maxMs: 0, slowest: '' };
    statsByCorpus.set(corpus, stats);
  }
  return stats;
}

/** Parses and records the time; a throw propagates, so fast-check shrinks the input that caused it. */
function timedParse(corpus: string, text: string): ParseResult {
  const stats = statsFor(corpus);
  const started = performance.now();
  const result = parseIntegrationYaml(text, { fileName: FILE });
  const ms = performance.now() - started;
  stats.documents += 1;
  stats.totalMs += ms;
  if (result.ok) stats.ok += 1;
  if (ms > stats.maxMs) {
    stats.maxMs = ms;
    stats.slowest =
      text.length > 200
        ? `${JSON.stringify(text.slice(0, 200))}… (${text.length} chars)`
        : JSON.stringify(text);
  }
  return result;
}

function lineCount(text: string): number {
  return text.split('\n').length;
}

/** What is wrong with a problem, or undefined when it is well formed. */
function problemDefect(problem: DefinitionProblem, maxLine?: number): string | undefined {
  if (!problemCodes.has(problem.code)) return `unknown code ${JSON.stringify(problem.code)}`;
  if (typeof problem.message !== 'string' || problem.message.trim() === '') return 'empty message';
  if (!Number.isInteger(problem.line) || problem.line < 1) return `line ${problem.line}`;
  if (!Number.isInteger(problem.column) || problem.column < 1) return `column ${problem.column}`;
  if (maxLine !== undefined && problem.line > maxLine)
    return `line ${problem.line} is past the document's end (${maxLine})`;
  if (problem.file !== FILE) return `file ${JSON.stringify(problem.file)}`;
  if (problem.severity !== 'error' && problem.severity !== 'warning') return `severity ${problem.severity}`;
  return undefined;
}

/**
 * The result's invariants: an invalid result has at least one error and every problem (or warning) is well formed;
 * a valid result exports to YAML that reads back to the same model.
 */
function checkResult(
  text: string,
  result: ParseResult,
  { expectInvalid = false, boundLines = false } = {},
): void {
  const maxLine = boundLines ? lineCount(text) + 1 : undefined;
  const problems = result.ok ? result.warnings : result.problems;
  for (const problem of problems) {
    const defect = problemDefect(problem, maxLine);
    if (defect) throw new Error(`malformed problem (${defect}): ${JSON.stringify(problem)}`);
  }
  if (!result.ok) {
    if (!result.problems.some((problem) => problem.severity === 'error')) {
      throw new Error(`ok: false without an error: ${JSON.stringify(result.problems)}`);
    }
    return;
  }
  if (expectInvalid) throw new Error('an invalid document was accepted');
  checkReexport(result.integration);
}

function checkReexport(integration: Integration): void {
  const again = parseIntegrationYaml(exportIntegrationYaml(integration), { fileName: FILE });
  if (!again.ok)
    throw new Error(`a parsed model does not survive export: ${JSON.stringify(again.problems.slice(0, 3))}`);
  expect(again.integration).toStrictEqual(integration);
}

function runProperty<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => void,
): void {
  const started = performance.now();
  fc.assert(fc.property(arbitrary, predicate), { seed: SEED, numRuns });
  const stats = statsFor(name);
  console.log(
    `fuzz ${name}: ${stats.documents} documents (${stats.ok} ok) in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `parse mean ${(stats.totalMs / Math.max(stats.documents, 1)).toFixed(2)} ms, max ${stats.maxMs.toFixed(1)} ms`,
  );
  expect(stats.documents).toBeGreaterThanOrEqual(numRuns);
  if (stats.maxMs >= TIME_LIMIT_MS)
    throw new Error(`${name}: a document took ${stats.maxMs.toFixed(0)} ms: ${stats.slowest}`);
}

// ---------------------------------------------------------------------------------------------------------------
// (a) Random text and YAML token soups.

const fieldNames = [
  'definitionVersion',
  'name',
  'description',
  'flows',
  'steps',
  'isTrigger',
  'action',
  'component',
  'key',
  'version',
  'isPublic',
  'inputs',
  'type',
  'value',
  'requiredConfigVars',
  'dataType',
  'configPages',
  'elements',
  'schedule',
  'branches',
  'errorConfig',
  'retryConfig',
  'queueConfig',
  'importMetadata',
  'renameAttributes',
  'labels',
  'meta',
] as const;

const yamlTokens = fc.constantFrom(
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '\t',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\r',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '<<: *a',
  '!!str ',
  '!!map ',
  '!!seq ',
  '!!int ',
  '!!float ',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!!timestamp ',
  '!custom ',
  '!<tag:yaml.org,2002:str> ',
  '---',
  '--- ',
  '...',
  '#',
  '# comment\n',
  '|',
  '|-',
  '|+',
  '>',
  '>-',
  '|2',
  '?',
  '? ',
  '%YAML 1.1\n---\n',
  '%YAML 1.2\n',
  '%TAG !e! tag:example.com,2024:\n',
  '\\',
  '\\u00',
  '@',
  '`',
  '~',
  'null',
  'true',
  '7',
  '-1',
  '1e309',
  '0x1F',
  '.inf',
  '.nan',
  '2001-12-14',
  'definitionVersion: 7\n',
  '\u0000',
  '\ufeff',
  '\u2028',
  '\u0085',
  '\ud800',
  'é',
  '🎉',
  ...fieldNames,
);
const indentation = fc.nat({ max: 60 }).map((width) => `\n${' '.repeat(width)}`);
const tokenSoup = fc
  .array(fc.oneof({ arbitrary: yamlTokens, weight: 6 }, indentation, fc.string({ maxLength: 6 })), {
    maxLength: 150,
  })
  .map((tokens) => tokens.join(''));

/** Lines that look like YAML fields: they get past the YAML syntax into the definition reader more often. */
const scalarTokens = fc.oneof(
  fc.constantFrom(
    '7',
    '"7"',
    'x',
    'null',
    '~',
    'true',
    '[]',
    '{}',
    '[a, 1]',
    '{key: v}',
    '&a x',
    '*a',
    '|',
    '"unterminated',
    "'x'",
  ),
  fc.constantFrom(...fieldNames, ...inputTypes, 'webhook', 'LATEST', 'retry', 'complex', '"*/5 * * * *"'),
  fc.string({ maxLength: 8 }),
);
const yamlishLine = fc
  .tuple(
    fc.nat({ max: 14 }),
    fc.constantFrom('', '- ', '- - '),
    fc.constantFrom(...fieldNames, 'x', '"q"'),
    fc.constantFrom(':', ': ', ':\n'),
    scalarTokens,
  )
  .map(([indent, dash, key, colon, value]) => `${' '.repeat(indent)}${dash}${key}${colon}${value}`);
const yamlishDocument = fc
  .tuple(fc.boolean(), fc.array(yamlishLine, { maxLength: 40 }))
  .map(([versioned, lines]) => `${versioned ? 'definitionVersion: 7\n' : ''}${lines.join('\n')}`);

// ---------------------------------------------------------------------------------------------------------------
// (b) Random values, serialized as YAML.

function yamlOf(value: unknown): string {
  try {
    return stringify(value, { aliasDuplicateObjects: true }) ?? '';
  } catch {
    return JSON.stringify(value) ?? '';
  }
}

const junk = fc.oneof(
  fc.anything({
    maxDepth: 2,
    maxKeys: 3,
    size: 'xsmall',
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
  }),
  fc.jsonValue({ maxDepth: 2 }),
);
/** `arbitrary`, or now and then something else entirely. */
const sometimesJunk = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary, weight: 6 }, { arbitrary: junk, weight: 1 });
const word = fc.oneof(
  fc.constantFrom('Sync', 'List Files', 'Else', 'Loop', 'x', ''),
  fc.string({ maxLength: 10 }),
);
const componentShape = sometimesJunk(
  fc.record(
    {
      key: sometimesJunk(fc.constantFrom('http', 'webhook-triggers', 'schedule-triggers', 'loop', 'branch')),
      version: sometimesJunk(fc.oneof(fc.constant('LATEST'), fc.integer({ min: -2, max: 5 }))),
      isPublic: sometimesJunk(fc.boolean()),
      signature: sometimesJunk(fc.string({ maxLength: 8 })),
    },
    { requiredKeys: [] },
  ),
);
function inputShape(depth: number): fc.Arbitrary<unknown> {
  const nested = depth > 0 ? inputShape(depth - 1) : junk;
  return sometimesJunk(
    fc.record(
      {
        type: sometimesJunk(fc.constantFrom(...inputTypes, 'Value', 'reference ')),
        value: fc.oneof(
          fc.constantFrom(
            'trigger.results',
            'listFiles.results.x',
            'nope.results',
            'x.currentItem',
            '{{$trigger.results}}',
            '{{#Cfg}}',
            '{{',
          ),
          fc.array(nested, { maxLength: 3 }),
          fc.tuple(fc.constantFrom('and', 'or', 'equal', 'isTrue', 'bogus'), nested, nested),
          junk,
        ),
        name: sometimesJunk(word),
        meta: junk,
      },
      { requiredKeys: ['type'] },
    ),
  );
}
function stepShape(depth: number): fc.Arbitrary<unknown> {
  const children = depth > 0 ? fc.array(stepShape(depth - 1), { maxLength: 2 }) : fc.constant([]);
  return sometimesJunk(
    fc.record(
      {
        name: sometimesJunk(word),
        isTrigger: sometimesJunk(fc.boolean()),
        action: sometimesJunk(
          fc.record({ key: sometimesJunk(word), component: componentShape }, { requiredKeys: [] }),
        ),
        inputs: sometimesJunk(fc.dictionary(word, inputShape(2), { maxKeys: 3 })),
        schedule: sometimesJunk(
          fc.record({
            type: fc.constantFrom('value', 'configVar', 'cron'),
            value: fc.constantFrom('*/5 * * * *', 'bad', 'Cfg'),
          }),
        ),
        errorConfig: sometimesJunk(
          fc.record(
            {
              errorHandlerType: sometimesJunk(fc.constantFrom('fail', 'ignore', 'retry')),
              maxAttempts: sometimesJunk(fc.integer()),
            },
            { requiredKeys: [] },
          ),
        ),
        steps: children,
        branches: sometimesJunk(fc.array(fc.record({ name: word, steps: children }), { maxLength: 2 })),
      },
      { requiredKeys: [] },
    ),
  );
}
const integrationShape = fc.record(
  {
    definitionVersion: sometimesJunk(fc.constantFrom(7, '7', 6)),
    name: sometimesJunk(word),
    description: sometimesJunk(word),
    labels: sometimesJunk(fc.array(word, { maxLength: 3 })),
    endpointType: sometimesJunk(
      fc.constantFrom('flow_specific', 'instance_specific', 'shared_instance', 'other'),
    ),
    preprocessFlowName: sometimesJunk(word),
    requiredConfigVars: sometimesJunk(
      fc.array(
        sometimesJunk(
          fc.record(
            {
              key: sometimesJunk(fc.constantFrom('Cfg', 'Conn', 'Sched')),
              dataType: sometimesJunk(
                fc.constantFrom('string', 'schedule', 'connection', 'picklist', 'number', 'boolean', 'nope'),
              ),
              defaultValue: junk,
              pickList: sometimesJunk(fc.array(word, { maxLength: 3 })),
              timeZone: sometimesJunk(fc.constantFrom('', 'UTC', 'Mars/Olympus')),
              stableKey: sometimesJunk(word),
            },
            { requiredKeys: [] },
          ),
        ),
        { maxLength: 3 },
      ),
    ),
    configPages: sometimesJunk(
      fc.array(
        fc.record({
          name: word,
          elements: fc.array(
            fc.record({ type: fc.constantFrom('configVar', 'htmlElement', 'x'), value: word }),
          ),
        }),
        {
          maxLength: 2,
        },
      ),
    ),
    flows: sometimesJunk(
      fc.array(
        sometimesJunk(
          fc.record(
            {
              name: sometimesJunk(word),
              stableKey: sometimesJunk(word),
              retryConfig: sometimesJunk(
                fc.record({
                  maxAttempts: fc.integer({ min: -1, max: 12 }),
                  delayMinutes: fc.integer({ min: -1, max: 70 }),
                }),
              ),
              queueConfig: sometimesJunk(
                fc.record({ usesFifoQueue: fc.boolean(), singletonExecutions: fc.boolean() }),
              ),
              steps: sometimesJunk(fc.array(stepShape(2), { minLength: 1, maxLength: 4 })),
            },
            { requiredKeys: [] },
          ),
        ),
        { maxLength: 3 },
      ),
    ),
    renameAttributes: sometimesJunk(
      fc.record({ flows: fc.array(fc.record({ oldName: word, newName: word }), { maxLength: 2 }) }),
    ),
    importMetadata: junk,
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------------------------
// (c) Mutations of the valid fixture.

const fixtureLines = fixture.split('\n');
const keyPattern = /([A-Za-z_][\w]*)(?=:(?:\s|$))/g;
const keyOffsets = [...fixture.matchAll(keyPattern)].map((match) => ({
  offset: match.index,
  length: match[1]!.length,
}));
const scalarPattern = /(?<=[\w]: )([^\s{}[\],#&*!|>'"][^,{}[\]\n#]*|'[^'\n]*'|"[^"\n]*")/g;
const scalarSpans = [...fixture.matchAll(scalarPattern)].map((match) => ({
  offset: match.index,
  length: match[0].length,
}));
const interestingChars = [
  ' ',
  '\t',
  ':',
  '-',
  '#',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '@',
  '\\',
  '\n',
  '\r',
  '\0',
  'x',
  '7',
  'é',
  '\u2028',
  '🎉',
];

type Mutation = (text: string) => string;
const lineIndex = fc.nat({ max: fixtureLines.length - 1 });
const mutation: fc.Arbitrary<{ label: string; apply: Mutation }> = fc.oneof(
  lineIndex.map((index) => ({
    label: `delete line ${index + 1}`,
    apply: (text: string) => text.split('\n').toSpliced(index, 1).join('\n'),
  })),
  lineIndex.map((index) => ({
    label: `duplicate line ${index + 1}`,
    apply: (text: string) => {
      const lines = text.split('\n');
      return lines.toSpliced(index, 0, lines[index] ?? '').join('\n');
    },
  })),
  fc.tuple(lineIndex, lineIndex).map(([a, b]) => ({
    label: `swap lines ${a + 1} and ${b + 1}`,
    apply: (text: string) => {
      const lines = text.split('\n');
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    },
  })),
  fc.tuple(lineIndex, fc.integer({ min: -6, max: 6 }), fc.boolean()).map(([index, delta, tab]) => ({
    label: `indent line ${index + 1} by ${tab ? 'a tab' : delta}`,
    apply: (text: string) => {
      const lines = text.split('\n');
      const line = lines[index] ?? '';
      lines[index] = tab
        ? `\t${line}`
        : delta >= 0
          ? `${' '.repeat(delta)}${line}`
          : line.replace(new RegExp(`^ {0,${-delta}}`), '');
      return lines.join('\n');
    },
  })),
  fc
    .tuple(
      fc.nat({ max: fixture.length - 1 }),
      fc.oneof(
        fc.constantFrom(...interestingChars),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
    )
    .map(([offset, char]) => ({
      label: `replace char ${offset} with ${JSON.stringify(char)}`,
      apply: (text: string) => `${text.slice(0, offset)}${char}${text.slice(offset + 1)}`,
    })),
  fc.nat({ max: fixture.length }).map((offset) => ({
    label: `truncate at ${offset}`,
    apply: (text: string) => text.slice(0, offset),
  })),
  fc
    .tuple(
      fc.nat({ max: scalarSpans.length - 1 }),
      fc.constantFrom(
        '[a, b]',
        '[]',
        '{x: 1}',
        '{}',
        '42',
        '-1.5',
        'null',
        '~',
        '""',
        'true',
        '&x 1',
        '*x',
        '[[[[]]]]',
        '|\n  block',
      ),
    )
    .map(([index, replacement]) => ({
      label: `replace scalar #${index} with ${JSON.stringify(replacement)}`,
      apply: (text: string) => {
        const span = scalarSpans[index]!;
        return `${text.slice(0, span.offset)}${replacement}${text.slice(span.offset + span.length)}`;
      },
    })),
  fc
    .tuple(
      fc.nat({ max: keyOffsets.length - 1 }),
      fc.constantFrom('insert', 'delete', 'replace', 'case'),
      fc.nat(),
      fc.constantFrom('x', 'e', 'S', '_', '1'),
    )
    .map(([index, how, at, char]) => ({
      label: `${how} a character of key #${index}`,
      apply: (text: string) => {
        const { offset, length } = keyOffsets[index]!;
        const position = offset + (at % length);
        const next = text[position] ?? '';
        if (how === 'insert') return `${text.slice(0, position)}${char}${text.slice(position)}`;
        if (how === 'delete') return `${text.slice(0, position)}${text.slice(position + 1)}`;
        if (how === 'case') {
          const swapped = next === next.toUpperCase() ? next.toLowerCase() : next.toUpperCase();
          return `${text.slice(0, position)}${swapped}${text.slice(position + 1)}`;
        }
        return `${text.slice(0, position)}${char === next ? 'q' : char}${text.slice(position + 1)}`;
      },
    })),
);
/** One to three mutations, applied in order. Offsets refer to the original text; later ones may land elsewhere. */
const mutatedFixture = fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => ({
  labels: mutations.map((entry) => entry.label),
  text: mutations.reduce((text, entry) => entry.apply(text), fixture),
}));

// ---------------------------------------------------------------------------------------------------------------

afterAll(() => {
  console.log(`fuzz: fast-check seed ${SEED} (override with FC_SEED)`);
  for (const [corpus, stats] of statsByCorpus) {
    console.log(
      `fuzz ${corpus}: max ${stats.maxMs.toFixed(1)} ms over ${stats.documents} documents; slowest ${stats.slowest.slice(0, 120)}`,
    );
  }
});

describe('parseIntegrationYaml on random input', () => {
  it('(a) random text: never throws, answers fast, reports well-formed problems', () => {
    console.log(`fuzz: fast-check seed ${SEED}`);
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...':-[]{}"\'\t\n #&*!|>?,%@`'), maxLength: 200 }),
    );
    runProperty('a: random strings', text, 1_500, (input) => {
      checkResult(input, timedParse('a: random strings', input), { expectInvalid: true, boundLines: true });
    });
    runProperty('a: token soups', tokenSoup, 1_500, (input) => {
      checkResult(input, timedParse('a: token soups', input), { expectInvalid: true, boundLines: true });
    });
    runProperty('a: YAML-ish lines', yamlishDocument, 1_000, (input) => {
      checkResult(input, timedParse('a: YAML-ish lines', input), { expectInvalid: true, boundLines: true });
    });
  });

  it('(a) problem positions exist in the document (line within it, column within that line)', () => {
    // Texts without a lone carriage return, which YAML reads as a line break but editors may not.
    const corpus = fc.oneof(
      yamlishDocument,
      tokenSoup.map((text) => text.replace(/\r/g, '')),
      mutatedFixture.map(({ text }) => text),
    );
    fc.assert(
      fc.property(corpus, (text) => {
        const result = timedParse('a: positions', text);
        const lines = text.split('\n');
        for (const problem of result.ok ? result.warnings : result.problems) {
          const line = lines[problem.line - 1];
          if (line === undefined || problem.column > line.length + 1) {
            throw new Error(
              `problem at ${problem.line}:${problem.column}, but the document has ${lines.length} lines` +
                `${line === undefined ? '' : ` and line ${problem.line} has ${line.length} characters`}: ${problem.code} ${problem.message}`,
            );
          }
        }
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('(b) random values serialized as YAML, including integration-shaped ones', () => {
    runProperty('b: JSON values', fc.jsonValue(), 700, (value) => {
      const text = yamlOf(value);
      checkResult(text, timedParse('b: JSON values', text), { expectInvalid: true, boundLines: true });
    });
    runProperty('b: anything', junk, 700, (value) => {
      const text = yamlOf(value);
      checkResult(text, timedParse('b: anything', text), { expectInvalid: true, boundLines: true });
    });
    // These may occasionally be valid; then the model must survive export.
    runProperty('b: integration-shaped', integrationShape, 700, (value) => {
      const text = yamlOf(value);
      checkResult(text, timedParse('b: integration-shaped', text), { boundLines: true });
    });
  });

  it('(c) mutations of the valid fixture: problems point into the document, valid results survive export', () => {
    expect(parseIntegrationYaml(fixture, { fileName: FILE }).ok).toBe(true);
    expect(scalarSpans.length).toBeGreaterThan(50);
    expect(keyOffsets.length).toBeGreaterThan(100);
    runProperty('c: fixture mutations', mutatedFixture, 2_500, ({ text }) => {
      checkResult(text, timedParse('c: fixture mutations', text), { boundLines: true });
    });
    // A broken trigger, for instance, is still caught: most single mutations make the document invalid.
    const stats = statsFor('c: fixture mutations');
    expect(stats.ok).toBeLessThan(stats.documents);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) Pathological documents.

const flowsWithTrigger = (extraSteps = '') =>
  `flows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n${extraSteps}`;
const header = 'definitionVersion: 7\nname: Pathological\n';

/**
 * Ten anchors, each a list of ten aliases of the one before: 10^10 nodes once expanded. The anchors sit under an
 * unknown top-level field (reported, never read), so only the place that uses `*b9` can expand them.
 */
function aliasBomb(
  indent: string,
  leaf: string,
  wrap: (items: string) => string = (items) => `[${items}]`,
): string {
  let text = `${indent}b0: &b0 ${leaf}\n`;
  for (let level = 1; level < 10; level += 1) {
    text += `${indent}b${level}: &b${level} ${wrap(
      Array(10)
        .fill(`*b${level - 1}`)
        .join(', '),
    )}\n`;
  }
  return text;
}

function stepsDocument(count: number, referenceOf: (index: number) => string): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    lines.push(
      `      - name: Step ${index}`,
      '        action: {key: writeLog, component: {key: log}}',
      `        inputs: {message: {type: reference, value: ${referenceOf(index)}}}`,
    );
  }
  return `${header}${flowsWithTrigger(`${lines.join('\n')}\n`)}`;
}

/** The fixture's flows copied until the document reaches `bytes`: an exported definition of that size. */
function largeExportedDefinition(bytes: number): string {
  const base = parseIntegrationYaml(fixture);
  if (!base.ok) throw new Error('the fixture does not parse');
  const withCopies = (copies: number): string =>
    exportIntegrationYaml({
      ...base.integration,
      flows: Array.from({ length: copies }, (_, index) =>
        base.integration.flows.map((flow) => ({
          ...flow,
          name: `${flow.name} ${index}`,
          stableKey: `${flow.stableKey}-${index}`,
        })),
      ).flat(),
    });
  const one = withCopies(1).length;
  const perCopy = withCopies(2).length - one;
  return withCopies(Math.ceil((bytes - one) / perCopy) + 1);
}

interface PathologicalCase {
  name: string;
  text: () => string;
  /** The expected `ok`; every case here is invalid except where noted. */
  ok?: boolean;
  limitMs?: number;
}

/** For alias bombs: the visit budget bounds them at about a second on this machine; CI shares two cores. */
const BOMB_TIME_LIMIT_MS = 6_000;

const pathological: PathologicalCase[] = [
  {
    name: '10,000-deep flow sequence [[[…]]] as the document',
    text: () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  },
  {
    name: '10,000-deep flow sequence as an input value',
    text: () =>
      `${header}${flowsWithTrigger()}        inputs: {x: {type: value, value: ${'['.repeat(10_000)}${']'.repeat(10_000)}}}\n`,
  },
  {
    name: '10,000-deep flow sequence as a complex input (a condition)',
    text: () =>
      `${header}${flowsWithTrigger()}        inputs: {x: {type: complex, value: ${'[and, '.repeat(10_000)}${']'.repeat(10_000)}}}\n`,
  },
  {
    name: '10,000-deep flow mapping {a: {a: …}}',
    text: () => `${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}`,
  },
  {
    name: '2,000-deep block mapping (indentation)',
    text: () => Array.from({ length: 2_000 }, (_, depth) => `${' '.repeat(depth)}a:`).join('\n'),
  },
  { name: '10,000-deep block sequence "- - - …"', text: () => `${'- '.repeat(10_000)}x\n` },
  {
    name: '64-deep loop nesting (beyond the 32 levels allowed)',
    text: () => {
      let steps = '';
      for (let depth = 0; depth < 64; depth += 1) {
        const pad = ' '.repeat(6 + depth * 4);
        steps += `${pad}- name: Loop ${depth}\n${pad}  action: {key: loopOverItems, component: {key: loop}}\n${pad}  steps:\n`;
      }
      return `${header}${flowsWithTrigger(steps)}${' '.repeat(6 + 64 * 4)}[]\n`;
    },
  },
  {
    name: 'alias bomb under an unknown field',
    text: () =>
      `${header}bomb:\n${aliasBomb('  ', '[lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]')}${flowsWithTrigger()}`,
  },
  {
    name: 'alias bomb in importMetadata (read as JSON)',
    text: () =>
      `${header}importMetadata:\n${aliasBomb('  ', '[lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]')}${flowsWithTrigger()}`,
  },
  {
    name: 'alias bomb as a value input',
    // Aliases repeat content until the reader's visit budget runs out: bounded, but more work than a plain document.
    limitMs: BOMB_TIME_LIMIT_MS,
    text: () =>
      `${header}anchors:\n${aliasBomb('  ', '[lol, lol]')}${flowsWithTrigger()}        inputs: {x: {type: value, value: *b9}}\n`,
  },
  {
    name: 'alias bomb as labels',
    text: () => `${header}anchors:\n${aliasBomb('  ', 'lol')}labels: *b9\n${flowsWithTrigger()}`,
  },
  {
    name: 'alias bomb as a complex input (nested conditions)',
    // Aliases repeat content until the reader's visit budget runs out: bounded, but more work than a plain document.
    limitMs: BOMB_TIME_LIMIT_MS,
    text: () =>
      `${header}anchors:\n${aliasBomb('  ', '[isTrue, {type: value, value: true}]', (items) => `[and, ${items}]`)}` +
      `${flowsWithTrigger()}        inputs: {x: {type: complex, value: *b9}}\n`,
  },
  {
    name: 'alias bomb as a complex input (a list of inputs)',
    // Aliases repeat content until the reader's visit budget runs out: bounded, but more work than a plain document.
    limitMs: BOMB_TIME_LIMIT_MS,
    text: () =>
      `${header}anchors:\n${aliasBomb('  ', '{type: value, value: lol}', (items) => `{type: complex, value: [${items}]}`)}` +
      `${flowsWithTrigger()}        inputs: {x: *b9}\n`,
  },
  {
    name: 'alias bomb as loop steps',
    // Aliases repeat content until the reader's visit budget runs out: bounded, but more work than a plain document.
    limitMs: BOMB_TIME_LIMIT_MS,
    text: () =>
      `${header}anchors:\n${aliasBomb(
        '  ',
        '{name: A, action: {key: writeLog, component: {key: log}}}',
        (items) => `{name: L, action: {key: loopOverItems, component: {key: loop}}, steps: [${items}]}`,
      )}${flowsWithTrigger()}      - *b9\n`,
  },
  {
    name: '10,000 aliases of one anchor (no expansion)',
    ok: true,
    text: () =>
      `${header}importMetadata:\n  a: &a x\n  list:\n${'    - *a\n'.repeat(10_000)}${flowsWithTrigger()}`,
  },
  {
    // An unknown field is kept (with a warning), so it is read: each alias costs one visit.
    name: '10,000 aliases of one anchor under an unknown field (kept)',
    ok: true,
    text: () => `${header}anchors:\n  a: &a x\n  list:\n${'    - *a\n'.repeat(10_000)}${flowsWithTrigger()}`,
  },
  {
    name: '5 MB document: the fixture with 5 MB of documentation',
    ok: true,
    limitMs: LARGE_TIME_LIMIT_MS,
    text: () =>
      fixture.replace(
        'documentation: |\n',
        `documentation: |\n${`  ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(2)}\n`.repeat((5 * 1024 * 1024) / 120)}`,
      ),
  },
  {
    name: '5 MB document: an exported definition with hundreds of flows',
    ok: true,
    limitMs: LARGE_TIME_LIMIT_MS,
    text: () => largeExportedDefinition(5 * 1024 * 1024),
  },
  {
    name: '20,000 steps, each using the one before',
    ok: true,
    limitMs: LARGE_TIME_LIMIT_MS,
    text: () =>
      stepsDocument(20_000, (index) => (index === 0 ? 'trigger.results' : `step${index - 1}.results`)),
  },
  {
    name: '20,000 steps, each naming a step that does not exist',
    limitMs: LARGE_TIME_LIMIT_MS,
    text: () => stepsDocument(20_000, (index) => `missing${index}.results`),
  },
];

describe('parseIntegrationYaml on pathological documents (in a worker, with a time limit)', () => {
  const outcomes: Array<{ name: string; bytes: number; outcome: IsolatedParseOutcome }> = [];
  afterAll(() => {
    for (const { name, bytes, outcome } of outcomes) {
      console.log(
        `fuzz (d) ${name}: ${(bytes / 1024).toFixed(0)} KiB, ${outcome.status}, ${outcome.ms.toFixed(0)} ms, ` +
          `ok ${outcome.ok}, ${outcome.problemCount ?? 0} problems${outcome.problems?.[0] ? ` (first: ${outcome.problems[0].code} ${outcome.problems[0].message.slice(0, 80)})` : ''}`,
      );
    }
  });

  it.each(pathological)(
    '$name',
    async ({ name, text, ok = false, limitMs = TIME_LIMIT_MS }) => {
      const document = text();
      const outcome = await parseIsolated(document, { timeoutMs: limitMs, fileName: FILE });
      outcomes.push({ name, bytes: Buffer.byteLength(document), outcome });
      expect(outcome.error, outcome.error).toBeUndefined();
      expect(outcome.status, `no answer within ${limitMs} ms`).toBe('returned');
      expect(outcome.ms).toBeLessThan(limitMs);
      expect(outcome.malformed).toEqual([]);
      expect(outcome.ok, JSON.stringify(outcome.problems?.slice(0, 3))).toBe(ok);
      if (!ok) expect(outcome.problemCount).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('parseIntegrationYaml on edge-case documents', () => {
  const lines = fixture.split('\n');
  const lineOf = (prefix: string): number => lines.findIndex((line) => line.startsWith(prefix)) + 1;
  const baseline = parseIntegrationYaml(fixture, { fileName: FILE });
  if (!baseline.ok) throw new Error('the fixture does not parse');
  /** Parses with the fixture's model as the previous draft, so that generated stable keys match. */
  const parseLikeFixture = (text: string) =>
    parseIntegrationYaml(text, { fileName: FILE, previous: baseline.integration });

  it('an empty or blank document asks for the required fields', () => {
    for (const text of ['', ' ', '\n\n', '---\n', '...\n', '~', 'null', '# only a comment\n', '\ufeff']) {
      const result = timedParse('d: trivial', text);
      expect(result.ok, JSON.stringify(text)).toBe(false);
      if (result.ok) continue;
      expect(result.problems.length).toBeGreaterThan(0);
      checkResult(text, result, { expectInvalid: true, boundLines: true });
    }
  });

  it('definitionVersion: 7 alone asks for name and flows', () => {
    const result = timedParse('d: trivial', 'definitionVersion: 7\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    checkResult('definitionVersion: 7\n', result, { expectInvalid: true, boundLines: true });
    expect(result.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['FIELD_REQUIRED', 'name'],
      ['FIELD_REQUIRED', 'flows'],
    ]);
  });

  it('a document over the size limit is refused before it is read', () => {
    const result = timedParse('d: trivial', `${header}documentation: "${'x'.repeat(11 * 1024 * 1024)}"\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.code)).toEqual(['DOCUMENT_TOO_LARGE']);
  });

  it('a byte order mark is ignored, and line numbers stay right', () => {
    const result = parseLikeFixture(`\ufeff${fixture}`);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.integration).toStrictEqual(baseline.integration);
    const versionBroken = parseLikeFixture(
      `\ufeff${fixture.replace('definitionVersion: 7', 'definitionVersion: 8')}`,
    );
    expect(versionBroken.ok).toBe(false);
    if (!versionBroken.ok) {
      // Editors do not count the invisible mark: the value is at column 20 of line 1, as without it.
      expect(versionBroken.problems.map((p) => [p.code, p.line, p.column])).toEqual([
        ['DEFINITION_VERSION_UNSUPPORTED', 1, 20],
      ]);
    }
    const line = lineOf('endpointType:');
    const broken = parseLikeFixture(
      `\ufeff${fixture.replace('endpointType: flow_specific', 'endpointType: flow_specifik')}`,
    );
    expect(broken.ok).toBe(false);
    if (!broken.ok)
      expect(broken.problems.map((p) => [p.code, p.line, p.column])).toEqual([
        ['VALUE_NOT_ALLOWED', line, 15],
      ]);
  });

  it('CRLF line endings read the same as LF, with the same line numbers', () => {
    const crlf = fixture.replace(/\n/g, '\r\n');
    const result = parseLikeFixture(crlf);
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (result.ok) {
      expect(result.integration).toStrictEqual(baseline.integration);
      expect(result.integration.documentation).toBe('# Acme File Sync\nCopies files.\n');
    }

    // A definition error on a known line: the same line and column with either line ending.
    const endpointLine = lineOf('endpointType:');
    for (const text of [fixture, crlf]) {
      const broken = parseLikeFixture(
        text.replace('endpointType: flow_specific', 'endpointType: flow_specifik'),
      );
      expect(broken.ok).toBe(false);
      if (!broken.ok)
        expect(broken.problems.map((p) => [p.code, p.line, p.column])).toEqual([
          ['VALUE_NOT_ALLOWED', endpointLine, 15],
        ]);
    }

    // A YAML syntax error on a known line (an unclosed flow mapping in the trigger's action).
    const actionLine = lines.findIndex((line) => line.includes('component: {key: schedule-triggers')) + 1;
    for (const text of [fixture, crlf]) {
      const broken = parseLikeFixture(
        text.replace(
          'component: {key: schedule-triggers, version: LATEST, isPublic: true}',
          'component: {key: schedule-triggers',
        ),
      );
      expect(broken.ok).toBe(false);
      if (broken.ok) continue;
      checkResult(text, broken, { boundLines: true });
      expect(broken.problems[0]?.code).toBe('YAML_SYNTAX');
      expect(broken.problems[0]?.line).toBeGreaterThanOrEqual(actionLine);
      expect(broken.problems[0]?.line).toBeLessThanOrEqual(actionLine + 1);
    }

    // A problem found by validation (after reading) is located on its line too: an unknown config variable.
    const configLine =
      lines.findIndex((line) => line.includes('connection: {type: configVar, value: Acme Connection}')) + 1;
    for (const text of [fixture, crlf]) {
      const broken = parseLikeFixture(text.replace('value: Acme Connection}', 'value: Acme Connektion}'));
      expect(broken.ok).toBe(false);
      if (!broken.ok) {
        expect(broken.problems.map((p) => [p.code, p.line])).toEqual([['CONFIG_VAR_UNKNOWN', configLine]]);
      }
    }
  });
});
