// JSON Forms' Ajv compiles schemas with `new Function`, which the pages' CSP (no `unsafe-eval`) refuses; this gives
// JSON Forms what it uses of Ajv (`compile`, `validate`) from @cfworker/json-schema, which interprets schemas, with
// Ajv's error shape and wording, so that JSON Forms' inline messages land on the right controls.
import { dereference, type OutputUnit, type Schema, Validator } from '@cfworker/json-schema';

type Node = Record<string, unknown> | undefined;
type Wording = (value: unknown, names: string[]) => [string, Record<string, unknown>];

/** cfworker's errors that only say a subschema failed (its errors follow; so does a schema `dependencies`'s). */
const wrappers = new Set(
  `$ref $recursiveRef properties patternProperties additionalProperties unevaluatedProperties
  items prefixItems additionalItems unevaluatedItems allOf if dependentSchemas propertyNames`.split(/\s+/),
);
const own = (unit: OutputUnit) => !wrappers.has(unit.keyword) && !unit.error.endsWith('dependant schema.');
/** Ajv's message and params for a keyword, from its value in the schema (and the names cfworker quotes). */
const wordings: Record<string, Wording> = {
  required: (_, [missing]) => [`must have required property '${missing}'`, { missingProperty: missing }],
  dependencies: (_, [property, missingProperty]) => [
    `must have property ${missingProperty} when property ${property} is present`,
    { property, missingProperty },
  ],
  multipleOf: (multipleOf) => [`must be multiple of ${multipleOf}`, { multipleOf }],
  pattern: (pattern) => [`must match pattern "${pattern}"`, { pattern }],
  format: (format) => [`must match format "${format}"`, { format }],
  type: (type) => [`must be ${[type].flat().join(',')}`, { type: [type].flat().join(',') }],
  enum: (allowedValues) => ['must be equal to one of the allowed values', { allowedValues }],
  const: (allowedValue) => ['must be equal to constant', { allowedValue }],
  anyOf: () => ['must match a schema in anyOf', {}],
  oneOf: () => ['must match exactly one schema in oneOf', { passingSchemas: null }],
  not: () => ['must NOT be valid', {}],
  false: () => ['boolean schema is false', {}],
};
const comparisons = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' };
for (const [keyword, comparison] of Object.entries(comparisons))
  wordings[keyword] = (limit) => [`must be ${comparison} ${limit}`, { comparison, limit }];
const nouns = { Length: 'characters', Items: 'items', Properties: 'properties' };
for (const [what, noun] of Object.entries(nouns)) {
  wordings[`min${what}`] = (limit) => [`must NOT have fewer than ${limit} ${noun}`, { limit }];
  wordings[`max${what}`] = (limit) => [`must NOT have more than ${limit} ${noun}`, { limit }];
}

const drafts = { 'draft-04': '4', '2019-09': '2019-09', '2020-12': '2020-12' } as const;
const unescaped = (s: string) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~');
const segments = (pointer: string) => pointer.split('/').slice(1).map(unescaped);

/** One of cfworker's errors in Ajv's shape; `parent` is the schema holding the keyword (none for `false`). */
function ajvError(unit: OutputUnit, root: Schema, data: unknown) {
  const { keyword, error, keywordLocation } = unit; // a `false` error's keywordLocation is the instance's location
  let parent = (keyword === 'false' ? undefined : root) as Node;
  for (const s of keyword === 'false' ? [] : segments(keywordLocation).slice(0, -1))
    parent = (s === '$ref' ? dereference(root)[parent?.__absolute_ref__ as string] : parent?.[s]) as Node;
  const names = /"(.*?)"(?: but does not have "(.*)")?\.$/s.exec(error)?.slice(1) ?? [];
  const [message, params] = wordings[keyword]?.(parent?.[keyword], names) ?? [error, {}];
  const path = segments(unit.instanceLocation);
  return {
    instancePath: path.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''),
    schemaPath: keywordLocation,
    keyword: keyword === 'false' ? 'false schema' : keyword,
    params,
    message,
    parentSchema: parent,
    data: path.reduce<unknown>((node, s) => (node as Node)?.[s], data),
  };
}
export type SchemaError = ReturnType<typeof ajvError>;

/** What JSON Forms uses of Ajv (`compile` for validation and `oneOf`s, `validate` for rule conditions). */
export const interpretingAjv = {
  compile(schema: unknown) {
    const uri = String((schema as Node)?.$schema); // JSON Forms' schemas are draft-07 style
    const draft = Object.entries(drafts).find(([name]) => uri.includes(name))?.[1] ?? '7';
    const validator = new Validator(schema as Schema, draft, false);
    function check(data: unknown): boolean {
      // Ajv takes an `undefined` property for an absent one; cfworker refuses `undefined`: it is given the JSON.
      const json = data === undefined ? null : JSON.parse(JSON.stringify(data));
      const errors = validator.validate(json).errors.filter(own);
      check.errors = errors.length > 0 ? errors.map((unit) => ajvError(unit, schema as Schema, json)) : null;
      return errors.length === 0;
    }
    check.errors = null as SchemaError[] | null;
    check.schema = schema;
    return check;
  },
  validate(schema: unknown, data: unknown): boolean {
    const check = interpretingAjv.compile(schema);
    const valid = check(data);
    interpretingAjv.errors = check.errors;
    return valid;
  },
  errors: null as SchemaError[] | null,
};
