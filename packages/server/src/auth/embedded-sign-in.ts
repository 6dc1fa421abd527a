import { compactVerify, decodeJwt, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import type { Kysely } from 'kysely';
import { recordAuditEvent } from '../audit/audit-store.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { CustomerCaller } from './caller.js';
import type { CustomerRole } from './roles.js';
import { type VerificationKey, verificationKeysOf } from './signing-key-store.js';

/**
 * Embedded sign-in: the organization's backend signs an RS256 JWT for one of its users with the private key of a
 * signing key whose public half Weft holds (seed 003, "Authenticating Embedded Users"); Weft verifies it and
 * resolves it to a customer user, creating the customer (when `customer_name` says how to) and the user on first
 * sight. Every refusal is a 401 with its own code and a message for the developer who integrates Weft, described
 * in docs/embedded-sign-in.md.
 *
 * Checked in this order: the token's shape; its algorithm (RS256 only, so never `none` or an HMAC keyed with a
 * public key); the `organization` claim (read before the signature, to know whose keys verify it); the signature,
 * against the organization's active keys (a `kid` header, the key's id or fingerprint, may name one); then the
 * other claims and their times; then the customer and the user.
 */

/** A compact JWS (three base64url parts, a JSON header first): never the shape of a Weft API token. */
export function looksLikeJwt(bearer: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(bearer);
}

/** How far a client's clock may run ahead of or behind the server's: for iat, nbf and exp. */
export const clockSkewSeconds = 60;
/** The longest a JWT may live (exp - iat): long-lived tokens are bearer credentials nobody can revoke one by one. */
export const maxLifetimeSeconds = 24 * 60 * 60;
/** A returning user's name and last sign-in are written at most this often. */
const signInWriteIntervalMs = 60_000;

let clock: () => number = () => Date.now();

/** Sets the clock embedded sign-in reads (milliseconds since the epoch); without an argument, the real one. For tests. */
export function setEmbeddedSignInClock(now?: () => number): void {
  clock = now ?? (() => Date.now());
}

/** The claims of seed 003's JWT, checked. */
interface EmbeddedClaims {
  sub: string;
  externalId: string | undefined;
  name: string | undefined;
  organization: string;
  customer: string;
  customerName: string | undefined;
  role: 'admin' | 'user';
  iat: number;
  exp: number;
}

function refused(
  code: ConstructorParameters<typeof WeftError>[0],
  message: string,
  details: Record<string, unknown> = {},
) {
  return new WeftError(code, `Embedded sign-in refused: ${message}`, details);
}

function claimMissing(claim: string, what: string): WeftError {
  return refused('AUTH_JWT_CLAIM_MISSING', `the JWT has no '${claim}' claim (${what}).`, { claim });
}

function claimInvalid(claim: string, value: unknown, expected: string): WeftError {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    shown = typeof value;
  }
  return refused('AUTH_JWT_CLAIM_INVALID', `the '${claim}' claim is ${shown}; it must be ${expected}.`, {
    claim,
  });
}

/** As the customers API takes an externalId: 1 to 200 characters, no white space at either end. */
const externalIdPattern = /^\S(.*\S)?$/s;

type Payload = Record<string, unknown>;

function requiredId(payload: Payload, claim: string, what: string): string {
  const value = payload[claim];
  if (value === undefined || value === null) throw claimMissing(claim, what);
  if (typeof value !== 'string' || value.length > 200 || !externalIdPattern.test(value)) {
    throw claimInvalid(claim, value, 'a string of 1 to 200 characters without white space at either end');
  }
  return value;
}

function optionalId(payload: Payload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 200 || !externalIdPattern.test(value)) {
    throw claimInvalid(claim, value, 'a string of 1 to 200 characters without white space at either end');
  }
  return value;
}

function optionalName(payload: Payload, claim: string, required: 'non-empty' | 'any'): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 200 || (required === 'non-empty' && !/\S/.test(value))) {
    throw claimInvalid(
      claim,
      value,
      required === 'non-empty'
        ? 'a string of 1 to 200 characters, not only white space'
        : 'a string of at most 200 characters',
    );
  }
  return value.trim();
}

