/**
 * Round-trip property: any valid flow model survives `exportIntegrationYaml` → `parseIntegrationYaml` unchanged, and
 * exporting the parsed model again gives the same YAML text byte for byte.
 *
 * The generator builds models exactly as the parser would produce them: optional fields are absent (never
 * `undefined`), defaults the parser always fills in (description '', isSynchronous false, orgOnly, ...) are present,
 * and nested objects the exporter writes as they are (component references, inputs, errorConfig, retryConfig,
 * queueConfig) have their fields in the parser's order, so that the text comparison is meaningful.
 *
 * Set FC_SEED / FC_RUNS to explore other seeds; the seed in use is printed.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionRef,
  type Branch,
  binaryOperators,
  booleanOperators,
  type ComplexValue,
  type ComponentRef,
  type ConditionExpression,
  type ConfigPage,
  type ConfigPageElement,
  type ConfigVar,
  type ConfigVarDataType,
  codeLanguages,
  collectionTypes,
  configVarDataTypes,
  cronProblem,
  type ErrorConfig,
  endpointSecurityTypes,
  endpointTypes,
  errorHandlerTypes,
  exportIntegrationYaml,
  type Flow,
  type Input,
  type Integration,
  inputTypes,
  isValidTimeZone,
  type JsonValue,
  parseIntegrationYaml,
  type QueueConfig,
  type RetryConfig,
  type Schedule,
  type Step,
  stepKey,
  type TriggerResolver,
  unaryOperators,
} from '../src/index.js';

const SEED = Number(process.env.FC_SEED ?? 7_340_021);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 350);

type G = fc.GeneratorValue;

// ---------------------------------------------------------------------------------------------------------------
// Drawing helpers. `g` caches arbitraries by builder function and (deeply compared) arguments, so an arbitrary is
// drawn through one stable zero-argument builder of its own rather than passed as an argument.

const builders = new WeakMap<fc.Arbitrary<unknown>, () => fc.Arbitrary<unknown>>();
function draw<T>(g: G, arbitrary: fc.Arbitrary<T>): T {
  let builder = builders.get(arbitrary);
  if (!builder) {
    builder = () => arbitrary;
    builders.set(arbitrary, builder);
  }
  return g(builder as () => fc.Arbitrary<T>);
}
const valuesFrom = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const pick = <T>(g: G, items: readonly T[]): T => g(valuesFrom<T>, ...items);
const int = (g: G, min: number, max: number): number => g(fc.integer, { min, max });
const bool = (g: G): boolean => g(fc.boolean);
/** True with the given probability in percent. */
const chance = (g: G, percent: number): boolean => int(g, 0, 99) < percent;

// ---------------------------------------------------------------------------------------------------------------
// Text and JSON arbitraries.

const words = [
  'Sync',
  'Orders',
  'Fetch',
  'List',
  'Files',
  'Upload',
  'Log',
  'Send',
  'Email',
  'Check',
  'Größe',
  'Café',
  'naïve',
  'Ωmega',
  'über',
  'Ñandú',
  'Данные',
  'HTTP',
  'API',
  'ID',
  'v2',
  '42',
  'x',
  'record-set',
  'user_id',
  'Amount (USD)',
] as const;
const phrase = fc
  .array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(' '));

/** Texts that YAML would read as something else, or that need quoting, escaping or block scalars. */
const trickyText = fc.constantFrom(
  '',
  ' ',
  '  leading spaces',
  'trailing spaces  ',
  'null',
  'Null',
  '~',
  'true',
  'False',
  'yes',
  'no',
  'on',
  'off',
  'y',
  '123',
  '-0',
  '007',
  '0.5',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '-.Inf',
  '.nan',
  '2024-01-31',
  '2024-01-31T10:20:30Z',
  '12:30:00',
  '1_000',
  '- item',
  'key: value',
  'a: b: c',
  '# not a comment',
  'x # hash',
  '---',
  '...',
  '--- text',
  '|',
  '>-',
  '&anchor',
  '*alias',
  '!tag',
  '!!str x',
  '%YAML 1.2',
  '@at',
  '`tick`',
  "'single'",
  '"double"',
  "it's",
  'tab\there',
  '\tleading tab',
  'line\nbreak',
  'crlf\r\nline',
  'cr\ronly',
  'trailing newline\n',
  'two trailing newlines\n\n',
  '\n\nleading newlines',
  ' \n indented\n  more',
  'nbsp\u00a0x',
  '\ufeffbom',
  'zero\u200bwidth',
  'emoji 🎉 👩‍👩‍👧 🇫🇷',
  'rtl \u202e override',
  'nul\u0000byte',
  'bell\u0007',
  'del\u007f',
  'ls\u2028ps\u2029',
  'nel\u0085',
  'a {b} c',
  '{"json": true}',
  '[1, 2]',
  '? complex',
  ': colon',
  ',comma',
  'back\\slash',
  '"\\n" escaped',
  'unpaired \ud800 surrogate',
  '<h2>Acme</h2>',
);

/**
 * A bug of the `yaml` library's stringify (2.9.1), which `exportIntegrationYaml` inherits, loses text (see the test
 * "keeps texts whose lines are all blank" at the end of this file). While it stands, the random texts avoid it so
 * that the property can find other problems; set this to false once the exporter works around it.
 */
const AVOID_KNOWN_STRINGIFY_BUGS = false;
/**
 * Every line blank and one holding a space: written as a block scalar without an indentation indicator, so the spaces
 * are read back as indentation (' \n' comes back as '\n').
 */
