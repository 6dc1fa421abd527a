/**
 * The `math` built-in: arithmetic on lists of numbers, JavaScript's Math functions of one number, logarithms,
 * powers, random numbers and a safe arithmetic expression evaluator (no `eval`).
 *
 * Inputs are `string` inputs, as in Prismatic (definitions store numbers as text): each is converted with a clear
 * error when it is not numeric. Results that are not finite numbers (`sqrt(-1)`, `1 / 0`) are errors rather than a
 * `NaN` or `Infinity` that JSON cannot carry.
 */
import { action, type Component, component, input } from '@weft/sdk';
import { describeValue, isBlank, toInteger, toList, toNumber, toOptionalNumber } from './support-values.js';

const numbersInput = input({
  label: 'Numbers',
  type: 'string',
  collection: 'valuelist',
  comments: 'The numbers to operate on, in order; each a number or numeric text (such as 3 or -2.5).',
});

const numberInput = input({
  label: 'Number',
  type: 'string',
  comments: 'The number to operate on: a number or numeric text such as 3.14.',
});

const dynamicNumbersInput = input({
  label: 'Dynamic Numbers',
  type: 'data',
  comments:
    'Optional: a list of numbers (usually a reference to an earlier step result), used together with Numbers.',
});

function numberList(value: unknown, what: string): number[] {
  if (isBlank(value)) return [];
  const list = Array.isArray(value) ? value : toList(value, what);
  return list.map((item, index) => toNumber(item, `${what}[${index}]`));
}

function atLeastOne(numbers: number[], action: string): number[] {
  if (numbers.length === 0) throw new Error(`${action} needs at least one number; the numbers list is empty`);
  return numbers;
}

/** Rejects NaN and infinite results with the operation and its operands. */
function finite(result: number, expression: string): number {
  if (Number.isNaN(result))
    throw new Error(`${expression} is not a real number: the input is outside the function's domain`);
  if (!Number.isFinite(result))
    throw new Error(`${expression} is infinite (too large, or a division by zero)`);
  return result;
}

const listActions: Array<{
  key: string;
  label: string;
  description: string;
  compute: (numbers: number[]) => number;
}> = [
  {
    key: 'add',
    label: 'Add Numbers',
    description: 'Add the numbers.',
    compute: (numbers) => numbers.reduce((sum, n) => sum + n, 0),
  },
  {
    key: 'subtract',
    label: 'Subtract Numbers',
    description: 'Subtract the numbers from the first.',
    compute: (numbers) => {
      const [first, ...rest] = atLeastOne(numbers, 'subtract');
      return rest.reduce((result, n) => result - n, first as number);
    },
  },
  {
    key: 'multiply',
    label: 'Multiply Numbers',
    description: 'Multiply the numbers.',
    compute: (numbers) => atLeastOne(numbers, 'multiply').reduce((product, n) => product * n, 1),
  },
  {
    key: 'divide',
    label: 'Divide Numbers',
    description: 'Divide the first number by the others.',
    compute: (numbers) => {
      const [first, ...rest] = atLeastOne(numbers, 'divide');
      return rest.reduce((result, n, index) => {
        if (n === 0) throw new Error(`cannot divide by zero: numbers[${index + 1}] is 0`);
        return result / n;
      }, first as number);
    },
  },
  {
    key: 'hypot',
    label: 'Hypotenuse',
    description: 'The square root of the sum of the squares of the numbers.',
    compute: (numbers) => Math.hypot(...numbers),
  },
];

