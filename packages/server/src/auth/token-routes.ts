import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { tokenNotFound, WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import { orgCallerOf } from './caller.js';
import { canGrantRole } from './roles.js';
import {
  ApiToken,
  IdParams,
  MyTokenCreate,
  TokenCreate,
  TokenListQuery,
  tokenAnswers,
} from './token-schemas.js';
import { createApiToken, listApiTokens, revokeApiToken, tokenOwnerFor } from './token-store.js';

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
          description:
            'A token made by a signed-in user (or with forMe, or for userId) belongs to that user: it acts as them, with at most their role, and is deleted with them. userId: null makes a token of the organization. A token for another user needs a caller at or above their role; for another user of your own role (an admin for another admin), owners only.',
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
        const userId = await tokenOwnerFor(db, caller, request.body);
        const created = await createApiToken(db, {
          orgId: caller.orgId,
          name: request.body.name.trim(),
          role: request.body.role,
          createdByTokenId: caller.tokenId,
          userId,
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
        if (!isUuid(id)) throw tokenNotFound(id);
        return revokeApiToken(db, orgCallerOf(request), id);
      },
    );

    // A user's own tokens (`weft login` makes one): every user may make, list and revoke theirs, whatever their
    // role; a token never does more than its user may.
    const mine = { permission: 'users:read' } as const;
    const myTags = ['tokens', 'users'];
    const callerUserId = (request: Parameters<typeof orgCallerOf>[0]) => {
      const caller = orgCallerOf(request);
      if (!caller.userId) {
        throw new WeftError(
          'TOKEN_OWNER_INVALID',
          'This request came with a token that belongs to no user; /api/users/me/tokens is for signed-in users and their tokens.',
        );
      }
      return { caller, userId: caller.userId };
    };

    app.post(
      '/users/me/tokens',
      {
        config: mine,
        schema: {
          tags: myTags,
          summary: 'Create an API token of my own',
          description:
            'The token belongs to the calling user: it acts as them, with at most their role (the default), and is deleted with them.',
          body: MyTokenCreate,
          response: { 201: answers.created, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const { caller, userId } = callerUserId(request);
        const role = request.body.role ?? caller.role;
        if (!canGrantRole(caller.role, role)) {
          throw new WeftError(
            'TOKEN_ROLE_NOT_GRANTABLE',
            `A user with role '${caller.role}' cannot create a token with role '${role}'.`,
            { field: 'role' },
          );
        }
        const created = await createApiToken(db, {
          orgId: caller.orgId,
          name: request.body.name.trim(),
          role,
          createdByTokenId: caller.tokenId,
          userId,
        });
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/users/me/tokens',
      {
        config: mine,
        schema: {
          tags: myTags,
          summary: 'List my API tokens',
          querystring: TokenListQuery,
          response: { 200: answers.list, ...errorResponses() },
        },
      },
      async (request) => {
        const { caller, userId } = callerUserId(request);
        return {
          items: await listApiTokens(db, caller.orgId, request.query.includeRevoked ?? false, { userId }),
        };
      },
    );

    app.delete(
      '/users/me/tokens/:id',
      {
        config: mine,
        schema: {
          tags: myTags,
          summary: 'Revoke one of my API tokens',
          description: 'The token stops working at once (`weft logout`). Answers with the revoked token.',
          params: IdParams,
          response: { 200: answers.token, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const { caller, userId } = callerUserId(request);
        const { id } = request.params;
        if (!isUuid(id)) throw tokenNotFound(id);
        // Revoking one's own token needs no role above it: the caller acts as its owner.
        return revokeApiToken(db, { ...caller, role: 'owner' }, id, { ownedBy: userId });
      },
    );
  };
}