function hitsKnownStringifyBug(text: string): boolean {
  return /^[ \t\n]*$/.test(text) && text.includes('\n') && text.includes(' ');
}
function hasKnownStringifyBug(value: unknown): boolean {
  if (typeof value === 'string') return hitsKnownStringifyBug(value);
  if (Array.isArray(value)) return value.some(hasKnownStringifyBug);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(
      ([key, item]) => hitsKnownStringifyBug(key) || hasKnownStringifyBug(item),
    );
  }
  return false;
}

const numericText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

const multiLineTextUnfiltered = fc
  .tuple(
    fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), trickyText, phrase), {
      minLength: 2,
      maxLength: 6,
    }),
    fc.constantFrom('', '\n', '\n\n'),
  )
  .map(([lines, end]) => `${lines.join('\n')}${end}`);
const multiLineText = multiLineTextUnfiltered.filter(
  (text) => !AVOID_KNOWN_STRINGIFY_BUGS || !hitsKnownStringifyBug(text),
);

const anyTextUnfiltered = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: trickyText, weight: 4 },
  { arbitrary: phrase, weight: 3 },
  { arbitrary: multiLineText, weight: 2 },
  { arbitrary: numericText, weight: 1 },
);
const anyText = anyTextUnfiltered.filter(
  (text) => !AVOID_KNOWN_STRINGIFY_BUGS || !hitsKnownStringifyBug(text),
);
const nonEmptyText = anyText.filter((text) => text !== '');

const markdown = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '# Acme Sync',
        '## Setup',
        '',
        '- first step',
        '  - nested',
        '1. numbered',
        '```js',
        'const x = { a: 1 };',
        '```',
        '| a | b |',
        '|---|---|',
        '> quoted: text',
        '---',
        '**bold** _italic_ `code`',
        '[link](https://example.test/a?b=c#d)',
        '    indented code',
      ),
      anyText,
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((lines) => lines.join('\n'))
  .filter((text) => !AVOID_KNOWN_STRINGIFY_BUGS || !hitsKnownStringifyBug(text));

/** Keys of JSON objects and input names, `__proto__` included (the parser keeps it as a plain key). */
const safeKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...words, '__proto__', 'constructor'),
  trickyText,
);
const jsonValue = fc
  .jsonValue({ maxDepth: 3 })
  .filter((value) => !AVOID_KNOWN_STRINGIFY_BUGS || !hasKnownStringifyBug(value))
  .map((value) => value as JsonValue);
const jsonObject = fc
  .dictionary(safeKey, jsonValue, { maxKeys: 4, noNullPrototype: true })
  .map((object) => object as { [key: string]: JsonValue });
const anyJson: fc.Arbitrary<JsonValue> = fc.oneof(
  { arbitrary: jsonValue, weight: 3 },
  { arbitrary: jsonObject, weight: 2 },
  { arbitrary: fc.array(jsonValue, { maxLength: 4 }), weight: 1 },
);

const signatureText = fc.stringMatching(/^[0-9a-f]{8,40}$/);
const anyNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const inputName = fc.oneof(
  fc.constantFrom('url', 'headers', 'data', 'message', 'level', 'count', 'items'),
  safeKey,
);
const fractionalSeconds = fc
  .double({ min: 0, max: 3600, noNaN: true })
  .map((seconds) => (seconds === 0 ? 0 : seconds));
const uuid = fc.uuid();
const stableKeyText = fc.oneof(uuid, phrase);
const jsonList = fc.array(jsonValue, { maxLength: 3 });
const numberDefault = fc.oneof(numericText, fc.constant(''));
const pickListText = fc.array(nonEmptyText, { minLength: 1, maxLength: 5 });
const codeText = fc.oneof(
  multiLineText,
  anyJson.map((value) => JSON.stringify(value)),
);
const htmlText = fc.oneof(fc.constantFrom('<h2>Acme</h2>', '<p>Fill in <b>all</b> fields</p>'), anyText);
const nameText = fc.oneof(phrase, nonEmptyText);
const phraseOrText = fc.oneof(phrase, anyText);
const labelsText = fc.array(phraseOrText, { maxLength: 4 });
const versionText = fc.oneof(fc.constantFrom('1.0.0', '2', '0.1', '1.10'), anyText);

const crons = [
  '*/5 * * * *',
  '0 0 * * *',
  '15 14 1 * *',
  '0 22 * * 1-5',
  '0 */2 * * *',
  '5 4 * * sun',
  '0 0 1 1 *',
  '30 9 * * MON-FRI',
  '0,30 * * * *',
  '30 * * * * *',
] as const;
const timeZones = [
  '',
  'UTC',
  'America/Chicago',
  'Europe/Paris',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Argentina/Buenos_Aires',
  'America/St_Johns',
] as const;
const scheduleTypes = ['none', 'minute', 'hour', 'day', 'week', 'custom'] as const;

// ---------------------------------------------------------------------------------------------------------------
// What the generator produced, to check that every kind of field was exercised across the run.

const seen = new Map<string, number>();
const tally = (what: string): void => {
  seen.set(what, (seen.get(what) ?? 0) + 1);
};

// ---------------------------------------------------------------------------------------------------------------
// Model builders.

/** A text not in `taken` (and whose `normalize`d form is valid and not taken): retries, then appends a counter. */
function uniqueText(
  g: G,
  arbitrary: fc.Arbitrary<string>,
  taken: Set<string>,
  normalize: (text: string) => string = (text) => text,
  valid: (normalized: string) => boolean = () => true,
): string {
  let text = draw(g, arbitrary);
  for (let suffix = 2; !valid(normalize(text)) || taken.has(normalize(text)); suffix += 1) {
    text = `${text.trim() === '' ? 'Item' : text} ${suffix}`;
  }
  taken.add(normalize(text));
  return text;
}

