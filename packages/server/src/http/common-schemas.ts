import { type TSchema, Type } from '@sinclair/typebox';

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

/** The error answers every authenticated route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const all = [400, 401, 403, ...statuses];
  return Object.fromEntries(all.map((status) => [status, Type.Ref('ErrorResponse')]));
}

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
