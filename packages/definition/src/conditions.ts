/**
 * The operators of branch conditions (`branchOnExpression`): an expression is `[booleanOperator, ...expressions]`
 * or `[termOperator, left, right?]`. The engine evaluates exactly these; validation checks their arity.
 */
export const booleanOperators = ['and', 'or'] as const;
export const unaryOperators = [
  'isTrue',
  'isFalse',
  'exists',
  'doesNotExist',
  'isEmpty',
  'isNotEmpty',
] as const;
export const binaryOperators = [
  'equal',
  'notEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'lessThan',
  'lessThanOrEqual',
  'in',
  'notIn',
  'exactlyMatches',
  'doesNotExactlyMatch',
  'startsWith',
  'doesNotStartWith',
  'endsWith',
  'doesNotEndWith',
  'dateTimeAfter',
  'dateTimeBefore',
  'dateTimeSame',
] as const;

export type BooleanOperator = (typeof booleanOperators)[number];
export type UnaryOperator = (typeof unaryOperators)[number];
export type BinaryOperator = (typeof binaryOperators)[number];
export type ConditionOperator = BooleanOperator | UnaryOperator | BinaryOperator;

export const conditionOperators: readonly ConditionOperator[] = [
  ...booleanOperators,
  ...unaryOperators,
  ...binaryOperators,
];

export function operatorArity(operator: string): 'boolean' | 1 | 2 | undefined {
  if ((booleanOperators as readonly string[]).includes(operator)) return 'boolean';
  if ((unaryOperators as readonly string[]).includes(operator)) return 1;
  if ((binaryOperators as readonly string[]).includes(operator)) return 2;
  return undefined;
}