function componentRef(g: G, key: string): ComponentRef {
  // The parser's field order: key, isPublic, version, signature.
  const ref: ComponentRef = { key, isPublic: bool(g) };
  const form = pick(g, ['latest', 'number', 'signature', 'both'] as const);
  if (form === 'latest') ref.version = 'LATEST';
  if (form === 'number' || form === 'both') ref.version = int(g, 1, 500);
  if (form === 'signature' || form === 'both') ref.signature = draw(g, signatureText);
  tally(`componentVersion:${form}`);
  return ref;
}

function actionRef(g: G, componentKey: string, key: string): ActionRef {
  return { key, component: componentRef(g, componentKey) };
}

interface ConfigContext {
  keys: string[];
  /** Keys usable inside `{{#...}}`: trimmed, non-empty, without braces. */
  templateKeys: string[];
  scheduleKeys: string[];
}

/** What an input may refer to where it is used. */
interface InputScope {
  config: ConfigContext;
  /** Keys of steps that have finished before this point (their `.results` may be used). */
  results: string[];
  /** Keys of the loops around this point (their `.currentItem` / `.index` may be used). */
  loops: string[];
}

const referencePath = fc.constantFrom(
  '',
  '.body',
  '.body.data',
  '.items[0].id',
  '.headers["content-type"]',
  '.a.b.c',
  '[0]',
);

function reference(g: G, scope: InputScope): string | undefined {
  const kinds = [
    ...(scope.results.length > 0 ? (['results'] as const) : []),
    ...(scope.loops.length > 0 ? (['currentItem', 'index'] as const) : []),
  ];
  if (kinds.length === 0) return undefined;
  const kind = pick(g, kinds);
  tally(`reference:${kind}`);
  if (kind === 'results') return `${pick(g, scope.results)}.results${draw(g, referencePath)}`;
  if (kind === 'currentItem') return `${pick(g, scope.loops)}.currentItem${draw(g, referencePath)}`;
  return `${pick(g, scope.loops)}.index`;
}

function valueJson(g: G): JsonValue {
  const kind = pick(g, [
    'text',
    'multiLine',
    'empty',
    'numericText',
    'json',
    'null',
    'number',
    'boolean',
  ] as const);
  tally(`value:${kind}`);
  switch (kind) {
    case 'text':
      return draw(g, anyText);
    case 'multiLine':
      return draw(g, multiLineText);
    case 'empty':
      return '';
    case 'numericText':
      return draw(g, numericText);
    case 'json':
      return draw(g, anyJson);
    case 'null':
      return null;
    case 'number':
      return draw(g, anyNumber);
    case 'boolean':
      return bool(g);
  }
}

/** Literal template text: anything but braces, which would start or end a placeholder. */
const templateText = anyText.map((text) => text.replace(/[{}]/g, ''));

function template(g: G, scope: InputScope): string {
  const parts: string[] = [];
  const count = int(g, 0, 5);
  for (let index = 0; index < count; index += 1) {
    const kind = pick(g, ['text', 'reference', 'configVar'] as const);
    const spaced = chance(g, 15);
    if (kind === 'reference') {
      const target = reference(g, scope);
      if (target !== undefined) {
        parts.push(spaced ? `{{ $${target} }}` : `{{$${target}}}`);
        tally('template:reference');
        continue;
      }
    }
    if (kind === 'configVar' && scope.config.templateKeys.length > 0) {
      const key = pick(g, scope.config.templateKeys);
      parts.push(spaced ? `{{ #${key} }}` : `{{#${key}}}`);
      tally('template:configVar');
      continue;
    }
    parts.push(draw(g, templateText));
  }
  return parts.join('');
}

function conditionOperand(g: G, scope: InputScope): Input {
  const target = reference(g, scope);
  const kind = pick(g, ['reference', 'reference', 'value', 'configVar', 'template'] as const);
  if (kind === 'reference' && target !== undefined) return { type: 'reference', value: target };
  if (kind === 'configVar' && scope.config.keys.length > 0)
    return { type: 'configVar', value: pick(g, scope.config.keys) };
  if (kind === 'template') return { type: 'template', value: template(g, scope) };
  return { type: 'value', value: valueJson(g) };
}

function condition(g: G, scope: InputScope, depth: number): ConditionExpression {
  const kind =
    depth < 2
      ? pick(g, ['boolean', 'unary', 'binary', 'binary'] as const)
      : pick(g, ['unary', 'binary'] as const);
  tally(`condition:${kind}`);
  if (kind === 'boolean') {
    const operands = Array.from({ length: int(g, 1, 3) }, () => condition(g, scope, depth + 1));
    return [pick(g, booleanOperators), ...operands];
  }
  if (kind === 'unary') return [pick(g, unaryOperators), conditionOperand(g, scope)];
  return [pick(g, binaryOperators), conditionOperand(g, scope), conditionOperand(g, scope)];
}

/** An input's optional `meta`, added after `name` as the parser does. */
function withMeta(g: G, input: Input): Input {
  if (chance(g, 10)) {
    input.meta = chance(g, 30) ? {} : draw(g, jsonObject);
    tally('input:meta');
  }
  return input;
}

function input(g: G, scope: InputScope, depth: number): Input {
  const available = inputTypes.filter(
    (type) =>
      (type !== 'reference' || scope.results.length > 0 || scope.loops.length > 0) &&
      (type !== 'configVar' || scope.config.keys.length > 0) &&
      (type !== 'complex' || depth < 2),
  );
  const type = pick(g, available);
  tally(`input:${type}`);
  switch (type) {
    case 'value':
      return withMeta(g, { type, value: valueJson(g) });
    case 'reference':
      return withMeta(g, { type, value: reference(g, scope) ?? '' });
    case 'configVar':
      return withMeta(g, { type, value: pick(g, scope.config.keys) });
    case 'template':
      return withMeta(g, { type, value: template(g, scope) });
    case 'complex':
      return withMeta(g, { type, value: complexValue(g, scope, depth) });
  }
}

