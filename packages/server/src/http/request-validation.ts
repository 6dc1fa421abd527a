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
export const requestValidation: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: (externalSchemas: unknown) => {
      const common = {
        allErrors: true,
        verbose: true,
        removeAdditional: false,
        useDefaults: true,
        strict: false,
      } as const;
      const strict = new Ajv.default({ ...common, coerceTypes: false });
      const coercing = new Ajv.default({ ...common, coerceTypes: 'array' });
      for (const ajv of [strict, coercing]) {
        addFormats.default(ajv);
        for (const schema of Object.values(externalSchemas as Record<string, object>)) ajv.addSchema(schema);
      }
      return (({ schema, httpPart }: { schema: object; httpPart?: string }) =>
        httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema)) as never;
    },
  },
};
