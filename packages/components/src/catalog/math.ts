import type { CatalogOperation } from '@weft/definition';
import { component, data, operation, str, valueList } from './define.js';

/*
 * Real definitions use `numbers` (a value list). The other keys are the camelCased labels, as `numbers` is.
 */
const numbers = valueList('numbers', 'Numbers');
const number = str('number', 'Number');

/** Functions of one number, named like JavaScript's Math functions. */
const unary: Array<[key: string, label: string, description: string]> = [
  ['abs', 'Absolute Value', 'the absolute value'],
  ['acos', 'Arccosine', 'the arccosine'],
  ['acosh', 'Hyperbolic Arccosine', 'the hyperbolic arccosine'],
  ['asin', 'Arcsine', 'the arcsine'],
  ['asinh', 'Hyperbolic Arcsine', 'the hyperbolic arcsine'],
  ['atan', 'Arctangent', 'the arctangent'],
  ['atanh', 'Hyperbolic Arctangent', 'the hyperbolic arctangent'],
  ['cbrt', 'Cube Root', 'the cube root'],
  ['ceil', 'Ceiling', 'the smallest integer greater than or equal to'],
  ['cos', 'Cosine', 'the cosine'],
  ['cosh', 'Hyperbolic Cosine', 'the hyperbolic cosine'],
  ['floor', 'Floor', 'the largest integer less than or equal to'],
  ['fround', 'Float-round', 'the nearest single-precision float to'],
  ['naturalLog', 'Natural Log', 'the natural logarithm'],
  ['round', 'Round', 'the nearest integer to'],
  ['sin', 'Sine', 'the sine'],
  ['sinh', 'Hyperbolic Sine', 'the hyperbolic sine'],
  ['sqrt', 'Square Root', 'the positive square root'],
  ['tan', 'Tangent', 'the tangent'],
  ['tanh', 'Hyperbolic Tangent', 'the hyperbolic tangent'],
  ['trunc', 'Truncate Number', 'the integer part'],
];

/** Functions of a list of numbers. */
const ofList: Array<[key: string, label: string, description: string]> = [
  ['add', 'Add Numbers', 'Add the numbers.'],
  ['subtract', 'Subtract Numbers', 'Subtract the numbers from the first.'],
  ['multiply', 'Multiply Numbers', 'Multiply the numbers.'],
  ['divide', 'Divide Numbers', 'Divide the first number by the others.'],
  ['hypot', 'Hypotenuse', 'The square root of the sum of the squares of the numbers.'],
];

const unaryOperations: CatalogOperation[] = unary.map(([key, label, what]) =>
  operation(key, label, `Returns ${what} of the input number.`, [number]),
);

export const math = component('math', 'Math', {
  actions: [
    ...ofList.map(([key, label, description]) => operation(key, label, description, [numbers])),
    ...unaryOperations,
    operation('evaluate', 'Evaluate Expression', 'Evaluate a mathematical expression such as "2 * 3 + 7".', [
      str('expression', 'Expression'),
    ]),
    operation('exp', 'e^x', 'Returns e raised to the input exponent.', [str('exponent', 'Exponent')]),
    operation('log', 'Logarithm', 'Returns the logarithm of a number in the given base.', [
      number,
      str('exponentBase', 'Exponent Base', { default: '10' }),
    ]),
    operation('max', 'Maximum', 'Returns the largest of the numbers.', [
      numbers,
      data('dynamicNumbers', 'Dynamic Numbers'),
    ]),
    operation('min', 'Minimum', 'Returns the smallest of the numbers.', [
      numbers,
      data('dynamicNumbers', 'Dynamic Numbers'),
    ]),
    operation('pow', 'Power', 'Returns the base raised to the exponent.', [
      str('base', 'Base'),
      str('exponent', 'Exponent'),
    ]),
    operation('randomInt', 'Random Integer', 'Returns a pseudo-random integer between min and max.', [
      str('min', 'Min'),
      str('max', 'Max'),
    ]),
    operation('random', 'Random Number', 'Returns a pseudo-random number between min and max.', [
      str('min', 'Min'),
      str('max', 'Max'),
    ]),
  ],
});
