import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { tokenNotFound, WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import { orgCallerOf } from './caller.js';
import { canGrantRole } from './roles.js';
import { ApiToken, IdParams, TokenCreate, TokenListQuery, tokenAnswers } from './token-schemas.js';
import { createApiToken, listApiTokens, revokeApiToken } from './token-store.js';

/** `/api/tokens`: the organization's API tokens. Secrets are shown once, at creation, and stored only as hashes. */
export function tokenRoutes(db: Kysely<Database>) {
  return async function tokenRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(ApiToken);
    const answers = tokenAnswers;
    const tags = ['tokens'];

    app.post(
      '/tokens',
      {
        config: { permission: 'tokens:write' },
        schema: {
          tags,
          summary: 'Create an API token',
          body: TokenCreate,
          response: { 201: answers.created, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const caller = orgCallerOf(request);
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

    app.get(
      '/tokens',
      {
        config: { permission: 'tokens:read' },
        schema: {
          tags,
          summary: 'List API tokens',
          querystring: TokenListQuery,
          response: { 200: answers.list, ...errorResponses() },
        },
      },
      async (request) => ({
        items: await listApiTokens(db, orgCallerOf(request).orgId, request.query.includeRevoked ?? false),
      }),
    );

    app.delete(
      '/tokens/:id',
      {
        config: { permission: 'tokens:write' },
        schema: {
          tags,
          summary: 'Revoke an API token',
          description: 'The token stops working at once. Answers with the revoked token.',
          params: IdParams,
          response: { 200: answers.token, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
          throw tokenNotFound(id);
        return revokeApiToken(db, orgCallerOf(request), id);
      },
    );
  };
}