function complexValue(g: G, scope: InputScope, depth: number): ComplexValue {
  const kind = pick(g, [
    'keyValueList',
    'keyValueList',
    'valueList',
    'empty',
    'text',
    'condition',
    'conditions',
  ] as const);
  tally(`complex:${kind}`);
  switch (kind) {
    case 'keyValueList': {
      const names = new Set<string>();
      return Array.from({ length: int(g, 1, 4) }, () => {
        const item: Input = input(g, scope, depth + 1);
        // The parser sets `name` after type and value, and meta after name.
        const { meta, ...rest } = item;
        const named: Input = { ...rest };
        named.name = chance(g, 20)
          ? { type: 'value', value: uniqueText(g, anyText, names) }
          : uniqueText(g, anyText, names);
        if (meta !== undefined) named.meta = meta;
        return named;
      });
    }
    case 'valueList':
      return Array.from({ length: int(g, 1, 4) }, () => input(g, scope, depth + 1));
    case 'empty':
      return [];
    case 'text':
      return draw(g, anyText);
    case 'condition':
      return condition(g, scope, 0);
    case 'conditions':
      return Array.from({ length: int(g, 1, 2) }, () => condition(g, scope, 0));
  }
}

function inputs(g: G, scope: InputScope, count: number): { [name: string]: Input } {
  const result: { [name: string]: Input } = {};
  for (let index = 0; index < count; index += 1) {
    const name = draw(g, inputName);
    if (name === '__proto__') tally('input named __proto__');
    // Defined rather than assigned: assigning `__proto__` would set the prototype instead of adding an input.
    Object.defineProperty(result, name, {
      value: input(g, scope, 0),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function errorConfig(g: G): ErrorConfig {
  const errorHandlerType = pick(g, errorHandlerTypes);
  tally(`errorHandler:${errorHandlerType}`);
  // The parser's field order: errorHandlerType, maxAttempts, delaySeconds, usesExponentialBackoff, ignoreFinalError.
  const config: ErrorConfig = { errorHandlerType };
  if (errorHandlerType === 'retry' || chance(g, 30)) config.maxAttempts = int(g, 0, 100);
  if (chance(g, 60)) {
    config.delaySeconds = chance(g, 50) ? int(g, 0, 3600) : draw(g, fractionalSeconds);
  }
  if (chance(g, 50)) config.usesExponentialBackoff = bool(g);
  if (chance(g, 50)) config.ignoreFinalError = bool(g);
  return config;
}

interface FlowContext {
  config: ConfigContext;
  /** Step keys taken in this flow (step names must camelCase to distinct keys). */
  stepKeys: Set<string>;
  /** Steps left to generate in this flow, so nesting stays small. */
  budget: number;
}

const stepNameText = fc.oneof(
  { arbitrary: phrase, weight: 5 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), weight: 2 },
  { arbitrary: trickyText, weight: 1 },
);
/** A step name whose camelCased key is new in the flow and usable in references (`key.results`). */
function stepName(g: G, flow: FlowContext): { name: string; key: string } {
  const name = uniqueText(g, stepNameText, flow.stepKeys, stepKey, (key) => /^[^\s.[\]{}]+$/u.test(key));
  return { name, key: stepKey(name) };
}

function commonStepFields(g: G, step: Step): void {
  if (chance(g, 30)) step.stableKey = draw(g, stableKeyText);
  if (chance(g, 30)) step.description = draw(g, anyText);
  if (chance(g, 30)) step.errorConfig = errorConfig(g);
}

const plainActions = [
  ['http', 'httpGet'],
  ['http', 'httpPost'],
  ['log', 'writeLog'],
  ['code', 'runCode'],
  ['slack', 'postMessage'],
  ['acme-erp-custom', 'syncRecords'],
] as const;

/** A list of steps run in series; each may use the results of the ones before it. */
function steps(g: G, flow: FlowContext, scope: InputScope, depth: number, max: number): Step[] {
  const result: Step[] = [];
  const results = [...scope.results];
  const count = Math.min(int(g, 0, max), flow.budget);
  for (let index = 0; index < count && flow.budget > 0; index += 1) {
    flow.budget -= 1;
    const here: InputScope = { ...scope, results: [...results] };
    const kind = depth < 3 ? pick(g, ['action', 'action', 'action', 'loop', 'branch'] as const) : 'action';
    tally(`step:${kind}`);
    const { name, key } = stepName(g, flow);
    let step: Step;
    if (kind === 'loop') {
      const items: Input =
        here.results.length > 0 && chance(g, 80)
          ? { type: 'reference', value: reference(g, { ...here, loops: [] }) ?? '' }
          : { type: 'value', value: draw(g, jsonList) };
      step = { name, key, action: actionRef(g, 'loop', 'loopOverItems'), inputs: { items } };
      commonStepFields(g, step);
      step.steps = steps(g, flow, { ...here, loops: [...here.loops, key] }, depth + 1, 3);
    } else if (kind === 'branch') {
      const branchNames = new Set<string>(['Else']);
      const names = Array.from({ length: int(g, 1, 3) }, () => uniqueText(g, nameText, branchNames));
      const conditions: Input[] = names.map((conditionName) => ({
        type: 'complex',
        value: condition(g, here, 0),
        name: conditionName,
      }));
      step = {
        name,
        key,
        action: actionRef(g, 'branch', 'branchOnExpression'),
        inputs: { conditions: { type: 'complex', value: conditions } },
      };
      commonStepFields(g, step);
      const branches: Branch[] = names
        .filter(() => chance(g, 85))
        .map((branchName) => ({ name: branchName, steps: steps(g, flow, here, depth + 1, 2) }));
      if (chance(g, 80)) branches.push({ name: 'Else', steps: steps(g, flow, here, depth + 1, 2) });
      step.branches = branches;
    } else {
      const [component, action] = pick(g, plainActions);
      step = { name, key, action: actionRef(g, component, action), inputs: inputs(g, here, int(g, 0, 4)) };
      commonStepFields(g, step);
    }
    result.push(step);
    // After a loop or branch finishes, its own results are available; the steps inside it are not.
    results.push(key);
  }
  return result;
}

function trigger(g: G, flow: FlowContext): { step: Step; schedule?: Schedule } {
  const { name, key } = stepName(g, flow);
  const scope: InputScope = { config: flow.config, results: [], loops: [] };
  if (chance(g, 50)) {
    tally('trigger:webhook');
    const step: Step = {
      name,
      key,
      action: actionRef(g, 'webhook-triggers', 'webhook'),
      inputs: inputs(g, scope, int(g, 0, 2)),
    };
    commonStepFields(g, step);
    return { step };
  }
  const step: Step = {
    name,
    key,
    action: actionRef(g, 'schedule-triggers', 'schedule'),
    inputs: inputs(g, scope, int(g, 0, 1)),
  };
  commonStepFields(g, step);
  const byConfigVar = flow.config.scheduleKeys.length > 0 && chance(g, 40);
  tally(`trigger:schedule:${byConfigVar ? 'configVar' : 'value'}`);
  const schedule: Schedule = byConfigVar
    ? { type: 'configVar', value: pick(g, flow.config.scheduleKeys) }
    : { type: 'value', value: pick(g, crons) };
  if (chance(g, 60)) schedule.scheduleType = pick(g, scheduleTypes);
  if (chance(g, 60)) schedule.timeZone = pick(g, timeZones);
  return { step, schedule };
}

function supplementalComponent(g: G): ComponentRef {
  return componentRef(g, pick(g, ['http', 'slack', 'acme-erp-custom']));
}

/** `schemas: null` is the same as no schemas, so generated schemas are never null. */
const schemasJson = anyJson.filter((value) => value !== null);

function flowModel(g: G, name: string, stableKey: string, config: ConfigContext): Flow {
  const context: FlowContext = { config, stepKeys: new Set(), budget: 12 };
  const first = trigger(g, context);
  const scope: InputScope = { config, results: [first.step.key], loops: [] };
  const flow: Flow = {
    name,
    stableKey,
    description: chance(g, 50) ? draw(g, anyText) : '',
    isSynchronous: bool(g),
    endpointSecurityType: pick(g, endpointSecurityTypes),
    trigger: first.step,
    steps: steps(g, context, scope, 0, 6),
  };
  if (first.schedule) flow.schedule = first.schedule;
  if (chance(g, 40)) {
    tally('flow:retryConfig');
    const retry: RetryConfig = {
      maxAttempts: int(g, 0, 10),
      delayMinutes: int(g, 0, 60),
      usesExponentialBackoff: bool(g),
    };
    if (chance(g, 40))
      retry.uniqueRequestIdField = input(g, { config, results: [first.step.key], loops: [] }, 1);
    flow.retryConfig = retry;
  }
  if (chance(g, 40)) {
    tally('flow:queueConfig');
    // Queue rules: FIFO only without a schedule, singleton only with one, never both.
    const scheduled = flow.schedule !== undefined;
    const queue: QueueConfig = { usesFifoQueue: scheduled ? false : bool(g) };
    if (chance(g, 50)) queue.singletonExecutions = scheduled && !queue.usesFifoQueue ? bool(g) : false;
    if (chance(g, 50)) queue.concurrencyLimit = int(g, 1, 1000);
    if (chance(g, 30)) queue.dedupeIdField = input(g, { config, results: [first.step.key], loops: [] }, 1);
    flow.queueConfig = queue;
  }
  if (chance(g, 15))
    flow.supplementalComponents = Array.from({ length: int(g, 0, 2) }, () => supplementalComponent(g));
  if (chance(g, 15)) {
    // Mostly `{invoke: {...}}`; any other JSON shape is kept as read.
    flow.schemas = chance(g, 70) ? draw(g, jsonObject) : draw(g, schemasJson);
    tally('flow:schemas');
  }
  if (chance(g, 20)) {
    flow.isAgentFlow = bool(g);
    tally('flow:isAgentFlow');
  }
  if (chance(g, 20)) {
    tally('flow:triggerResolver');
    const resolver: TriggerResolver = {};
    if (chance(g, 80)) resolver.batchSize = int(g, 1, 1000);
    if (chance(g, 50)) resolver.concurrentBatchLimit = int(g, 1, 10);
    if (chance(g, 80)) resolver.enabled = bool(g);
    if (chance(g, 30)) resolver.runInitialSyncOnDeploy = bool(g);
    flow.triggerResolver = resolver;
  }
  if (flow.endpointSecurityType === 'organization' && chance(g, 50)) {
    tally('flow:organizationApiKeys');
    flow.organizationApiKeys = Array.from({ length: int(g, 0, 3) }, () => draw(g, nonEmptyText));
  }
  return flow;
}

const configVarKeyText = fc.oneof({ arbitrary: phrase, weight: 4 }, { arbitrary: nonEmptyText, weight: 2 });

function configVarModel(g: G, key: string, stableKey: string, dataType: ConfigVarDataType): ConfigVar {
  tally(`dataType:${dataType}`);
  const configVar: ConfigVar = { key, stableKey, dataType, orgOnly: bool(g) };
  if (chance(g, 40)) configVar.description = draw(g, anyText);
  const withDefault = chance(g, 70);
  switch (dataType) {
    case 'boolean':
      if (withDefault) configVar.defaultValue = pick(g, ['true', 'false']);
      break;
    case 'number':
      if (withDefault) configVar.defaultValue = draw(g, numberDefault);
      break;
    case 'picklist': {
      configVar.pickList = draw(g, pickListText);
      if (withDefault) configVar.defaultValue = pick(g, configVar.pickList);
      break;
    }
    case 'schedule':
      if (withDefault) configVar.defaultValue = pick(g, crons);
      if (chance(g, 50)) configVar.scheduleType = pick(g, scheduleTypes);
      if (chance(g, 50)) configVar.timeZone = pick(g, timeZones);
      break;
    case 'code':
      if (withDefault) configVar.defaultValue = draw(g, codeText);
      if (chance(g, 60)) configVar.codeLanguage = pick(g, codeLanguages);
      break;
    case 'connection': {
      const connection: NonNullable<ConfigVar['connection']> = actionRef(
        g,
        pick(g, ['http', 'slack', 'acme-erp-custom']),
        pick(g, ['basic', 'oauth2', 'apiKey']),
      );
      if (chance(g, 40)) {
        connection.template = draw(g, nameText);
        tally('connection:template');
      }
      configVar.connection = connection;
      break;
    }
    case 'objectSelection':
    case 'objectFieldMap':
    case 'jsonForm':
      if (withDefault) configVar.defaultValue = JSON.stringify(draw(g, anyJson));
      if (chance(g, 50))
        configVar.dataSource = actionRef(g, 'acme-erp-custom', pick(g, ['listObjects', 'fieldMap', 'form']));
      break;
    default:
      if (withDefault) configVar.defaultValue = draw(g, anyText);
  }
  if (chance(g, 15)) configVar.collectionType = pick(g, collectionTypes);
  if (chance(g, 10)) configVar.timeZone ??= pick(g, timeZones);
  if (chance(g, 10)) configVar.useScopedConfigVar = draw(g, uuid);
  if (chance(g, 10)) configVar.onPremiseConnectionConfig = pick(g, ['allowed', 'required', 'disallowed']);
  if (chance(g, 15)) configVar.meta = draw(g, jsonObject);
  return configVar;
}

function configPages(g: G, configKeys: string[]): ConfigPage[] {
  const pageNames = new Set<string>();
  const pages: ConfigPage[] = Array.from({ length: int(g, 0, 3) }, () => {
    const page: ConfigPage = {
      name: uniqueText(g, nameText, pageNames),
      userLevelConfigured: bool(g),
      elements: [],
    };
    if (chance(g, 50)) page.tagline = draw(g, anyText);
    return page;
  });
  if (pages.length === 0) return pages;
  // Each config variable on at most one page; HTML and JSON-form elements in between.
  for (const key of configKeys) {
    if (chance(g, 70)) pick(g, pages).elements.push({ type: 'configVar', value: key });
  }
  for (const page of pages) {
    for (let index = int(g, 0, 2); index > 0; index -= 1) {
      const element: ConfigPageElement = {
        type: pick(g, ['htmlElement', 'htmlElement', 'jsonForm'] as const),
        value: draw(g, htmlText),
      };
      page.elements.splice(int(g, 0, page.elements.length), 0, element);
    }
    tally('configPage');
  }
  return pages;
}

function integrationModel(g: G): Integration {
  const configKeys = new Set<string>();
  const configStableKeys = new Set<string>();
  const configVars = Array.from({ length: int(g, 0, 7) }, () => {
    const key = uniqueText(g, configVarKeyText, configKeys);
    const stableKey = uniqueText(g, stableKeyText, configStableKeys);
    return configVarModel(g, key, stableKey, pick(g, configVarDataTypes));
  });
  const config: ConfigContext = {
    keys: configVars.map((configVar) => configVar.key),
    templateKeys: configVars
      .map((configVar) => configVar.key)
      .filter((key) => /^[^{}\s](?:[^{}]*[^{}\s])?$/u.test(key)),
    scheduleKeys: configVars
      .filter((configVar) => configVar.dataType === 'schedule')
      .map((configVar) => configVar.key),
  };
  // Connection inputs may name any config variable (validation checks only that it exists).
  for (const configVar of configVars) {
    if (configVar.dataType === 'connection' && chance(g, 60)) {
      configVar.inputs = inputs(g, { config, results: [], loops: [] }, int(g, 0, 3));
    }
  }

  const flowNames = new Set<string>();
  const flowStableKeys = new Set<string>();
  const flows = Array.from({ length: int(g, 1, 4) }, () =>
    flowModel(g, uniqueText(g, nameText, flowNames), uniqueText(g, stableKeyText, flowStableKeys), config),
  );

  const integration: Integration = {
    definitionVersion: 7,
    name: draw(g, nameText),
    description: chance(g, 60) ? draw(g, anyText) : '',
    labels: draw(g, labelsText),
    isCodeNative: chance(g, 20),
    endpointType: pick(g, endpointTypes),
    configVars,
    configPages: configPages(g, config.keys),
    flows,
  };
  tally(`endpointType:${integration.endpointType}`);
  if (chance(g, 50)) integration.category = draw(g, phraseOrText);
  if (chance(g, 60)) integration.documentation = draw(g, markdown);
  if (chance(g, 30)) integration.version = draw(g, versionText);
  const scope: InputScope = { config, results: [], loops: [] };
  // Routed endpoints need a flow to decide (preprocessFlowName) or a field naming the flow (flowNameField).
  const routed = integration.endpointType !== 'flow_specific';
  const preprocess = chance(g, 30) || (routed && chance(g, 50));
  if (preprocess)
    integration.preprocessFlowName = pick(
      g,
      flows.map((flow) => flow.name),
    );
  if (chance(g, 20)) integration.defaultInstanceProfile = draw(g, phraseOrText);
  if (chance(g, 25)) integration.externalCustomerIdField = input(g, scope, 1);
  if (chance(g, 25)) integration.externalCustomerUserIdField = input(g, scope, 1);
  if (chance(g, 25)) integration.flowNameField = input(g, scope, 1);
  // Without a preprocess flow, a shared endpoint must find the customer, and a routed one the flow, in the request.
  if (routed && !preprocess) {
    integration.flowNameField = { type: 'value', value: 'headers.x-flow' };
    if (integration.endpointType === 'shared_instance')
      integration.externalCustomerIdField = { type: 'value', value: 'body.data.customerId' };
  }
  if (chance(g, 20)) integration.importMetadata = draw(g, jsonObject);
  return integration;
}

// ---------------------------------------------------------------------------------------------------------------

/** Paths of every `undefined` value: the model must hold only fields that are really there. */
function undefinedPaths(value: unknown, path = '$'): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => undefinedPaths(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => undefinedPaths(item, `${path}.${key}`));
  }
  return [];
}

function parseOrThrow(text: string): Integration {
  const result = parseIntegrationYaml(text, { fileName: 'generated.yaml' });
  if (!result.ok) {
    const problems = result.problems
      .map((p) => `  ${p.line}:${p.column} ${p.code} ${p.path}: ${p.message}`)
      .join('\n');
    throw new Error(`the exported YAML does not parse:\n${problems}\n--- YAML ---\n${text}`);
  }
  expect(result.warnings).toEqual([]);
  return result.integration;
}

/** Where two values first differ (Object.is on leaves, keys and prototypes on objects), for failure messages. */
function firstDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (Object.is(actual, expected)) return undefined;
  const describeLeaf = (value: unknown) =>
    Object.is(value, -0) ? '-0' : typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return `${path}: ${describeLeaf(actual)} (parsed) vs ${describeLeaf(expected)} (generated)`;
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected))
    return `${path}: different prototypes`;
  const actualKeys = Object.keys(actual);
  const expectedKeys = Object.keys(expected);
  const missing = expectedKeys.filter((key) => !actualKeys.includes(key));
  const extra = actualKeys.filter((key) => !expectedKeys.includes(key));
  if (missing.length > 0 || extra.length > 0)
    return `${path}: keys missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`;
  for (const key of expectedKeys) {
    const difference = firstDifference(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (difference) return difference;
  }
  return undefined;
}

