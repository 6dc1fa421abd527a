import { describe, expect, it } from 'vitest';
import { evaluateCondition, looselyEqual } from '../src/components/conditions.js';

// Operands arrive resolved: literals from YAML are text ("5", "true"), references keep their type.
const holds = (operator: string, ...operands: unknown[]) => evaluateCondition([operator, ...operands]);

describe('branch conditions behave as in Prismatic', () => {
  it('isTrue/isFalse read yes/no words and JSON text, and treat other values by truthiness', () => {
    for (const value of [true, 'true', 'T', 'yes', 'y', 1, '1', 'anything', {}, []])
      expect(holds('isTrue', value), String(value)).toBe(true);
    for (const value of [false, 'false', 'F', 'no', 'n', 0, '0', '', null, undefined, 'null'])
      expect(holds('isFalse', value), String(value)).toBe(true);
  });

  it('exists is false for nothing and for the falsy values 0, false and empty text', () => {
    for (const value of [undefined, null, 0, '0', false, 'false', '', Number.NaN])
      expect(holds('exists', value), String(value)).toBe(false);
    for (const value of ['a', 1, true, {}, [], ' ']) expect(holds('exists', value)).toBe(true);
    expect(holds('doesNotExist', '')).toBe(true);
  });

  it('isEmpty covers text, lists (also as JSON text), objects and nothing', () => {
    expect(holds('isEmpty', '')).toBe(true);
    expect(holds('isEmpty', '[]')).toBe(true);
    expect(holds('isEmpty', [])).toBe(true);
    expect(holds('isEmpty', null)).toBe(true);
    expect(holds('isEmpty', {})).toBe(true);
    expect(holds('isEmpty', '0')).toBe(false);
    expect(holds('isNotEmpty', [0])).toBe(true);
  });

  it('equal is loose and structural; exactlyMatches is strict but still reads JSON text', () => {
    expect(holds('equal', 5, '5')).toBe(true);
    expect(holds('equal', '5.0', 5)).toBe(true);
    expect(holds('equal', true, 'true')).toBe(true);
    expect(holds('equal', { a: 1, b: [1, 2] }, '{"b":[1,2],"a":1}')).toBe(true);
    expect(holds('equal', null, '')).toBe(false);
    expect(holds('equal', null, undefined)).toBe(true);
    expect(holds('equal', 'abc', 'abd')).toBe(false);
    expect(holds('notEqual', 'a', 'b')).toBe(true);
    expect(holds('exactlyMatches', 5, '5')).toBe(true);
    expect(holds('exactlyMatches', { a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(holds('exactlyMatches', 1, true)).toBe(false);
    expect(holds('doesNotExactlyMatch', '"5"', 5)).toBe(true);
    expect(looselyEqual('order.created', 'order.created')).toBe(true);
  });

  it('orders numbers (also numeric text) by value and other text alphabetically', () => {
    expect(holds('greaterThan', '101', '100')).toBe(true);
    expect(holds('greaterThan', '9', '10')).toBe(false);
    expect(holds('lessThanOrEqual', 5, '5')).toBe(true);
    expect(holds('lessThan', 'apple', 'banana')).toBe(true);
    expect(holds('greaterThanOrEqual', '2026-02-01', '2026-01-31')).toBe(true);
  });

  it('in finds items of lists (also JSON text), substrings of text, and keys of objects', () => {
    expect(holds('in', 'b', ['a', 'b'])).toBe(true);
    expect(holds('in', '2', [1, 2])).toBe(true);
    expect(holds('in', 'a', '["ab"]')).toBe(false);
    expect(holds('in', 'ab', '["ab"]')).toBe(true);
    expect(holds('in', 'x', 'xyz')).toBe(true);
    expect(holds('in', 23, '1234')).toBe(true);
    expect(holds('in', 'id', { id: 1 })).toBe(true);
    expect(holds('in', 'a', null)).toBe(false);
    expect(holds('notIn', 'c', ['a', 'b'])).toBe(true);
  });

  it('startsWith/endsWith ask whether the right operand starts/ends with the left one', () => {
    expect(holds('startsWith', 'order.', 'order.created')).toBe(true);
    expect(holds('startsWith', 'order.created', 'order.')).toBe(false);
    expect(holds('endsWith', '.pdf', 'report.pdf')).toBe(true);
    expect(holds('doesNotEndWith', '.pdf', 'report.csv')).toBe(true);
    // A missing operand matches nothing (rather than every text starting with "").
    expect(holds('startsWith', undefined, 'abc')).toBe(false);
    expect(holds('doesNotStartWith', 'abc', null)).toBe(true);
  });

  it('compares dates with offsets, epoch milliseconds and Date objects, and refuses what is not a date', () => {
    expect(holds('dateTimeSame', '2026-01-01T02:00:00+02:00', '2026-01-01T00:00:00Z')).toBe(true);
    expect(holds('dateTimeAfter', '2026-01-01T00:30:00-01:00', '2026-01-01T01:00:00Z')).toBe(true);
    expect(holds('dateTimeBefore', Date.UTC(2025, 0, 1), new Date('2025-06-01T00:00:00Z'))).toBe(true);
    expect(holds('dateTimeBefore', '2025-01-01', '2025-01-02')).toBe(true);
    expect(() => holds('dateTimeAfter', 'soon', '2025-01-01')).toThrow(
      /'soon' is not a date|"soon" is not a date/,
    );
    expect(() => holds('dateTimeAfter', undefined, '2025-01-01')).toThrow(/nothing is not a date/);
  });

  it('combines with and/or, and refuses unknown operators', () => {
    expect(holds('and', ['equal', 1, '1'], ['or', ['isTrue', 'no'], ['exists', 'x']])).toBe(true);
    expect(holds('and')).toBe(true);
    expect(holds('or')).toBe(false);
    expect(() => holds('contains', 'a', 'b')).toThrow(/unknown condition operator 'contains'/);
    expect(() => evaluateCondition('equal')).toThrow(/must be \[operator/);
  });
});