const unaryActions: Array<[key: string, label: string, what: string, fn: (n: number) => number]> = [
  ['abs', 'Absolute Value', 'the absolute value', Math.abs],
  ['acos', 'Arccosine', 'the arccosine', Math.acos],
  ['acosh', 'Hyperbolic Arccosine', 'the hyperbolic arccosine', Math.acosh],
  ['asin', 'Arcsine', 'the arcsine', Math.asin],
  ['asinh', 'Hyperbolic Arcsine', 'the hyperbolic arcsine', Math.asinh],
  ['atan', 'Arctangent', 'the arctangent', Math.atan],
  ['atanh', 'Hyperbolic Arctangent', 'the hyperbolic arctangent', Math.atanh],
  ['cbrt', 'Cube Root', 'the cube root', Math.cbrt],
  ['ceil', 'Ceiling', 'the smallest integer greater than or equal to', Math.ceil],
  ['cos', 'Cosine', 'the cosine', Math.cos],
  ['cosh', 'Hyperbolic Cosine', 'the hyperbolic cosine', Math.cosh],
  ['floor', 'Floor', 'the largest integer less than or equal to', Math.floor],
  ['fround', 'Float-round', 'the nearest single-precision float to', Math.fround],
  ['naturalLog', 'Natural Log', 'the natural logarithm', Math.log],
  ['round', 'Round', 'the nearest integer to', Math.round],
  ['sin', 'Sine', 'the sine', Math.sin],
  ['sinh', 'Hyperbolic Sine', 'the hyperbolic sine', Math.sinh],
  ['sqrt', 'Square Root', 'the positive square root', Math.sqrt],
  ['tan', 'Tangent', 'the tangent', Math.tan],
  ['tanh', 'Hyperbolic Tangent', 'the hyperbolic tangent', Math.tanh],
  ['trunc', 'Truncate Number', 'the integer part', Math.trunc],
];

// ---------------------------------------------------------------------------------------------------------------
// Expression evaluation: a recursive-descent parser over numbers, + - * / % ^ (and **), parentheses, unary signs,
// the constants pi and e, and the Math functions of one or more arguments. Nothing is executed as JavaScript.

const expressionFunctions: Record<string, (...args: number[]) => number> = {
  abs: Math.abs,
  acos: Math.acos,
  acosh: Math.acosh,
  asin: Math.asin,
  asinh: Math.asinh,
  atan: Math.atan,
  atan2: Math.atan2,
  atanh: Math.atanh,
  cbrt: Math.cbrt,
  ceil: Math.ceil,
  cos: Math.cos,
  cosh: Math.cosh,
  exp: Math.exp,
  floor: Math.floor,
  hypot: Math.hypot,
  ln: Math.log,
  log: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)),
  log10: Math.log10,
  log2: Math.log2,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  round: Math.round,
  sign: Math.sign,
  sin: Math.sin,
  sinh: Math.sinh,
  sqrt: Math.sqrt,
  tan: Math.tan,
  tanh: Math.tanh,
  trunc: Math.trunc,
};
const expressionConstants: Record<string, number> = { pi: Math.PI, e: Math.E };

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/%^(),]))/y;
  let position = 0;
  while (position < expression.length) {
    if (expression.slice(position).trim() === '') break;
    pattern.lastIndex = position;
    const match = pattern.exec(expression);
    if (!match) {
      const character = expression.slice(position).trimStart()[0];
      throw new Error(
        `unexpected character '${character}' in expression; use numbers, + - * / % ^, parentheses and functions such as sqrt(x)`,
      );
    }
    position = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'op', value: match[3] as string });
  }
  return tokens;
}