function requiredTime(payload: Payload, claim: 'iat' | 'exp', what: string): number {
  const value = payload[claim];
  if (value === undefined || value === null) throw claimMissing(claim, what);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw claimInvalid(claim, value, 'a number: seconds since 1970-01-01T00:00:00Z (a Unix timestamp)');
  }
  return value;
}

function isoOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}

/** The claims, each checked for presence and type, and the token's times against the server's clock. */
function claimsOf(payload: Payload, organization: string, nowMs: number): EmbeddedClaims {
  const sub = requiredId(payload, 'sub', "the user's unique id in your app");
  const externalId = optionalId(payload, 'external_id');
  const name = optionalName(payload, 'name', 'any');
  const customer = requiredId(payload, 'customer', "the external id of the user's customer");
  const customerName = optionalName(payload, 'customer_name', 'non-empty');
  const role = payload.role ?? 'admin';
  if (role !== 'admin' && role !== 'user')
    throw claimInvalid('role', role, "'admin' (the default) or 'user'");
  const iat = requiredTime(payload, 'iat', 'when it was signed, a Unix timestamp');
  const exp = requiredTime(payload, 'exp', 'when it expires, a Unix timestamp');

  const now = nowMs / 1000;
  const serverTime = new Date(nowMs).toISOString();
  if (exp <= now - clockSkewSeconds) {
    throw refused(
      'AUTH_JWT_EXPIRED',
      `the JWT expired at ${isoOf(exp)} (exp ${exp}); the server time is ${serverTime}.`,
      { exp, expiredAt: isoOf(exp), serverTime },
    );
  }
  if (iat > now + clockSkewSeconds) {
    throw refused(
      'AUTH_JWT_NOT_YET_VALID',
      `the JWT says it was signed at ${isoOf(iat)} (iat ${iat}), more than ${clockSkewSeconds} s after the server time ${serverTime}.`,
      { claim: 'iat', iat, serverTime },
    );
  }
  const nbf = payload.nbf;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf))
      throw claimInvalid('nbf', nbf, 'a number (a Unix timestamp)');
    if (nbf > now + clockSkewSeconds) {
      throw refused(
        'AUTH_JWT_NOT_YET_VALID',
        `the JWT is not valid before ${isoOf(nbf)} (nbf ${nbf}); the server time is ${serverTime}.`,
        { claim: 'nbf', nbf, serverTime },
      );
    }
  }
  if (exp <= iat) throw claimInvalid('exp', exp, `after iat (${iat})`);
  if (exp - iat > maxLifetimeSeconds) {
    throw refused(
      'AUTH_JWT_LIFETIME_TOO_LONG',
      `the JWT lives ${Math.round(exp - iat)} s (exp - iat); at most ${maxLifetimeSeconds} s (24 hours) is accepted.`,
      { lifetimeSeconds: exp - iat, maxLifetimeSeconds },
    );
  }
  return { sub, externalId, name, organization, customer, customerName, role, iat, exp };
}

/** The token's header and unverified payload, or AUTH_JWT_MALFORMED. */
function decoded(jwt: string): { header: ProtectedHeaderParameters; payload: Payload } {
  try {
    return { header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) as Payload };
  } catch (error) {
    throw refused(
      'AUTH_JWT_MALFORMED',
      `the bearer token looks like a JWT but cannot be read (${(error as Error).message}).`,
    );
  }
}

/**
 * A signing key as a refusal names it: by its public parts only (id, fingerprint). These answers go to callers
 * nobody has signed in, so nothing of a private key (not even the last characters an administrator sees in the
 * key list) is in them.
 */
function publicDescription(key: VerificationKey): string {
  return `${key.id} (fingerprint ${key.fingerprint.slice(0, 16)}…)`;
}

