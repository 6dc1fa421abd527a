import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { type Permission, permissions, roleAllows } from './roles.js';
import { authenticateToken, type Caller } from './token-store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs. Routes under /api without one are refused: access is opt-in, never default. */
    permission?: Permission;
    /** Marks the few /api routes anyone may read (the OpenAPI document and its viewer). */
    public?: boolean;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The caller of an authenticated route. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new WeftError('AUTH_TOKEN_MISSING', 'This request has no API token.');
  return request.caller;
}

/**
 * Every /api route needs a bearer token of the caller's organization, and the role the route's permission
 * names. Checked in one hook so a route cannot forget it.
 */
export function installAuthentication(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions;
    // Decide on the matched route template, not the raw URL: '/%61pi/customers' routes to '/api/customers'.
    if (route.url === undefined || !route.url.startsWith('/api/') || route.config.public) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new WeftError(
        'AUTH_TOKEN_MISSING',
        header
          ? "The Authorization header is not of the form 'Bearer <token>'."
          : 'This request has no API token.',
      );
    }
    const caller = await authenticateToken(db, match[1]);
    request.caller = caller;
    request.log = request.log.child({ orgId: caller.orgId, tokenId: caller.tokenId });
    const permission = route.config.permission;
    if (!permission || !roleAllows(caller.role, permission)) {
      const allowedRoles = permission ? [...permissions[permission]] : [];
      throw new WeftError(
        'AUTH_FORBIDDEN',
        `A token with role '${caller.role}' may not ${request.method} ${route.url}.`,
        {
          role: caller.role,
          permission: permission ?? null,
          allowedRoles,
        },
      );
    }
  });
}
