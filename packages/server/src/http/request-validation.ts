import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';

/**
 * Two validators: bodies are checked strictly (a number sent as "5" is an error, unknown fields are errors, never
 * silently dropped), while query strings and path parameters, which are text on the wire, are coerced to the
 * declared types.
 *
 * Installed as the schema controller's validator factory rather than with `setValidatorCompiler`, because a
 * plugin calling `addSchema` gets a fresh controller that would otherwise fall back to Fastify's lenient default.
 */
const common = {
  allErrors: true,
  verbose: true,
  removeAdditional: false,
  useDefaults: true,
  strict: false,
} as const;

type AjvInstance = InstanceType<typeof Ajv.default>;
let shared: { strict: AjvInstance; coercing: AjvInstance } | undefined;

/**
 * One strict and one coercing Ajv for the whole process. Fastify asks for a validator once per plugin that adds
 * schemas (about 150 times per server); a new Ajv each time compiled Ajv's own meta-schema again each time, which
 * was most of a server's start-up. Shared schemas are Weft's own, the same under one `$id` wherever they are added,
 * so the first one added stands.
 */
function sharedValidators(): { strict: AjvInstance; coercing: AjvInstance } {
  if (!shared) {
    shared = {
      strict: new Ajv.default({ ...common, coerceTypes: false }),
      coercing: new Ajv.default({ ...common, coerceTypes: 'array' }),
    };
    addFormats.default(shared.strict);
    addFormats.default(shared.coercing);
  }
  return shared;
}

export const requestValidation: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: (externalSchemas: unknown) => {
      const { strict, coercing } = sharedValidators();
      for (const ajv of [strict, coercing]) {
        for (const [id, schema] of Object.entries(externalSchemas as Record<string, object>)) {
          // Looked up, not `getSchema` (which would compile it before the schemas it refers to are added).
          if (!(id in ajv.schemas) && !(id in ajv.refs)) ajv.addSchema(schema, id);
        }
      }
      return (({ schema, httpPart }: { schema: object; httpPart?: string }) =>
        httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema)) as never;
    },
  },
};