/** Verifies the signature against the organization's keys; answers the payload the signature covers. */
async function verifiedPayload(
  jwt: string,
  header: ProtectedHeaderParameters,
  orgId: string,
  keys: VerificationKey[],
): Promise<Payload> {
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const candidates =
    kid === undefined ? keys : keys.filter((key) => key.id === kid || key.fingerprint === kid);
  const active = keys.filter((key) => !key.deactivatedAt);
  const activeList = active.map((key) => ({ id: key.id, fingerprint: key.fingerprint }));
  if (kid !== undefined && candidates.length === 0) {
    throw refused(
      'AUTH_JWT_SIGNATURE_INVALID',
      `the JWT's kid header '${kid.slice(0, 80)}' names no signing key of organization '${orgId}'; set kid to the id or fingerprint of an active key, or leave it out.`,
      { organization: orgId, kid, activeKeys: activeList },
    );
  }
  // Active keys first: a match among deactivated ones only tells the developer which key it was.
  const ordered = [
    ...candidates.filter((key) => !key.deactivatedAt),
    ...candidates.filter((key) => key.deactivatedAt),
  ];
  for (const key of ordered) {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jwt, key.key, { algorithms: ['RS256'] }));
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') continue;
      throw refused('AUTH_JWT_MALFORMED', `the JWT cannot be verified (${(error as Error).message}).`);
    }
    if (key.deactivatedAt) {
      throw refused(
        'AUTH_JWT_KEY_INACTIVE',
        `the JWT is signed with signing key '${key.id}' (fingerprint ${key.fingerprint.slice(0, 16)}…), deactivated at ${key.deactivatedAt.toISOString()}.`,
        { organization: orgId, signingKeyId: key.id, fingerprint: key.fingerprint },
      );
    }
    try {
      const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
      if (claims && typeof claims === 'object' && !Array.isArray(claims)) return claims as Payload;
    } catch {
      // reported below
    }
    throw refused('AUTH_JWT_MALFORMED', 'the JWT payload is not a JSON object.');
  }
  throw refused(
    'AUTH_JWT_SIGNATURE_INVALID',
    active.length === 0
      ? `organization '${orgId}' has no active signing key; generate one (weft signing-keys:generate) or import your public key (weft signing-keys:import --path key.pub), then sign with its private key.`
      : `the JWT is signed by no active signing key of organization '${orgId}'. Its active keys: ${active.map(publicDescription).join(', ')}.`,
    { organization: orgId, activeKeys: activeList },
  );
}

/** The customer the `customer` claim names, created on first sight when `customer_name` is given. */
async function customerOf(
  db: Kysely<Database>,
  orgId: string,
  claims: EmbeddedClaims,
): Promise<{ id: string }> {
  const find = () =>
    db
      .selectFrom('customers')
      .select('id')
      .where('org_id', '=', orgId)
      .where('external_id', '=', claims.customer)
      .executeTakeFirst();
  const existing = await find();
  if (existing) return existing;
  if (claims.customerName === undefined) {
    throw refused(
      'AUTH_JWT_CUSTOMER_UNKNOWN',
      `organization '${orgId}' has no customer with external id '${claims.customer}'. Add a customer_name claim so the customer is created on first sign-in, or create the customer with that externalId first.`,
      { claim: 'customer', customer: claims.customer },
    );
  }
  // Concurrent first sign-ins all insert; the unique (organization, externalId) index lets one win and the others
  // find its row.
  const inserted = await db
    .insertInto('customers')
    .values({
      org_id: orgId,
      name: claims.customerName,
      external_id: claims.customer,
      description: '',
      labels: [],
    })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) {
    await recordFirstSight(db, orgId, {
      action: 'customer.create',
      targetType: 'customer',
      targetId: inserted.id,
      customerId: inserted.id,
      details: { name: claims.customerName, externalId: claims.customer },
    });
    return inserted;
  }
  const created = await find();
  if (created) return created;
  // The conflict was the name: another customer (with another external id, or none) has it.
  throw refused(
    'AUTH_JWT_CUSTOMER_NAME_TAKEN',
    `the customer '${claims.customer}' is new, but another customer of organization '${orgId}' is already named '${claims.customerName}'.`,
    { claim: 'customer_name', customer: claims.customer, customerName: claims.customerName },
  );
}

const jwtRoles: Record<EmbeddedClaims['role'], CustomerRole> = {
  admin: 'marketplace-admin',
  user: 'marketplace-user',
};

/**
 * The customer user the claims name (by customer and `external_id ?? sub`), created on first sight. The JWT's role
 * applies to marketplace users each sign-in (the organization's backend decides it); users an organization made
 * customer admins or members by hand keep their role.
 */
