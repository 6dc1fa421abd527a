/**
 * Evaluates branch conditions with every operand already resolved: `['and', ['equal', 5, '5'], ['isTrue', 'true']]`.
 * The semantics are those of Prismatic's runner (spectral's `conditionalLogic.evaluate`), so imported definitions
 * branch the same way: text operands holding JSON (`"5"`, `"true"`, `"[1,2]"`) are compared as the value they spell,
 * `equal` is loose (`5 == "5"`, key order does not matter), and `startsWith`/`endsWith` ask whether the RIGHT operand
 * starts/ends with the LEFT one. Where Prismatic throws on odd operands (`in` on a number, `isEmpty` on an object),
 * the lenient answer is given instead.
 */
import { operatorArity } from '@weft/definition';

/** Text that spells a JSON value becomes that value (`"5"` → 5, `"null"` → null); anything else stays as it is. */
function parseValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const TRUE_WORDS = ['t', 'true', 'y', 'yes'];
const FALSE_WORDS = ['f', 'false', 'n', 'no'];

function isTrue(operand: unknown): boolean {
  const value = parseValue(operand);
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (TRUE_WORDS.includes(lower)) return true;
    if (FALSE_WORDS.includes(lower)) return false;
  }
  return Boolean(value);
}

/** Prismatic's "does not exist": nothing, and also the falsy values 0, false and empty text. */
function isMissing(operand: unknown): boolean {
  const value = parseValue(operand);
  return (
    value === undefined ||
    value === null ||
    value === 0 ||
    value === false ||
    value === '' ||
    Number.isNaN(value)
  );
}

function isEmpty(operand: unknown): boolean {
  const value = parseValue(operand);
  if (Array.isArray(value)) return value.length === 0;
  // The text itself, not its parsed value: "123" is three characters, not a number.
  if (typeof operand === 'string') return operand.length === 0;
  if (value === null || value === undefined) return true;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Structural equality; `loose` compares leaves with `==` (5 and "5", 1 and true), as Prismatic's `equal` does. */
function deepEqual(left: unknown, right: unknown, loose: boolean): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: Prismatic's equal is JavaScript's loose equality on leaves
  if (left === right || (loose && left == right && typeof left !== 'object' && typeof right !== 'object'))
    return true;
  if (loose && (left === null || right === null)) return (left ?? undefined) === (right ?? undefined);
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every(
    (key) =>
      Object.hasOwn(right, key) &&
      deepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key], loose),
  );
}

/** Prismatic's `equal` (and Branch on Value's match): JSON text parsed, then loose structural equality. */
export function looselyEqual(left: unknown, right: unknown): boolean {
  return deepEqual(parseValue(left), parseValue(right), true);
}

function exactlyEqual(left: unknown, right: unknown): boolean {
  return deepEqual(parseValue(left), parseValue(right), false);
}

function toTime(value: unknown, operator: string): number {
  const time =
    typeof value === 'number'
      ? value
      : value instanceof Date
        ? value.getTime()
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
  if (Number.isNaN(time))
    throw new Error(`'${operator}' compares dates, but ${JSON.stringify(value) ?? 'nothing'} is not a date`);
  return time;
}

/** Numbers (and numeric text) by value, everything else as text. */
function compare(leftOperand: unknown, rightOperand: unknown): number {
  const left = parseValue(leftOperand);
  const right = parseValue(rightOperand);
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const leftText = text(left);
  const rightText = text(right);
  return leftText < rightText ? -1 : leftText > rightText ? 1 : 0;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `in`: an item of a list, a substring of text, or a key of an object (a list or object may come as JSON text). */
function contains(containerOperand: unknown, item: unknown): boolean {
  const container = parseValue(containerOperand);
  if (typeof containerOperand === 'string' && (container === null || typeof container !== 'object'))
    return containerOperand.includes(text(item));
  if (Array.isArray(container)) return container.some((entry) => looselyEqual(entry, item));
  if (container && typeof container === 'object') return Object.hasOwn(container, text(item));
  return false;
}

/** Prismatic's `startsWith`/`endsWith` read "the right operand starts/ends with the left one"; nothing matches nothing. */
function affix(left: unknown, right: unknown, where: 'start' | 'end'): boolean {
  if (left === null || left === undefined || right === null || right === undefined) return false;
  const whole = text(parseValue(right));
  const part = text(parseValue(left));
  return where === 'start' ? whole.startsWith(part) : whole.endsWith(part);
}

export function evaluateCondition(expression: unknown): boolean {
  if (!Array.isArray(expression) || typeof expression[0] !== 'string') {
    throw new Error(`a condition must be [operator, ...operands], got ${JSON.stringify(expression)}`);
  }
  const [operator, ...operands] = expression as [string, ...unknown[]];
  if (operatorArity(operator) === undefined) throw new Error(`unknown condition operator '${operator}'`);
  const [left, right] = operands;
  switch (operator) {
    case 'and':
      return operands.every(evaluateCondition);
    case 'or':
      return operands.some(evaluateCondition);
    case 'isTrue':
      return isTrue(left);
    case 'isFalse':
      return !isTrue(left);
    case 'exists':
      return !isMissing(left);
    case 'doesNotExist':
      return isMissing(left);
    case 'isEmpty':
      return isEmpty(left);
    case 'isNotEmpty':
      return !isEmpty(left);
    case 'equal':
      return looselyEqual(left, right);
    case 'notEqual':
      return !looselyEqual(left, right);
    case 'greaterThan':
      return compare(left, right) > 0;
    case 'greaterThanOrEqual':
      return compare(left, right) >= 0;
    case 'lessThan':
      return compare(left, right) < 0;
    case 'lessThanOrEqual':
      return compare(left, right) <= 0;
    case 'in':
      return contains(right, left);
    case 'notIn':
      return !contains(right, left);
    case 'exactlyMatches':
      return exactlyEqual(left, right);
    case 'doesNotExactlyMatch':
      return !exactlyEqual(left, right);
    case 'startsWith':
      return affix(left, right, 'start');
    case 'doesNotStartWith':
      return !affix(left, right, 'start');
    case 'endsWith':
      return affix(left, right, 'end');
    case 'doesNotEndWith':
      return !affix(left, right, 'end');
    case 'dateTimeAfter':
      return toTime(left, operator) > toTime(right, operator);
    case 'dateTimeBefore':
      return toTime(left, operator) < toTime(right, operator);
    case 'dateTimeSame':
      return toTime(left, operator) === toTime(right, operator);
    default:
      throw new Error(`unknown condition operator '${operator}'`);
  }
}