export function evaluateExpression(expression: string): number {
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new Error('the expression is empty; give one such as 2 * 3 + 7');
  let index = 0;
  const peek = () => tokens[index];
  const isOp = (value: string) => {
    const token = peek();
    return token?.kind === 'op' && token.value === value;
  };
  const expect = (value: string) => {
    if (!isOp(value)) throw new Error(`expected '${value}' in expression at token ${index + 1}`);
    index++;
  };

  // expression := term (('+' | '-') term)*
  const parseExpression = (): number => {
    let value = parseTerm();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[index++] as Token).value;
      const right = parseTerm();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };
  // term := unary (('*' | '/' | '%') unary)*
  const parseTerm = (): number => {
    let value = parseUnary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = (tokens[index++] as Token).value;
      const right = parseUnary();
      if ((op === '/' || op === '%') && right === 0) throw new Error('division by zero in expression');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  };
  // unary := ('+' | '-') unary | power
  const parseUnary = (): number => {
    if (isOp('-')) {
      index++;
      return -parseUnary();
    }
    if (isOp('+')) {
      index++;
      return parseUnary();
    }
    return parsePower();
  };
  // power := primary (('^' | '**') unary)?   (right-associative)
  const parsePower = (): number => {
    const base = parsePrimary();
    if (isOp('^') || isOp('**')) {
      index++;
      return base ** parseUnary();
    }
    return base;
  };
  const parsePrimary = (): number => {
    const token = peek();
    if (!token) throw new Error('the expression ends too early');
    if (token.kind === 'number') {
      index++;
      return token.value;
    }
    if (token.kind === 'name') {
      index++;
      const name = token.value.toLowerCase();
      if (isOp('(')) {
        const fn = Object.hasOwn(expressionFunctions, name) ? expressionFunctions[name] : undefined;
        if (!fn) throw new Error(`unknown function '${token.value}' in expression`);
        index++;
        const args: number[] = [];
        if (!isOp(')')) {
          args.push(parseExpression());
          while (isOp(',')) {
            index++;
            args.push(parseExpression());
          }
        }
        expect(')');
        return fn(...args);
      }
      const constant = Object.hasOwn(expressionConstants, name) ? expressionConstants[name] : undefined;
      if (constant === undefined) throw new Error(`unknown name '${token.value}' in expression`);
      return constant;
    }
    if (token.value === '(') {
      index++;
      const value = parseExpression();
      expect(')');
      return value;
    }
    throw new Error(`unexpected '${token.value}' in expression`);
  };

  const value = parseExpression();
  if (index < tokens.length) {
    const token = tokens[index] as Token;
    throw new Error(`unexpected '${token.value}' in expression after a complete value`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------

function extremum(kind: 'max' | 'min') {
  return action({
    display: {
      label: kind === 'max' ? 'Maximum' : 'Minimum',
      description: `Returns the ${kind === 'max' ? 'largest' : 'smallest'} of the numbers.`,
    },
    inputs: { numbers: numbersInput, dynamicNumbers: dynamicNumbersInput },
    perform: async (_context, params) => {
      const all = [
        ...numberList(params.numbers, 'numbers'),
        ...numberList(params.dynamicNumbers, 'dynamicNumbers'),
      ];
      if (all.length === 0)
        throw new Error(
          `${kind === 'max' ? 'Maximum' : 'Minimum'} needs at least one number in numbers or dynamicNumbers`,
        );
      return { data: kind === 'max' ? Math.max(...all) : Math.min(...all) };
    },
  });
}

function randomBetween(integer: boolean) {
  return action({
    display: {
      label: integer ? 'Random Integer' : 'Random Number',
      description: `Returns a pseudo-random ${integer ? 'integer' : 'number'} between min and max.`,
    },
    inputs: {
      min: input({
        label: 'Min',
        type: 'string',
        comments: integer
          ? 'The smallest integer that may be returned (inclusive); 0 when empty.'
          : 'The lower bound (inclusive); 0 when empty.',
      }),
      max: input({
        label: 'Max',
        type: 'string',
        comments: integer
          ? 'The largest integer that may be returned (inclusive); 100 when empty.'
          : 'The upper bound (exclusive); 1 when empty.',
      }),
    },
    perform: async (_context, params) => {
      if (integer) {
        const min = isBlank(params.min) ? 0 : toInteger(params.min, 'min');
        const max = isBlank(params.max) ? 100 : toInteger(params.max, 'max');
        if (min > max) throw new Error(`min (${min}) must not be greater than max (${max})`);
        return { data: min + Math.floor(Math.random() * (max - min + 1)) };
      }
      const min = toOptionalNumber(params.min, 'min', 0);
      const max = toOptionalNumber(params.max, 'max', 1);
      if (min > max) throw new Error(`min (${min}) must not be greater than max (${max})`);
      return { data: min + Math.random() * (max - min) };
    },
  });
}

export const mathComponent: Component = component({
  key: 'math',
  public: true,
  display: { label: 'Math', description: 'Arithmetic, Math functions and expression evaluation.' },
  actions: {
    ...Object.fromEntries(
      listActions.map(({ key, label, description, compute }) => [
        key,
        action({
          display: { label, description },
          inputs: { numbers: numbersInput },
          perform: async (_context, params) => {
            const numbers = numberList(params.numbers, 'numbers');
            return { data: finite(compute(numbers), `${key}(${numbers.join(', ')})`) };
          },
        }),
      ]),
    ),
    ...Object.fromEntries(
      unaryActions.map(([key, label, what, fn]) => [
        key,
        action({
          display: { label, description: `Returns ${what} of the input number.` },
          inputs: { number: numberInput },
          perform: async (_context, params) => {
            const number = toNumber(params.number, 'number');
            return { data: finite(fn(number), `${key}(${number})`) };
          },
        }),
      ]),
    ),
    evaluate: action({
      display: {
        label: 'Evaluate Expression',
        description: 'Evaluate a mathematical expression such as "2 * 3 + 7".',
      },
      inputs: {
        expression: input({
          label: 'Expression',
          type: 'string',
          comments:
            'An arithmetic expression: numbers, + - * / % ^, parentheses, pi, e and functions such as sqrt(x), round(x), max(a, b), log(x, base).',
        }),
      },
      perform: async (_context, params) => {
        if (typeof params.expression === 'number') return { data: params.expression };
        if (typeof params.expression !== 'string')
          throw new Error(
            `expression must be text such as 2 * 3 + 7; got ${describeValue(params.expression)}`,
          );
        return { data: finite(evaluateExpression(params.expression), `'${params.expression}'`) };
      },
    }),
    exp: action({
      display: { label: 'e^x', description: 'Returns e raised to the input exponent.' },
      inputs: {
        exponent: input({ label: 'Exponent', type: 'string', comments: 'The power to raise e to.' }),
      },
      perform: async (_context, params) => {
        const exponent = toNumber(params.exponent, 'exponent');
        return { data: finite(Math.exp(exponent), `e^${exponent}`) };
      },
    }),
    log: action({
      display: { label: 'Logarithm', description: 'Returns the logarithm of a number in the given base.' },
      inputs: {
        number: input({ label: 'Number', type: 'string', comments: 'The number (greater than 0).' }),
        exponentBase: input({
          label: 'Exponent Base',
          type: 'string',
          default: '10',
          comments: 'The base of the logarithm: a positive number other than 1, or e; 10 by default.',
        }),
      },
      perform: async (_context, params) => {
        const number = toNumber(params.number, 'number');
        const base =
          typeof params.exponentBase === 'string' && params.exponentBase.trim().toLowerCase() === 'e'
            ? Math.E
            : toOptionalNumber(params.exponentBase, 'exponentBase', 10);
        if (base <= 0 || base === 1)
          throw new Error(`exponentBase must be a positive number other than 1; got ${base}`);
        if (number <= 0)
          throw new Error(`the logarithm is defined for numbers greater than 0; got ${number}`);
        return { data: finite(Math.log(number) / Math.log(base), `log_${base}(${number})`) };
      },
    }),
    max: extremum('max'),
    min: extremum('min'),
    pow: action({
      display: { label: 'Power', description: 'Returns the base raised to the exponent.' },
      inputs: {
        base: input({ label: 'Base', type: 'string', comments: 'The number to raise.' }),
        exponent: input({ label: 'Exponent', type: 'string', comments: 'The power to raise the base to.' }),
      },
      perform: async (_context, params) => {
        const base = toNumber(params.base, 'base');
        const exponent = toNumber(params.exponent, 'exponent');
        return { data: finite(base ** exponent, `${base}^${exponent}`) };
      },
    }),
    randomInt: randomBetween(true),
    random: randomBetween(false),
  },
});
