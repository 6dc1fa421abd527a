import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { Caller } from './caller.js';
import { type CustomerScopeRule, confineToCustomer } from './customer-scope.js';
import { authenticateEmbeddedUser, looksLikeJwt } from './embedded-sign-in.js';
import {
  type CustomerRole,
  customerPermissions,
  customerRoleAllows,
  type Permission,
  permissions,
  roleAllows,
} from './roles.js';
import { authenticateSession, csrfTokenFor, sessionCookieName } from './session-store.js';
import { authenticateToken } from './token-store.js';

export { callerOf, customerScopeOf, orgCallerOf } from './caller.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs. Routes under /api without one are refused: access is opt-in, never default. */
    permission?: Permission;
    /** Marks the few /api routes anyone may read or call unauthenticated (the OpenAPI document, sign-in). */
    public?: boolean;
    /** How a customer caller is confined on this route; without it, the route is for the organization's team. */
    customerScope?: CustomerScopeRule;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The credential a request presents: a bearer (API token or embedded JWT), else the session cookie. */
async function callerFrom(db: Kysely<Database>, request: FastifyRequest): Promise<Caller> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new WeftError(
        'AUTH_TOKEN_MISSING',
        "The Authorization header is not of the form 'Bearer <token>'.",
      );
    }
    const bearer = match[1];
    return looksLikeJwt(bearer) ? authenticateEmbeddedUser(db, bearer) : authenticateToken(db, bearer);
  }
  const sessionSecret = request.cookies?.[sessionCookieName];
  if (sessionSecret) {
    const caller = await authenticateSession(db, sessionSecret);
    // A cookie rides along on cross-site requests; a header it cannot read does not. SameSite already stops most
    // of them, the CSRF token stops the rest (and old browsers).
    if (!safeMethods.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      const expected = Buffer.from(csrfTokenFor(sessionSecret));
      const given = Buffer.from(typeof presented === 'string' ? presented : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new WeftError(
          'AUTH_CSRF_TOKEN_INVALID',
          presented
            ? 'The X-CSRF-Token header does not match this session.'
            : 'A request signed in by cookie must send the X-CSRF-Token header to change anything.',
        );
      }
    }
    return caller;
  }
  throw new WeftError(
    'AUTH_TOKEN_MISSING',
    'This request has no credentials: send Authorization: Bearer <API token or embedded JWT>, or sign in.',
  );
}

function refuseCustomer(
  request: FastifyRequest,
  role: CustomerRole,
  permission: Permission | undefined,
): never {
  const route = request.routeOptions;
  if (!route.config.customerScope || !permission || customerPermissions[permission] === undefined) {
    throw new WeftError(
      'AUTH_ORGANIZATION_ONLY',
      `${request.method} ${route.url} is for the organization's team; a customer user may not use it.`,
    );
  }
  throw new WeftError(
    'AUTH_FORBIDDEN',
    `A customer user with role '${role}' may not ${request.method} ${route.url}.`,
    { role, permission, allowedRoles: [...(customerPermissions[permission] ?? [])] },
  );
}

/**
 * Every /api route needs a caller of the route's organization holding the permission the route names, and a
 * customer caller only reaches routes that say how it is confined, and only its own customer's things. Decided in
 * one hook, before any handler runs, so a route cannot forget it.
 */
export function installAuthentication(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions;
    // Decide on the matched route template, not the raw URL: '/%61pi/customers' routes to '/api/customers'.
    if (route.url === undefined || !route.url.startsWith('/api/') || route.config.public) return;
    const caller = await callerFrom(db, request);
    request.caller = caller;
    const permission = route.config.permission;
    if (caller.kind === 'customer') {
      request.log = request.log.child({
        orgId: caller.orgId,
        customerId: caller.customerId,
        customerUserId: caller.customerUserId,
      });
      const scope = route.config.customerScope;
      if (!scope || !permission || !customerRoleAllows(caller.role, permission)) {
        refuseCustomer(request, caller.role, permission);
      }
      await confineToCustomer(db, request, caller, scope);
      return;
    }
    request.log = request.log.child({ orgId: caller.orgId, tokenId: caller.tokenId, userId: caller.userId });
    if (!permission || !roleAllows(caller.role, permission)) {
      const allowedRoles = permission ? [...permissions[permission]] : [];
      throw new WeftError(
        'AUTH_FORBIDDEN',
        `A caller with role '${caller.role}' may not ${request.method} ${route.url}.`,
        { role: caller.role, permission: permission ?? null, allowedRoles },
      );
    }
  });
}
