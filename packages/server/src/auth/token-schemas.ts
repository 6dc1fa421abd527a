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
    owner: Type.Union(
      [
        Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String(), name: Type.String() }),
        Type.Null(),
      ],
      {
        description:
          'The user the token belongs to (it acts as them, at most with their role); null: the organization’s',
      },
    ),
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

const TokenName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const TokenCreate = Type.Object(
  {
    name: TokenName,
    role: Role,
    forMe: Type.Optional(
      Type.Boolean({
        description: 'The token belongs to the calling user (the default when signed in as a user)',
      }),
    ),
    userId: Type.Optional(
      Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description: 'The user the token belongs to; null: the organization’s (survives any user)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TokenCreate = Static<typeof TokenCreate>;

export const MyTokenCreate = Type.Object(
  {
    name: TokenName,
    role: Type.Optional(Role),
  },
  { additionalProperties: false, description: 'role: at most your own (the default)' },
);

export const TokenListQuery = Type.Object(
  { includeRevoked: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String() });
