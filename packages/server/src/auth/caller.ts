import type { FastifyRequest } from 'fastify';
import { WeftError } from '../errors.js';
import type { CustomerRole, OrgRole } from './roles.js';

/**
 * Who is calling, decided once per request by the authentication hook before any handler runs. An organization
 * caller sees its whole organization; a customer caller sees only its customer's instances, executions, logs and
 * connections (the hook answers 404 for anything else, see customer-scope.ts).
 */
export type Caller = OrganizationCaller | CustomerCaller;

export interface OrganizationCaller {
  kind: 'organization';
  orgId: string;
  role: OrgRole;
  /** The API token presented, if the request came with one. */
  tokenId: string | null;
  /** The organization user behind the request: their session, or a token they own. Null for tokens of nobody. */
  userId: string | null;
  /** The session, when the request was authenticated by the session cookie. */
  sessionId: string | null;
  /** How the audit log names this caller: the user's email, or the token's name. */
  actorName: string;
}

export interface CustomerCaller {
  kind: 'customer';
  orgId: string;
  customerId: string;
  customerUserId: string;
  role: CustomerRole;
  /** Customer callers never hold an API token. */
  tokenId: null;
  actorName: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The caller of an authenticated route. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new WeftError('AUTH_TOKEN_MISSING', 'This request has no credentials.');
  return request.caller;
}

/**
 * The caller of a route only the organization's team may use. The hook already refused customer callers on such
 * routes (403); this narrows the type for the handler.
 */
export function orgCallerOf(request: FastifyRequest): OrganizationCaller {
  const caller = callerOf(request);
  if (caller.kind !== 'organization') {
    throw new WeftError('AUTH_ORGANIZATION_ONLY', 'Only the organization’s team may use this route.');
  }
  return caller;
}

/** The customer a customer caller is confined to; undefined for organization callers, who see every customer. */
export function customerScopeOf(caller: Caller): string | undefined {
  return caller.kind === 'customer' ? caller.customerId : undefined;
}