async function customerUserOf(
  db: Kysely<Database>,
  orgId: string,
  customerId: string,
  claims: EmbeddedClaims,
  nowMs: number,
): Promise<{ id: string; role: CustomerRole; name: string; externalId: string }> {
  const externalId = claims.externalId ?? claims.sub;
  const jwtRole = jwtRoles[claims.role];
  const signedInAt = new Date(nowMs);
  const find = () =>
    db
      .selectFrom('customer_users')
      .select(['id', 'role', 'name', 'last_sign_in_at'])
      .where('customer_id', '=', customerId)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  let user = await find();
  if (!user) {
    const inserted = await db
      .insertInto('customer_users')
      .values({
        org_id: orgId,
        customer_id: customerId,
        external_id: externalId,
        name: claims.name ?? '',
        role: jwtRole,
        last_sign_in_at: signedInAt,
      })
      .onConflict((conflict) => conflict.columns(['customer_id', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await recordFirstSight(db, orgId, {
        action: 'customer-user.create',
        targetType: 'customer-user',
        targetId: inserted.id,
        customerId,
        details: { role: jwtRole, externalId },
      });
      return { id: inserted.id, role: jwtRole, name: claims.name ?? '', externalId };
    }
    user = await find();
    if (!user) throw new Error('customer user vanished while signing in');
  }
  const role = (
    user.role === 'marketplace-admin' || user.role === 'marketplace-user' ? jwtRole : user.role
  ) as CustomerRole;
  const name = claims.name ?? user.name;
  const changed = role !== user.role || name !== user.name;
  const stale = !user.last_sign_in_at || nowMs - user.last_sign_in_at.getTime() >= signInWriteIntervalMs;
  if (changed || stale) {
    await db
      .updateTable('customer_users')
      .set({
        role,
        name,
        last_sign_in_at: signedInAt,
        ...(changed ? { updated_at: signedInAt } : {}),
      })
      .where('id', '=', user.id)
      .execute();
  }
  return { id: user.id, role, name, externalId };
}

/** Verifies an embedded sign-in JWT and resolves it to its customer user (created on first sight). */
export async function authenticateEmbeddedUser(db: Kysely<Database>, jwt: string): Promise<CustomerCaller> {
  const nowMs = clock();
  const { header, payload: unverified } = decoded(jwt);
  if (header.alg !== 'RS256') {
    throw refused(
      'AUTH_JWT_ALGORITHM_UNSUPPORTED',
      `the JWT is signed with alg '${String(header.alg).slice(0, 20)}'; only RS256 is accepted.`,
      { alg: header.alg ?? null },
    );
  }
  const organization = unverified.organization;
  if (organization === undefined || organization === null) {
    throw claimMissing('organization', 'your organization id, printed by `weft organization:get --json`');
  }
  if (typeof organization !== 'string')
    throw claimInvalid('organization', organization, 'your organization id (a string)');
  const org = isUuid(organization)
    ? await db.selectFrom('organizations').select('id').where('id', '=', organization).executeTakeFirst()
    : undefined;
  if (!org) {
    throw refused('AUTH_JWT_ORGANIZATION_UNKNOWN', `no organization has id '${organization.slice(0, 80)}'.`, {
      claim: 'organization',
      organization: organization.slice(0, 80),
    });
  }
  const keys = await verificationKeysOf(db, org.id, nowMs);
  const payload = await verifiedPayload(jwt, header, org.id, keys);
  // The signature covers the payload read before, so the organization claim is the one just verified.
  const claims = claimsOf(payload, org.id, nowMs);
  const customer = await customerOf(db, org.id, claims);
  const user = await customerUserOf(db, org.id, customer.id, claims, nowMs);
  return {
    kind: 'customer',
    orgId: org.id,
    customerId: customer.id,
    customerUserId: user.id,
    role: user.role,
    tokenId: null,
    actorName: user.name || user.externalId,
  };
}

/** Customers and customer users made by a first embedded sign-in are changes no API route made: the log says so. */
function recordFirstSight(
  db: Kysely<Database>,
  orgId: string,
  event: {
    action: string;
    targetType: string;
    targetId: string;
    customerId: string;
    details: Record<string, unknown>;
  },
): Promise<void> {
  return recordAuditEvent(db, {
    orgId,
    actorKind: 'system',
    actorId: null,
    actorName: 'embedded sign-in',
    ...event,
  });
}