/** Exports, parses and exports again; `failure` says what differs. Never throws. */
function roundTrip(model: Integration): { yaml: string; failure?: string } {
  const missing = undefinedPaths(model);
  if (missing.length > 0)
    return { yaml: '', failure: `the generated model holds undefined at ${missing.join(', ')}` };
  const yaml = exportIntegrationYaml(model);
  const result = parseIntegrationYaml(yaml, { fileName: 'generated.yaml' });
  if (!result.ok)
    return {
      yaml,
      failure: `parse failed: ${result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`).join('; ')}`,
    };
  if (result.warnings.length > 0)
    return { yaml, failure: `parse warned: ${result.warnings.map((p) => p.message).join('; ')}` };
  if (!isDeepStrictEqual(result.integration, model)) {
    return {
      yaml,
      failure: `the parsed model differs from the generated one at ${firstDifference(result.integration, model)}`,
    };
  }
  const again = exportIntegrationYaml(result.integration);
  if (again !== yaml) return { yaml, failure: 'exporting the parsed model gives different YAML' };
  return { yaml };
}

describe('YAML round trip (property)', () => {
  it('the generator only uses valid constants', () => {
    for (const cron of crons) expect(cronProblem(cron), cron).toBeUndefined();
    for (const zone of timeZones) expect(isValidTimeZone(zone), zone).toBe(true);
  });

  it(`parse(export(model)) equals the model, and export is stable (${NUM_RUNS} runs)`, () => {
    console.log(
      `roundtrip.property: fast-check seed ${SEED}, ${NUM_RUNS} runs (override with FC_SEED / FC_RUNS)`,
    );
    const started = performance.now();
    let evaluations = 0;
    let yamlChars = 0;
    // The property itself only compares (cheaply, with node:util); the failing case is then replayed through
    // `expect` once, for a readable diff. Building expect's diff on every shrinking step would take minutes.
    // The last failing evaluation is the shrunk counterexample: keep its model to report it.
    let skipped = 0;
    let lastFailure: { model?: Integration; yaml: string; failure: string } | undefined;
    const details = fc.check(
      fc.property(fc.gen(), (g) => {
        evaluations += 1;
        let model: Integration | undefined;
        try {
          model = integrationModel(g);
          // Texts joined from parts (templates) can still form a known-bug text; such runs are skipped.
          if (AVOID_KNOWN_STRINGIFY_BUGS && hasKnownStringifyBug(model)) {
            skipped += 1;
            return fc.pre(false);
          }
          const outcome = roundTrip(model);
          yamlChars += outcome.yaml.length;
          if (outcome.failure !== undefined)
            lastFailure = { model, yaml: outcome.yaml, failure: outcome.failure };
          return outcome.failure === undefined;
        } catch (error) {
          if (fc.PreconditionFailure.isFailure(error)) throw error;
          lastFailure = { model, yaml: '', failure: `threw ${(error as Error).stack}` };
          return false;
        }
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `roundtrip.property: ${details.numRuns} runs (${evaluations} evaluations incl. shrinking) in ${seconds.toFixed(1)} s, ` +
        `average YAML ${Math.round(yamlChars / Math.max(evaluations, 1))} chars, ${skipped} skipped (known stringify bugs)`,
    );
    if (details.failed) {
      console.log(
        `roundtrip.property: failed after ${details.numShrinks} shrinks (seed ${SEED}, path ${details.counterexamplePath}): ` +
          `${lastFailure?.failure}\n--- exported YAML of the counterexample ---\n${lastFailure?.yaml}`,
      );
      const model = lastFailure?.model;
      if (model && lastFailure?.yaml) {
        // Replayed through expect for a readable diff.
        const parsed = parseOrThrow(lastFailure.yaml);
        expect(parsed).toStrictEqual(model);
        expect(exportIntegrationYaml(parsed)).toBe(lastFailure.yaml);
      }
      throw new Error(`round trip failed: ${lastFailure?.failure}`);
    }
  });

  it('the generator exercised every kind of field', () => {
    // Relies on the property above having run in this file (vitest runs a file's tests in order).
    const wanted = [
      ...configVarDataTypes.map((type) => `dataType:${type}`),
      ...inputTypes.map((type) => `input:${type}`),
      ...errorHandlerTypes.map((type) => `errorHandler:${type}`),
      ...endpointTypes.map((type) => `endpointType:${type}`),
      'step:action',
      'step:loop',
      'step:branch',
      'trigger:webhook',
      'trigger:schedule:value',
      'trigger:schedule:configVar',
      'template:reference',
      'reference:results',
      'reference:currentItem',
      'reference:index',
      'template:configVar',
      'condition:boolean',
      'condition:unary',
      'condition:binary',
      'complex:keyValueList',
      'complex:valueList',
      'complex:text',
      'complex:condition',
      'value:multiLine',
      'value:json',
      'value:numericText',
      'value:empty',
      'flow:retryConfig',
      'flow:queueConfig',
      'flow:schemas',
      'flow:isAgentFlow',
      'flow:triggerResolver',
      'flow:organizationApiKeys',
      'configPage',
      'input:meta',
      'componentVersion:signature',
      'input named __proto__',
      'connection:template',
    ];
    expect(wanted.filter((what) => !seen.has(what))).toEqual([]);
  });
});

/** A minimal valid model to hang one field on. */
function minimalModel(): Integration {
  return {
    definitionVersion: 7,
    name: 'Minimal',
    description: '',
    labels: [],
    isCodeNative: false,
    endpointType: 'flow_specific',
    configVars: [],
    configPages: [],
    flows: [
      {
        name: 'Flow',
        stableKey: 'flow-1',
        description: '',
        isSynchronous: false,
        endpointSecurityType: 'customer_optional',
        trigger: {
          name: 'Trigger',
          key: 'trigger',
          action: {
            key: 'webhook',
            component: { key: 'webhook-triggers', isPublic: true, version: 'LATEST' },
          },
          inputs: {},
        },
        steps: [],
      },
    ],
  };
}

describe('YAML round trip: specific cases', () => {
  it('keeps an input named __proto__ and JSON keys named __proto__', () => {
    const model = minimalModel();
    const trigger = model.flows[0]!.trigger;
    // Built with defineProperty: an object literal's `__proto__: x` would set the prototype instead.
    const value: { [key: string]: JsonValue } = { kept: 1 };
    Object.defineProperty(value, '__proto__', {
      value: { nested: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    Object.defineProperty(trigger.inputs, '__proto__', {
      value: { type: 'value', value: 'x' },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    trigger.inputs.body = { type: 'value', value };
    const yaml = exportIntegrationYaml(model);
    expect(yaml).toContain('__proto__');
    const parsed = parseOrThrow(yaml);
    expect(Object.keys(parsed.flows[0]!.trigger.inputs)).toEqual(['__proto__', 'body']);
    expect(Object.keys(parsed.flows[0]!.trigger.inputs.body!.value as object)).toEqual(['kept', '__proto__']);
    expect(exportIntegrationYaml(parsed)).toBe(yaml);
  });

  it("keeps a connection config variable's connection template", () => {
    const model = minimalModel();
    model.configVars.push({
      key: 'Acme Connection',
      stableKey: 'acme-connection',
      dataType: 'connection',
      orgOnly: false,
      connection: {
        key: 'oauth2',
        component: { key: 'acme-erp-custom', isPublic: false, version: 3 },
        template: 'acme-oauth-template',
      },
    });
    const yaml = exportIntegrationYaml(model);
    expect(parseOrThrow(yaml)).toStrictEqual(model);
  });

  it('keeps texts whose lines are all blank', () => {
    // yaml 2.9.1 writes these as block scalars (`|+`) without an indentation indicator, so a reader takes the spaces
    // of the first line for indentation: ' \n' comes back as '\n'.
    const texts = [' \n', '\n \n', '  \t\n', ' \n\n'];
    const lost = texts.filter((text) => {
      const model = minimalModel();
      model.documentation = text;
      model.flows[0]!.trigger.inputs.body = { type: 'value', value: text };
      const parsed = parseOrThrow(exportIntegrationYaml(model));
      return !isDeepStrictEqual(parsed, model);
    });
    expect(lost).toEqual([]);
  });

  it('keeps a line of exactly one space in a long text that is written double-quoted', () => {
    const model = minimalModel();
    // The BEL character makes the text double-quoted. The library's multi-line double-quoted form (used for long
    // texts) doubled the escape of that space; the exporter now writes double-quoted texts JSON-style on one line.
    const text = 'bell\u0007 and a line long enough to fold it\n \nend';
    model.flows[0]!.trigger.inputs.body = { type: 'value', value: text };
    const yaml = exportIntegrationYaml(model);
    expect(parseOrThrow(yaml)).toStrictEqual(model);
  });
});
