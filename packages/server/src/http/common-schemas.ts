import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code; see docs/errors.md' }),
      message: Type.String({ description: 'What is wrong and what to do about it' }),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error answer has this shape' },
);

/**
 * The error answers every authenticated route can give, for the OpenAPI document. Typed as adding no answer: with
 * the TypeBox type provider, what a handler returns is then checked against its success schemas alone (errors are
 * thrown as WeftErrors, never returned).
 */
export function errorResponses(...statuses: number[]): Record<never, never> {
  const all = [400, 401, 403, ...statuses];
  return Object.fromEntries(all.map((status) => [status, Type.Ref('ErrorResponse')]));
}

/** A `$ref` to a named schema (one with an `$id`), typed as the schema it refers to: the document says `$ref`. */
export function refTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('Only a schema with an $id can be referred to');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** A 204 answer: no body (typed so that `reply.status(204).send()` needs no payload). */
export const NoContent = Type.Unsafe<undefined>(Type.Null());

export const DateTime = Type.String({ format: 'date-time' });
export const Uuid = Type.String({ format: 'uuid' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export function page<T extends TSchema>(item: T, name: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` to get the next page; null on the last page',
      }),
    },
    { $id: name },
  );
}

export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items per page' });
export const Cursor = Type.String({ maxLength: 500, description: 'nextCursor from the previous page' });
