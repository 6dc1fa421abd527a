import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { OrgRole } from '../auth/roles.js';
import { hashSessionSecret, sessionCookieName } from '../auth/session-store.js';
import { customerNamedBy, owningCustomerId } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import {
  type AuditedRoute,
  auditedRouteOf,
  type CustomerLookup,
  type DetailSource,
  isMutating,
  notAudited,
} from './audit-actions.js';
import type { AuditEventInput } from './audit-schemas.js';
import { recordAuditEvent } from './audit-store.js';

/**
 * Records every change made through the API, so no route has to remember to: after a POST, PUT, PATCH or DELETE
 * on an /api route answers 2xx (or a listed route redirects), the row of audit-actions.ts says what to record, and
 * the event is stored before the answer leaves (onSend). The caller is read then, so public sign-in routes are
 * recorded too: as the `request.caller` they set, or else as the user of the session cookie their answer sets; a
 * refused sign-in is recorded when its row says how.
 *
 * A customer a delete would take away is looked up before the handler runs (preHandler). If storing the event
 * fails, the change has happened all the same: the answer goes out, and the event is logged at error level with
 * everything it would have stored.
 */
export function installAuditLog(app: FastifyInstance, db: Kysely<Database>): void {
  const customersBefore = new WeakMap<FastifyRequest, string | null>();
  const routes = new Set<string>();
  registeredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    for (const method of [route.method].flat()) routes.add(`${method} ${route.url}`);
  });

  app.addHook('preHandler', async (request) => {
    const route = routeOf(request);
    const caller = request.caller;
    if (!route || !caller || caller.kind !== 'organization') return;
    const customer = route.customer;
    if (customer === undefined || typeof customer === 'string') return;
    const value = valueAt(customer.from, inputsOf(request));
    if (typeof value !== 'string' || value === '') return;
    try {
      customersBefore.set(request, await customerOwning(db, caller.orgId, customer, value));
    } catch (error) {
      request.log.warn(
        { error: (error as Error).message },
        'audit: could not look up the customer concerned',
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    let event: AuditEventInput | undefined;
    try {
      event = await eventOf(db, request, reply, payload, customersBefore.get(request) ?? null);
      if (event) await recordAuditEvent(db, event);
    } catch (error) {
      request.log.error(
        { error: (error as Error).message, auditEvent: event ?? null, route: request.routeOptions.url },
        'audit: the change was not recorded',
      );
    }
    return payload;
  });
}

const registeredRoutes = new WeakMap<FastifyInstance, Set<string>>();

/**
 * Every /api route registered after `installAuditLog`, as `METHOD /api/template`, hidden ones (left out of the
 * OpenAPI document) included: what the route-coverage test holds against the action table.
 */
export function apiRoutesOf(app: FastifyInstance): string[] {
  return [...(registeredRoutes.get(app) ?? [])].sort();
}

function routeTemplateOf(request: FastifyRequest): string | undefined {
  const url = request.routeOptions.url;
  return url?.startsWith('/api/') ? url : undefined;
}

function routeOf(request: FastifyRequest): AuditedRoute | undefined {
  const template = routeTemplateOf(request);
  return template ? auditedRouteOf(request.method, template) : undefined;
}

/** The statuses of a refused sign-in: bad credentials, not allowed, locked out, too many attempts. */
const refusedStatuses = new Set([401, 403, 423, 429]);

async function eventOf(
  db: Kysely<Database>,
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  customerBefore: string | null,
): Promise<AuditEventInput | undefined> {
  const template = routeTemplateOf(request);
  if (!template) return undefined;
  const route = auditedRouteOf(request.method, template);
  const key = `${request.method} ${template}`;
  if (!route && (!isMutating(request.method) || key in notAudited)) return undefined;

  const status = reply.statusCode;
  const succeeded = status >= 200 && status < 400;
  const caller = request.caller ?? (succeeded && route?.signsIn ? await sessionSetBy(db, reply) : undefined);
  const inputs = { ...inputsOf(request), caller, answer: lazyAnswer(reply, payload) };
  if (!succeeded) {
    if (route?.refused && !caller && refusedStatuses.has(status)) {
      return refusedSignIn(db, request, route, inputs, status);
    }
    return undefined;
  }
  // A public route that signed no one in (or an /api route the hook let through without a caller).
  if (!caller) return undefined;

  const base = { ...actorOf(caller), requestId: String(request.id) };
  if (!route) {
    // A mutating route nobody listed (the route-coverage test catches these before they ship): still recorded.
    request.log.warn(
      { route: key },
      'audit: no row for this route in audit-actions.ts; recorded generically',
    );
    return {
      ...base,
      action: 'api.change',
      targetType: 'route',
      targetId: key,
      customerId: customerScope(caller),
    };
  }
  return {
    ...base,
    action: route.action,
    targetType: route.target,
    targetId: route.targetId ? idOf(valueAt(route.targetId, inputs)) : null,
    customerId: customerScope(caller) ?? customerOf(route, inputs, customerBefore),
    details: detailsOf(route.details, inputs),
  };
}

function actorOf(
  caller: Caller,
): Pick<AuditEventInput, 'orgId' | 'actorKind' | 'actorId' | 'actorTokenId' | 'actorName'> {
  if (caller.kind === 'customer') {
    return {
      orgId: caller.orgId,
      actorKind: 'customer-user',
      actorId: caller.customerUserId,
      actorTokenId: null,
      actorName: caller.actorName,
    };
  }
  return {
    orgId: caller.orgId,
    actorKind: caller.userId ? 'user' : 'token',
    actorId: caller.userId ?? caller.tokenId,
    actorTokenId: caller.tokenId,
    actorName: caller.actorName,
  };
}

function customerScope(caller: Caller): string | null {
  return caller.kind === 'customer' ? caller.customerId : null;
}

/** A refused sign-in, filed under the one user whose email was given; unknown emails have no organization. */
async function refusedSignIn(
  db: Kysely<Database>,
  request: FastifyRequest,
  route: AuditedRoute,
  inputs: Inputs,
  status: number,
): Promise<AuditEventInput | undefined> {
  const refused = route.refused;
  const given = refused ? valueAt(refused.email, inputs) : undefined;
  // Trimmed and compared by the database's lower(), as sign-in itself finds users (users/user-store.ts).
  const email = typeof given === 'string' ? given.trim() : undefined;
  if (!refused || email === undefined || email.length === 0 || email.length > 320) return undefined;
  const organization = refused.organization ? valueAt(refused.organization, inputs) : undefined;
  let select = db
    .selectFrom('users')
    .select(['id', 'org_id', 'email'])
    .where(sql<boolean>`lower(email) = lower(${email})`);
  if (typeof organization === 'string' && isUuid(organization)) {
    select = select.where('org_id', '=', organization);
  }
  const users = await select.limit(2).execute();
  const user = users.length === 1 ? users[0] : undefined;
  if (!user) return undefined;
  const answer = inputs.answer() as { error?: { code?: unknown } } | undefined;
  const reason = typeof answer?.error?.code === 'string' ? answer.error.code : `HTTP ${status}`;
  return {
    orgId: user.org_id,
    actorKind: 'user',
    actorId: user.id,
    actorTokenId: null,
    actorName: user.email,
    action: refused.action,
    targetType: route.target,
    targetId: user.id,
    customerId: null,
    details: { ...detailsOf(route.details, inputs), reason },
    requestId: String(request.id),
  };
}

/** The user of the session cookie an answer sets, as the caller it makes (read only: the session is not touched). */
async function sessionSetBy(db: Kysely<Database>, reply: FastifyReply): Promise<Caller | undefined> {
  const header = reply.getHeader('set-cookie');
  const cookies = Array.isArray(header) ? header : typeof header === 'string' ? [header] : [];
  const prefix = `${sessionCookieName}=`;
  const cookie = cookies.find((text) => String(text).startsWith(prefix));
  const value = cookie ? String(cookie).slice(prefix.length).split(';')[0] : undefined;
  if (!value) return undefined;
  let secret: string;
  try {
    secret = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as session_id', 'u.id as user_id', 'u.org_id', 'u.role', 'u.email'])
    .where('s.token_hash', '=', hashSessionSecret(secret))
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    kind: 'organization',
    orgId: row.org_id,
    role: row.role as OrgRole,
    tokenId: null,
    userId: row.user_id,
    sessionId: row.session_id,
    actorName: row.email,
  };
}

async function customerOwning(
  db: Kysely<Database>,
  orgId: string,
  lookup: CustomerLookup,
  value: string,
): Promise<string | null> {
  switch (lookup.lookup) {
    case 'instance':
    case 'execution': {
      const table = lookup.lookup === 'instance' ? 'instances' : 'executions';
      return (await owningCustomerId(db, orgId, table, value)) ?? null;
    }
    case 'customer':
      // An id that is also another customer's externalId: the handlers take it as the id.
      return (await customerNamedBy(db, orgId, value))?.id ?? null;
  }
}

function customerOf(route: AuditedRoute, inputs: Inputs, before: string | null): string | null {
  const customer = route.customer;
  if (customer === undefined) return null;
  if (typeof customer !== 'string') return before;
  const value = valueAt(customer, inputs);
  return typeof value === 'string' && isUuid(value) ? value : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading values off the request and the answer

interface Inputs {
  caller: unknown;
  params: unknown;
  query: unknown;
  body: unknown;
  /** The answer as sent, parsed on first use (only JSON answers; nothing else is read). */
  answer: () => unknown;
}

function inputsOf(request: FastifyRequest): Inputs {
  return {
    caller: request.caller,
    params: request.params,
    query: request.query,
    body: request.body,
    answer: () => undefined,
  };
}

function lazyAnswer(reply: FastifyReply, payload: unknown): () => unknown {
  let parsed: { value: unknown } | undefined;
  return () => {
    if (parsed) return parsed.value;
    parsed = { value: undefined };
    const type = String(reply.getHeader('content-type') ?? '');
    const text =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    if (text !== undefined && type.includes('json')) {
      try {
        parsed.value = JSON.parse(text);
      } catch {
        // not JSON after all: nothing to read
      }
    }
    return parsed.value;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** The value at `source` ('answer.token.id'), or undefined. */
function valueAt(source: string, inputs: Inputs): unknown {
  const [root, ...path] = source.split('.');
  let value: unknown =
    root === 'answer'
      ? inputs.answer()
      : root === 'params' || root === 'query' || root === 'body' || root === 'caller'
        ? inputs[root]
        : undefined;
  for (const name of path) {
    if (!isRecord(value) || !Object.hasOwn(value, name)) return undefined;
    value = value[name];
  }
  return value;
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value.slice(0, 200);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

const maxTextLength = 500;
const maxListLength = 100;

/** Plain values only: text (cut at 500 characters), numbers, booleans, null, and lists of them. */
function plain(value: unknown): unknown {
  if (typeof value === 'string')
    return value.length > maxTextLength ? `${value.slice(0, maxTextLength)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, maxListLength).map(plain);
    return items.every((item) => item !== undefined) ? items : undefined;
  }
  return undefined;
}

function detailsOf(sources: AuditedRoute['details'], inputs: Inputs): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(sources ?? {})) {
    const value = detailValue(source, inputs);
    if (value !== undefined) details[name] = value;
  }
  return details;
}

function detailValue(source: DetailSource, inputs: Inputs): unknown {
  if (typeof source === 'string') return plain(valueAt(source, inputs));
  if ('constant' in source) return source.constant;
  const object = source.keysOf === 'body' ? inputs.body : valueAt(source.keysOf, inputs);
  return isRecord(object) ? plain(Object.keys(object)) : undefined;
}
