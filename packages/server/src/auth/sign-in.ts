import { defaultEgress, type Egress } from '@weft/egress';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { getUserRow, toUser, type UserRow } from '../users/user-store.js';
import type { OrgRole } from './roles.js';
import { setSessionCookie } from './session-cookie.js';
import type { SignedIn } from './session-schemas.js';
import {
  createSession,
  defaultSessionSettings,
  type SessionSettings,
  systemWallClock,
  type WallClock,
} from './session-store.js';
import { defaultSignInLimits, type SignInLimits } from './sign-in-attempts.js';

/** What the people routes (users, sign-in, sessions, single sign-on) need besides the database. */
export interface PeopleOptions {
  /** Seals the SSO client secret and the OIDC sign-in state. */
  keyring: Keyring;
  publicUrl: string | undefined;
  sessions?: SessionSettings | undefined;
  /** Where sign-in, sessions, invitations and lockout read the time; the system clock unless a test moves one. */
  clock?: WallClock | undefined;
  signInLimits?: SignInLimits | undefined;
  /** Requests to OpenID providers go out under it (the server's egress policy); the guarded default without. */
  egress?: Egress | undefined;
}

export interface ResolvedPeopleOptions {
  keyring: Keyring;
  publicUrl: string | undefined;
  sessions: SessionSettings;
  clock: WallClock;
  signInLimits: SignInLimits;
  egress: Egress;
}

export function resolvePeopleOptions(options: PeopleOptions): ResolvedPeopleOptions {
  return {
    keyring: options.keyring,
    publicUrl: options.publicUrl,
    sessions: options.sessions ?? defaultSessionSettings,
    clock: options.clock ?? systemWallClock,
    signInLimits: options.signInLimits ?? defaultSignInLimits,
    egress: options.egress ?? defaultEgress(),
  };
}

export async function organizationOf(
  db: Kysely<Database>,
  orgId: string,
): Promise<{ id: string; name: string }> {
  return db
    .selectFrom('organizations')
    .select(['id', 'name'])
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow();
}

/**
 * Signs `user` in: a new session, its cookie on the reply, and the answer the console keeps (the CSRF token to send
 * with every change). Shared by password sign-in, invitations and single sign-on.
 */
export async function signInAs(
  db: Kysely<Database>,
  options: ResolvedPeopleOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  user: UserRow,
): Promise<SignedIn> {
  const session = await createSession(db, {
    userId: user.id,
    clock: options.clock,
    settings: options.sessions,
    userAgent: request.headers['user-agent'],
    ip: request.ip,
  });
  setSessionCookie(request, reply, session.secret, session.expiresAt, options.publicUrl);
  const fresh = await getUserRow(db, user.org_id, user.id);
  // The route was public: from here on the request is the user's (the audit log names them as the actor).
  request.caller = {
    kind: 'organization',
    orgId: fresh.org_id,
    role: fresh.role as OrgRole,
    tokenId: null,
    userId: fresh.id,
    sessionId: session.sessionId,
    actorName: fresh.email,
  };
  return {
    user: toUser(fresh),
    organization: await organizationOf(db, user.org_id),
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt.toISOString(),
    idleTimeoutMinutes: session.idleTimeoutMinutes,
  };
}
