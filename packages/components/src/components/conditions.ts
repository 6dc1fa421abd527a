/**
 * Evaluates branch conditions with every operand already resolved: `['and', ['equal', 5, '5'], ['isTrue', 'true']]`.
 * Comparisons are numeric when both sides are numbers (or numeric text), by date for the dateTime operators, and
 * by text otherwise, as the low-code designer's conditions behave.
 */
import { operatorArity } from '@weft/definition';

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

function truthy(value: unknown): boolean {
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    return lower !== '' && lower !== 'false' && lower !== '0' && lower !== 'null' && lower !== 'undefined';
  }
  return Boolean(value);
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function looselyEqual(left: unknown, right: unknown): boolean {
  if (isNumeric(left) && isNumeric(right)) return Number(left) === Number(right);
  if (typeof left === 'boolean' || typeof right === 'boolean') return truthy(left) === truthy(right);
  return text(left) === text(right);
}

function toTime(value: unknown, operator: string): number {
  const time =
    typeof value === 'number'
      ? value
      : value instanceof Date
        ? value.getTime()
        : Date.parse(String(value ?? ''));
  if (Number.isNaN(time))
    throw new Error(`'${operator}' compares dates, but ${JSON.stringify(value)} is not a date`);
  return time;
}

function compare(left: unknown, right: unknown): number {
  if (isNumeric(left) && isNumeric(right)) return Number(left) - Number(right);
  return text(left) < text(right) ? -1 : text(left) > text(right) ? 1 : 0;
}

function contains(list: unknown, item: unknown): boolean {
  if (Array.isArray(list)) return list.some((entry) => looselyEqual(entry, item));
  if (typeof list === 'string') return list.includes(text(item));
  if (list && typeof list === 'object') return Object.hasOwn(list, text(item));
  return false;
}

export function evaluateCondition(expression: unknown): boolean {
  if (!Array.isArray(expression) || typeof expression[0] !== 'string') {
    throw new Error(`a condition must be [operator, ...operands], got ${JSON.stringify(expression)}`);
  }
  const [operator, ...operands] = expression as [string, ...unknown[]];
  const arity = operatorArity(operator);
  if (arity === undefined) throw new Error(`unknown condition operator '${operator}'`);
  const [left, right] = operands;
  switch (operator) {
    case 'and':
      return operands.every(evaluateCondition);
    case 'or':
      return operands.some(evaluateCondition);
    case 'isTrue':
      return truthy(left);
    case 'isFalse':
      return !truthy(left);
    case 'exists':
      return left !== null && left !== undefined;
    case 'doesNotExist':
      return left === null || left === undefined;
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
      return JSON.stringify(left) === JSON.stringify(right);
    case 'doesNotExactlyMatch':
      return JSON.stringify(left) !== JSON.stringify(right);
    case 'startsWith':
      return text(left).startsWith(text(right));
    case 'doesNotStartWith':
      return !text(left).startsWith(text(right));
    case 'endsWith':
      return text(left).endsWith(text(right));
    case 'doesNotEndWith':
      return !text(left).endsWith(text(right));
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
