import {
  type ComplexValue,
  type ConditionExpression,
  type Input,
  isConditionExpression,
  isUnsetInput,
  operatorArity,
} from '@weft/definition';
import type { ComponentInput } from '@weft/sdk';
import { EngineError } from './engine-error.js';

/** What inputs read from: the results of the steps that ran, the loops in progress, the config values. */
export interface InputScope {
  stepResults: Map<string, unknown>;
  /** The loops around the running step: `<loopKey>.currentItem` and `.index`. */
  loops: Map<string, { currentItem: unknown; index: number }>;
  configVars: Record<string, unknown>;
}

/** `a.b[0]["c d"]` → ['a', 'b', 0, 'c d']. */
export function parsePath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\['([^']*)'\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(`"${match[3]}"`) as string);
    else if (match[4] !== undefined) segments.push(match[4]);
  }
  return segments;
}

function readPath(value: unknown, segments: Array<string | number>): unknown {
  let current = value;
  let previous: string | number | undefined;
  for (const segment of segments) {
    if (current === null || current === undefined) return undefined;
    if (Buffer.isBuffer(current) || typeof current !== 'object') return undefined;
    const record = current as Record<string | number, unknown>;
    let next = record[segment];
    // Header names are case-insensitive and reach flows lower-cased; exports refer to them as the sender wrote
    // them (`triggerStep.results.headers.X-Shopify-Topic`).
    if (next === undefined && previous === 'headers' && typeof segment === 'string') {
      next = record[segment.toLowerCase()];
    }
    current = next;
    previous = segment;
  }
  return current;
}

/** `listFiles.results.files`, `loopStep.currentItem.id`, `loopStep.index`. */
export function resolveReference(reference: string, scope: InputScope): unknown {
  const [stepKey, field, ...rest] = parsePath(reference.trim());
  if (typeof stepKey !== 'string') return undefined;
  if (field === 'currentItem' || field === 'index') {
    const loop = scope.loops.get(stepKey);
    if (!loop) return undefined;
    return field === 'index' ? readPath(loop.index, rest) : readPath(loop.currentItem, rest);
  }
  if (field !== 'results') return undefined;
  return readPath(scope.stepResults.get(stepKey), rest);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function renderTemplate(template: string, scope: InputScope): string {
  return template.replace(/\{\{([\s\S]*?)\}\}/g, (whole, body: string) => {
    const trimmed = body.trim();
    if (trimmed.startsWith('$')) return asText(resolveReference(trimmed.slice(1), scope));
    if (trimmed.startsWith('#')) return asText(scope.configVars[trimmed.slice(1).trim()]);
    return whole;
  });
}

/**
 * An input's value before conversion to the action's declared type. An input left empty (an empty config variable,
 * reference or template, as exports write optional inputs) is absent: undefined.
 */
export function resolveInput(input: Input, scope: InputScope): unknown {
  if (isUnsetInput(input)) return undefined;
  switch (input.type) {
    case 'value':
      return input.value;
    case 'reference':
      return resolveReference(input.value, scope);
    case 'configVar':
      return scope.configVars[input.value];
    case 'template':
      return renderTemplate(input.value, scope);
    case 'complex':
      return resolveComplex(input.value, scope);
  }
}

/**
 * Lists of named entries become `[{key, value}]` (key/value lists, branch conditions); lists of unnamed entries become
 * plain lists; condition expressions keep their operators with every operand resolved. Entries left empty (an empty
 * config variable, reference or template as the value) are left out, as the absent inputs they stand for.
 */
function resolveComplex(value: ComplexValue, scope: InputScope): unknown {
  if (typeof value === 'string') return value;
  if (isConditionExpression(value)) return resolveExpression(value, scope);
  const items: unknown[] = [];
  for (const item of value as Array<Input | ConditionExpression>) {
    if (isConditionExpression(item)) {
      items.push(resolveExpression(item, scope));
      continue;
    }
    const input = item as Input;
    if (isUnsetInput(input)) continue;
    const resolved = resolveInput(input, scope);
    const name = input.name;
    if (name === undefined) items.push(resolved);
    else
      items.push({
        key: typeof name === 'string' ? name : asText(resolveInput(name, scope)),
        value: resolved,
      });
  }
  return items;
}

/** True for an operand left empty: `{type: value, value: ""}` (or nothing), or an empty reference, variable or template. */
function isEmptyOperand(operand: string | ConditionExpression | Input | undefined): boolean {
  if (typeof operand !== 'object' || Array.isArray(operand)) return false;
  if (operand.type === 'value') return operand.value === '' || operand.value === null;
  return isUnsetInput(operand);
}

function resolveExpression(expression: ConditionExpression, scope: InputScope): unknown[] {
  const [operator, ...written] = expression;
  // Exports write unary operators with a second, empty operand (`[isEmpty, {reference}, {type: value, value: ""}]`):
  // the condition is evaluated without it.
  const operands =
    typeof operator === 'string' &&
    operatorArity(operator) === 1 &&
    written.length > 1 &&
    written.slice(1).every(isEmptyOperand)
      ? written.slice(0, 1)
      : written;
  return [
    operator,
    ...operands.map((operand) =>
      isConditionExpression(operand)
        ? resolveExpression(operand, scope)
        : resolveInput(operand as Input, scope),
    ),
  ];
}

const textTypes = new Set(['string', 'text', 'password', 'picklist', 'date', 'timestamp', 'template']);

/**
 * Converts a value to the type the action declares for the input, so actions receive numbers as numbers and
 * booleans as booleans. A value that cannot be converted fails the step with a message naming input, step and value.
 */
export function convertInput(value: unknown, definition: ComponentInput, stepName: string): unknown {
  const fail = (expected: string): never => {
    throw new EngineError(
      'INPUT_INVALID',
      `input '${definition.key}' of step '${stepName}' expects ${expected}, got ${describeValue(value)}`,
    );
  };
  if (definition.collection === 'keyvaluelist') {
    if (value === undefined || value === null || value === '') return [];
    if (typeof value === 'string') return parseJsonOr(value, () => fail('a list of key/value pairs'));
    if (Array.isArray(value)) return value;
    if (typeof value === 'object')
      return Object.entries(value).map(([key, entry]) => ({ key, value: entry }));
    return fail('a list of key/value pairs');
  }
  if (definition.collection === 'valuelist') {
    if (value === undefined || value === null || value === '') return [];
    if (Array.isArray(value)) return value.map((item) => convertScalar(item, definition, fail));
    if (typeof value === 'string' && value.trim().startsWith('['))
      return parseJsonOr(value, () => fail('a list'));
    return [convertScalar(value, definition, fail)];
  }
  return convertScalar(value, definition, fail);
}

function convertScalar(
  value: unknown,
  definition: ComponentInput,
  fail: (expected: string) => never,
): unknown {
  if (value === undefined || value === null) return value;
  switch (definition.type) {
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? value : fail('a finite number');
      if (typeof value === 'string') {
        if (value.trim() === '') return undefined;
        const number = Number(value);
        return Number.isFinite(number) ? number : fail('a number');
      }
      return fail('a number');
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
        if (lower === '') return undefined;
      }
      return fail('true or false');
    }
    default:
      if (textTypes.has(definition.type) && (typeof value === 'number' || typeof value === 'boolean')) {
        return String(value);
      }
      return value;
  }
}

function parseJsonOr(text: string, otherwise: () => never): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : otherwise();
  } catch {
    return otherwise();
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
