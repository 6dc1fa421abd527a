import { type Static, Type } from '@sinclair/typebox';
import { refTo } from '../http/common-schemas.js';
import { orgRoles } from './roles.js';

/**
 * The request and answer shapes of the API tokens API. The types of what the store returns are derived from these
 * (`Static`), so the OpenAPI document and the code cannot drift apart.
 */

const Role = Type.Union(
  orgRoles.map((role) => Type.Literal(role)),
  { description: 'owner > admin > integrator > support > viewer' },
);

export const ApiToken = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    role: Role,
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ApiToken' },
);
export type ApiToken = Static<typeof ApiToken>;

export const CreatedToken = Type.Object({
  token: refTo(ApiToken),
  secret: Type.String({
    description: 'The token to send as `Authorization: Bearer <secret>`. Shown only this once.',
  }),
});
export type CreatedToken = Static<typeof CreatedToken>;

/** The answers of the routes. */
export const tokenAnswers = {
  token: refTo(ApiToken),
  created: CreatedToken,
  list: Type.Object({ items: Type.Array(refTo(ApiToken)) }),
};

export const TokenCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), role: Role },
  { additionalProperties: false },
);

export const TokenListQuery = Type.Object(
  { includeRevoked: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String() });
