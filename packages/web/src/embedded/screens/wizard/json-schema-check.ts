/**
 * A JSON Schema validator that interprets schemas instead of compiling them to code, for JSON Forms under the
 * embedded pages' CSP (`script-src 'self'`, no `unsafe-eval`): Ajv, JSON Forms' own, builds each validator with
 * `new Function`, which the CSP refuses — a form with a rule (`condition.schema`) or a `oneOf` would throw. It
 * answers what JSON Forms asks of Ajv (`compile`, `validate`) with Ajv's error shape, so JSON Forms can show its
 * inline messages. It covers the keywords forms use (draft 4 to 2020-12): types, enum/const, numbers, strings and
 * formats, arrays, objects, allOf/anyOf/oneOf/not, if/then/else and local `$ref`s; unknown keywords are ignored.
 */

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
  schema?: unknown;
  parentSchema?: Schema;
  data?: unknown;
}

type Schema = Record<string, unknown> | boolean;

export type ValidateFunction = ((data: unknown) => boolean) & {
  errors: SchemaError[] | null;
  schema: Schema;
};

const formats: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  time: /^([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/i,
  'date-time':
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/i,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z\d+.-]*:[^\s]*$/i,
  'uri-reference': /^[^\s]*$/,
  uuid: /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  hostname: /^(?=.{1,253}$)([a-z\d]([a-z\d-]{0,61}[a-z\d])?)(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i,
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => equal(item, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => equal(left[key], right[key]));
}

const escapePointer = (segment: string | number) => String(segment).replace(/~/g, '~0').replace(/\//g, '~1');

/** A local reference (`#/definitions/x`, `#/$defs/x`, `#`) inside the root schema. */
function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return isObject(node) || typeof node === 'boolean' ? node : undefined;
}

class Checker {
  errors: SchemaError[] = [];
  private depth = 0;

  constructor(private readonly root: Schema) {}

  check(schema: Schema, data: unknown, instancePath: string, schemaPath: string): boolean {
    if (schema === true) return true;
    if (schema === false) {
      this.add(instancePath, schemaPath, 'false schema', {}, 'boolean schema is false', {}, data);
      return false;
    }
    if (!isObject(schema)) return true;
    if (this.depth > 64) return true; // a cycle of $refs: stop rather than overflow
    const before = this.errors.length;
    const fail = (keyword: string, params: Record<string, unknown>, message: string) =>
      this.add(
        instancePath,
        `${schemaPath}/${keyword}`,
        keyword,
        params,
        message,
        schema,
        data,
        schema[keyword],
      );

    if (typeof schema.$ref === 'string') {
      const target = resolveRef(this.root, schema.$ref);
      if (target !== undefined) {
        this.depth += 1;
        this.check(target, data, instancePath, schema.$ref);
        this.depth -= 1;
      }
    }

    const types = Array.isArray(schema.type)
      ? (schema.type as string[])
      : schema.type
        ? [schema.type as string]
        : [];
    if (types.length > 0 && !types.some((type) => matchesType(data, type))) {
      fail('type', { type: types.join(',') }, `must be ${types.join(',')}`);
      return false;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => equal(allowed, data))) {
      fail('enum', { allowedValues: schema.enum }, 'must be equal to one of the allowed values');
    }
    if ('const' in schema && !equal(schema.const, data)) {
      fail('const', { allowedValue: schema.const }, 'must be equal to constant');
    }

    if (typeof data === 'number') this.numbers(schema, data, fail);
    if (typeof data === 'string') this.strings(schema, data, fail);
    if (Array.isArray(data)) this.arrays(schema, data, instancePath, schemaPath, fail);
    if (isObject(data)) this.objects(schema, data, instancePath, schemaPath, fail);

    if (Array.isArray(schema.allOf)) {
      schema.allOf.forEach((sub, index) => {
        this.check(sub as Schema, data, instancePath, `${schemaPath}/allOf/${index}`);
      });
    }
    if (Array.isArray(schema.anyOf)) {
      const passing = this.passing(schema.anyOf as Schema[], data, instancePath, `${schemaPath}/anyOf`);
      if (passing.length === 0) fail('anyOf', {}, 'must match a schema in anyOf');
    }
    if (Array.isArray(schema.oneOf)) {
      const passing = this.passing(schema.oneOf as Schema[], data, instancePath, `${schemaPath}/oneOf`);
      if (passing.length !== 1) {
        fail(
          'oneOf',
          { passingSchemas: passing.length > 1 ? passing : null },
          'must match exactly one schema in oneOf',
        );
      }
    }
    if (schema.not !== undefined && this.quietly(schema.not as Schema, data)) {
      fail('not', {}, 'must NOT be valid');
    }
    if (schema.if !== undefined) {
      const branch = this.quietly(schema.if as Schema, data) ? 'then' : 'else';
      const next = schema[branch];
      if (next !== undefined && !this.check(next as Schema, data, instancePath, `${schemaPath}/${branch}`)) {
        fail('if', { failingKeyword: branch }, `must match "${branch}" schema`);
      }
    }
    return this.errors.length === before;
  }

  private numbers(
    schema: Record<string, unknown>,
    data: number,
    fail: (k: string, p: Record<string, unknown>, m: string) => void,
  ) {
    const limit = (keyword: string, comparison: string, ok: boolean, value: unknown) => {
      if (!ok) fail(keyword, { comparison, limit: value }, `must be ${comparison} ${value}`);
    };
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
    if (typeof minimum === 'number') {
      if (exclusiveMinimum === true) limit('exclusiveMinimum', '>', data > minimum, minimum);
      else limit('minimum', '>=', data >= minimum, minimum);
    }
    if (typeof maximum === 'number') {
      if (exclusiveMaximum === true) limit('exclusiveMaximum', '<', data < maximum, maximum);
      else limit('maximum', '<=', data <= maximum, maximum);
    }
    if (typeof exclusiveMinimum === 'number')
      limit('exclusiveMinimum', '>', data > exclusiveMinimum, exclusiveMinimum);
    if (typeof exclusiveMaximum === 'number')
      limit('exclusiveMaximum', '<', data < exclusiveMaximum, exclusiveMaximum);
    if (typeof multipleOf === 'number' && multipleOf > 0) {
      const quotient = data / multipleOf;
      if (Math.abs(quotient - Math.round(quotient)) > 1e-9) {
        fail('multipleOf', { multipleOf }, `must be multiple of ${multipleOf}`);
      }
    }
  }

  private strings(
    schema: Record<string, unknown>,
    data: string,
    fail: (k: string, p: Record<string, unknown>, m: string) => void,
  ) {
    const length = [...data].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      fail(
        'minLength',
        { limit: schema.minLength },
        `must NOT have fewer than ${schema.minLength} characters`,
      );
    }
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
      fail(
        'maxLength',
        { limit: schema.maxLength },
        `must NOT have more than ${schema.maxLength} characters`,
      );
    }
    if (typeof schema.pattern === 'string') {
      let pattern: RegExp | undefined;
      try {
        pattern = new RegExp(schema.pattern, 'u');
      } catch {
        pattern = undefined; // a pattern JavaScript cannot read is not the customer's problem
      }
      if (pattern && !pattern.test(data)) {
        fail('pattern', { pattern: schema.pattern }, `must match pattern "${schema.pattern}"`);
      }
    }
    if (typeof schema.format === 'string') {
      const format = formats[schema.format];
      if (format && !format.test(data)) {
        fail('format', { format: schema.format }, `must match format "${schema.format}"`);
      }
    }
  }

  private arrays(
    schema: Record<string, unknown>,
    data: unknown[],
    instancePath: string,
    schemaPath: string,
    fail: (k: string, p: Record<string, unknown>, m: string) => void,
  ) {
    if (typeof schema.minItems === 'number' && data.length < schema.minItems) {
      fail('minItems', { limit: schema.minItems }, `must NOT have fewer than ${schema.minItems} items`);
    }
    if (typeof schema.maxItems === 'number' && data.length > schema.maxItems) {
      fail('maxItems', { limit: schema.maxItems }, `must NOT have more than ${schema.maxItems} items`);
    }
    if (schema.uniqueItems === true) {
      for (let i = 0; i < data.length; i += 1) {
        const j = data.findIndex((other, at) => at > i && equal(other, data[i]));
        if (j >= 0) {
          fail(
            'uniqueItems',
            { i, j },
            `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
          );
          break;
        }
      }
    }
    const tuple = Array.isArray(schema.prefixItems)
      ? (schema.prefixItems as Schema[])
      : Array.isArray(schema.items)
        ? (schema.items as Schema[])
        : [];
    const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
    data.forEach((item, index) => {
      const path = `${instancePath}/${index}`;
      if (index < tuple.length)
        this.check(tuple[index] as Schema, item, path, `${schemaPath}/items/${index}`);
      else if (rest !== undefined) this.check(rest as Schema, item, path, `${schemaPath}/items`);
    });
    if (
      schema.contains !== undefined &&
      !data.some((item) => this.quietly(schema.contains as Schema, item))
    ) {
      fail('contains', { minContains: 1 }, 'must contain at least 1 valid item(s)');
    }
  }

  private objects(
    schema: Record<string, unknown>,
    data: Record<string, unknown>,
    instancePath: string,
    schemaPath: string,
    fail: (k: string, p: Record<string, unknown>, m: string) => void,
  ) {
    if (Array.isArray(schema.required)) {
      for (const name of schema.required as string[]) {
        if (data[name] === undefined) {
          fail('required', { missingProperty: name }, `must have required property '${name}'`);
        }
      }
    }
    const keys = Object.keys(data);
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) {
      fail(
        'minProperties',
        { limit: schema.minProperties },
        `must NOT have fewer than ${schema.minProperties} properties`,
      );
    }
    if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) {
      fail(
        'maxProperties',
        { limit: schema.maxProperties },
        `must NOT have more than ${schema.maxProperties} properties`,
      );
    }
    const properties = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    const patterns = isObject(schema.patternProperties)
      ? Object.entries(schema.patternProperties as Record<string, Schema>).flatMap(([source, sub]) => {
          try {
            return [[new RegExp(source, 'u'), sub, source] as const];
          } catch {
            return [];
          }
        })
      : [];
    for (const key of keys) {
      const value = data[key];
      if (value === undefined) continue;
      const path = `${instancePath}/${escapePointer(key)}`;
      let known = false;
      if (Object.hasOwn(properties, key)) {
        known = true;
        this.check(properties[key] as Schema, value, path, `${schemaPath}/properties/${escapePointer(key)}`);
      }
      for (const [pattern, sub, source] of patterns) {
        if (pattern.test(key)) {
          known = true;
          this.check(sub, value, path, `${schemaPath}/patternProperties/${escapePointer(source)}`);
        }
      }
      if (!known && schema.additionalProperties !== undefined) {
        if (schema.additionalProperties === false) {
          fail('additionalProperties', { additionalProperty: key }, 'must NOT have additional properties');
        } else {
          this.check(
            schema.additionalProperties as Schema,
            value,
            path,
            `${schemaPath}/additionalProperties`,
          );
        }
      }
    }
    const dependencies = isObject(schema.dependentRequired)
      ? schema.dependentRequired
      : isObject(schema.dependencies)
        ? schema.dependencies
        : {};
    for (const [key, needs] of Object.entries(dependencies)) {
      if (data[key] === undefined) continue;
      if (Array.isArray(needs)) {
        for (const name of needs as string[]) {
          if (data[name] === undefined) {
            fail(
              'dependencies',
              { property: key, missingProperty: name, depsCount: needs.length, deps: needs.join(', ') },
              `must have property ${name} when property ${key} is present`,
            );
          }
        }
      } else
        this.check(needs as Schema, data, instancePath, `${schemaPath}/dependencies/${escapePointer(key)}`);
    }
  }

  /** The indexes of the subschemas `data` is valid against; their errors are kept only when none is. */
  private passing(schemas: Schema[], data: unknown, instancePath: string, schemaPath: string): number[] {
    const before = this.errors.length;
    const passing: number[] = [];
    schemas.forEach((sub, index) => {
      if (this.check(sub, data, instancePath, `${schemaPath}/${index}`)) passing.push(index);
    });
    if (passing.length > 0) this.errors.length = before;
    return passing;
  }

  /** Whether `data` is valid, without keeping any error. */
  private quietly(schema: Schema, data: unknown): boolean {
    const before = this.errors.length;
    const valid = this.check(schema, data, '', '');
    this.errors.length = before;
    return valid;
  }

  private add(
    instancePath: string,
    schemaPath: string,
    keyword: string,
    params: Record<string, unknown>,
    message: string,
    parentSchema: Schema,
    data: unknown,
    schema?: unknown,
  ) {
    this.errors.push({
      instancePath,
      schemaPath: `#${schemaPath}`,
      keyword,
      params,
      message,
      schema,
      parentSchema,
      data,
    });
  }
}

/** Validates `data` against `schema`; answers the errors (empty when valid). */
export function checkSchema(schema: unknown, data: unknown): SchemaError[] {
  const root = isObject(schema) || typeof schema === 'boolean' ? schema : true;
  const checker = new Checker(root);
  checker.check(root, data, '', '');
  return checker.errors;
}

/** What JSON Forms uses of Ajv (`compile` for validation and `oneOf`s, `validate` for rule conditions). */
export const interpretingAjv = {
  compile(schema: unknown): ValidateFunction {
    const validate = ((data: unknown) => {
      const errors = checkSchema(schema, data);
      validate.errors = errors.length > 0 ? errors : null;
      return errors.length === 0;
    }) as ValidateFunction;
    validate.errors = null;
    validate.schema = (isObject(schema) || typeof schema === 'boolean' ? schema : true) as Schema;
    return validate;
  },
  validate(schema: unknown, data: unknown): boolean {
    const errors = checkSchema(schema, data);
    interpretingAjv.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  },
  errors: null as SchemaError[] | null,
};
