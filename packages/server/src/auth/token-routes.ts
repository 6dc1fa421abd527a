import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { tokenNotFound, WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import { callerOf } from './authenticate.js';
import { canGrantRole, orgRoles } from './roles.js';
import { createApiToken, listApiTokens, revokeApiToken } from './token-store.js';

const Role = Type.Union(
  orgRoles.map((role) => Type.Literal(role)),
  { description: 'owner > admin > integrator > support > viewer' },
);

const ApiToken = Type.Object(
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

const TokenCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), role: Role },
  { additionalProperties: false },
);

const CreatedToken = Type.Object({
  token: Type.Ref('ApiToken'),
  secret: Type.String({
    description: 'The token to send as `Authorization: Bearer <secret>`. Shown only this once.',
  }),
});

/** `/api/tokens`: the organization's API tokens. Secrets are shown once, at creation, and stored only as hashes. */
export function tokenRoutes(db: Kysely<Database>) {
  return async function tokenRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(ApiToken);
    const tags = ['tokens'];

    app.post<{ Body: Static<typeof TokenCreate> }>(
      '/tokens',
      {
        config: { permission: 'tokens:write' },
        schema: {
          tags,
          summary: 'Create an API token',
          body: TokenCreate,
          response: { 201: CreatedToken, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        if (!canGrantRole(caller.role, request.body.role)) {
          throw new WeftError(
            'TOKEN_ROLE_NOT_GRANTABLE',
            `A token with role '${caller.role}' cannot create a token with role '${request.body.role}'.`,
            { field: 'role' },
          );
        }
        const created = await createApiToken(db, {
          orgId: caller.orgId,
          name: request.body.name.trim(),
          role: request.body.role,
          createdByTokenId: caller.tokenId,
        });
        return reply.status(201).send(created);
      },
    );

    app.get<{ Querystring: { includeRevoked?: boolean } }>(
      '/tokens',
      {
        config: { permission: 'tokens:read' },
        schema: {
          tags,
          summary: 'List API tokens',
          querystring: Type.Object(
            { includeRevoked: Type.Optional(Type.Boolean({ default: false })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Type.Ref('ApiToken')) }), ...errorResponses() },
        },
      },
      async (request) => ({
        items: await listApiTokens(db, callerOf(request).orgId, request.query.includeRevoked ?? false),
      }),
    );

    app.delete<{ Params: { id: string } }>(
      '/tokens/:id',
      {
        config: { permission: 'tokens:write' },
        schema: {
          tags,
          summary: 'Revoke an API token',
          description: 'The token stops working at once. Answers with the revoked token.',
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Ref('ApiToken'), ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
          throw tokenNotFound(id);
        return revokeApiToken(db, callerOf(request), id);
      },
    );
  };
}
