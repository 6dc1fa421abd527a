import { componentManifest, invokeAction } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { evaluateExpression, mathComponent } from '../src/components/math.js';
import { math } from './fixtures/catalog/math.js';
import { itDescribesEveryActionAndInput } from './support/component-checks.js';

async function run(action: string, params: Record<string, unknown>): Promise<unknown> {
  const { result } = await invokeAction(mathComponent, action, params);
  return result?.data;
}

describe('math component', () => {
  it('has exactly the manifest of the built-in catalog', () => {
    expect(componentManifest(mathComponent)).toEqual({ ...math, connections: {}, dataSources: {} });
  });

  itDescribesEveryActionAndInput(mathComponent);

  it.each([
    ['add', ['1', '2', '3.5'], 6.5],
    ['add', [1, 2], 3],
    ['add', [], 0],
    ['subtract', ['10', '3', '2'], 5],
    ['multiply', ['2', '3', '4'], 24],
    ['divide', ['100', '5', '2'], 10],
    ['hypot', ['3', '4'], 5],
  ])('%s(%j) = %s', async (action, numbers, expected) => {
    expect(await run(action, { numbers })).toBe(expected);
  });

  it.each([
    ['abs', '-4.5', 4.5],
    ['acos', '1', 0],
    ['acosh', '1', 0],
    ['asin', '0', 0],
    ['asinh', '0', 0],
    ['atan', '1', Math.PI / 4],
    ['atanh', '0', 0],
    ['cbrt', '27', 3],
    ['ceil', '1.2', 2],
    ['cos', '0', 1],
    ['cosh', '0', 1],
    ['floor', '-1.2', -2],
    ['fround', '5.5', 5.5],
    ['naturalLog', String(Math.E), 1],
    ['round', '2.5', 3],
    ['sin', '0', 0],
    ['sinh', '0', 0],
    ['sqrt', '16', 4],
    ['tan', '0', 0],
    ['tanh', '0', 0],
    ['trunc', '-4.7', -4],
  ])('%s(%s) = %s', async (action, number, expected) => {
    expect(await run(action, { number })).toBeCloseTo(expected, 10);
  });

  it('computes the other actions', async () => {
    expect(await run('evaluate', { expression: '2 * 3 + 7' })).toBe(13);
    expect(await run('exp', { exponent: '0' })).toBe(1);
    expect(await run('log', { number: '1000' })).toBeCloseTo(3, 10);
    expect(await run('log', { number: '8', exponentBase: '2' })).toBeCloseTo(3, 10);
    expect(await run('log', { number: String(Math.E), exponentBase: 'e' })).toBeCloseTo(1, 10);
    expect(await run('max', { numbers: ['1', '9', '3'] })).toBe(9);
    expect(await run('max', { numbers: ['1'], dynamicNumbers: [4, '12'] })).toBe(12);
    expect(await run('min', { numbers: ['5', '-2'], dynamicNumbers: '[1, -7]' })).toBe(-7);
    expect(await run('min', { dynamicNumbers: [3, 2] })).toBe(2);
    expect(await run('pow', { base: '2', exponent: '10' })).toBe(1024);
  });

  it('returns random numbers within the bounds', async () => {
    for (let i = 0; i < 50; i++) {
      const integer = (await run('randomInt', { min: '3', max: '5' })) as number;
      expect(Number.isInteger(integer)).toBe(true);
      expect(integer).toBeGreaterThanOrEqual(3);
      expect(integer).toBeLessThanOrEqual(5);
      const number = (await run('random', { min: '-1', max: '1' })) as number;
      expect(number).toBeGreaterThanOrEqual(-1);
      expect(number).toBeLessThan(1);
    }
    const unit = (await run('random', {})) as number;
    expect(unit).toBeGreaterThanOrEqual(0);
    expect(unit).toBeLessThan(1);
    expect(await run('randomInt', { min: '7', max: '7' })).toBe(7);
  });

  it('evaluates expressions without eval', () => {
    expect(evaluateExpression('(1 + 2) * 3')).toBe(9);
    expect(evaluateExpression('2 ^ 3 ^ 2')).toBe(512);
    expect(evaluateExpression('2 ** 10')).toBe(1024);
    expect(evaluateExpression('-2 ^ 2')).toBe(-4);
    expect(evaluateExpression('10 % 4 + 1.5e1')).toBe(17);
    expect(evaluateExpression('sqrt(16) + max(1, 5, 3) - abs(-1)')).toBe(8);
    expect(evaluateExpression('round(pi * 100) / 100')).toBe(3.14);
    expect(evaluateExpression('log(100) + log(8, 2)')).toBeCloseTo(5, 10);
    expect(() => evaluateExpression('process.exit(1)')).toThrow(/unexpected character '\.'|unknown name/);
    expect(() => evaluateExpression('constructor')).toThrow("unknown name 'constructor'");
    expect(() => evaluateExpression('foo(1)')).toThrow("unknown function 'foo'");
    expect(() => evaluateExpression('1 +')).toThrow('the expression ends too early');
    expect(() => evaluateExpression('(1 + 2')).toThrow("expected ')'");
    expect(() => evaluateExpression('1 2')).toThrow("unexpected '2'");
    expect(() => evaluateExpression('   ')).toThrow('the expression is empty');
    expect(() => evaluateExpression('1 / 0')).toThrow('division by zero');
  });

  it.each([
    ['add', { numbers: ['1', 'abc'] }, "numbers[1] must be a number (such as 42 or -3.5); 'abc' is not"],
    ['add', { numbers: ['1', ''] }, "numbers[1] must be a number (such as 42 or -3.5); '' is not"],
    ['divide', { numbers: ['1', '0'] }, 'cannot divide by zero: numbers[1] is 0'],
    ['divide', { numbers: [] }, 'divide needs at least one number'],
    ['subtract', { numbers: [] }, 'subtract needs at least one number'],
    ['sqrt', { number: '-1' }, "sqrt(-1) is not a real number: the input is outside the function's domain"],
    ['acos', { number: '2' }, 'acos(2) is not a real number'],
    ['round', { number: 'x' }, "number must be a number (such as 42 or -3.5); 'x' is not"],
    ['round', { number: {} }, 'number must be a number (such as 42 or -3.5); an object is not'],
    ['pow', { base: '10', exponent: '400' }, '10^400 is infinite'],
    ['log', { number: '0' }, 'the logarithm is defined for numbers greater than 0; got 0'],
    ['log', { number: '2', exponentBase: '1' }, 'exponentBase must be a positive number other than 1; got 1'],
    ['max', {}, 'Maximum needs at least one number in numbers or dynamicNumbers'],
    ['min', { dynamicNumbers: 'nope' }, 'dynamicNumbers must be a list'],
    ['randomInt', { min: '5', max: '1' }, 'min (5) must not be greater than max (1)'],
    ['randomInt', { min: '1.5', max: '3' }, 'min must be a whole number; 1.5 is not'],
    ['evaluate', { expression: '2 +* 3' }, "unexpected '*' in expression"],
    ['evaluate', { expression: ['1'] }, 'expression must be text such as 2 * 3 + 7; got a list of 1 element'],
  ])('%s rejects %j', async (action, params, message) => {
    await expect(run(action, params)).rejects.toThrow(message);
  });
});
