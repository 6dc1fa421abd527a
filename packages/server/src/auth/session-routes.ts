import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses, NoContent } from '../http/common-schemas.js';
import { acceptInvitation, getUserRow, toUser, type UserRow, usersByEmail } from '../users/user-store.js';
import { orgCallerOf } from './caller.js';
import { oidcRoutes } from './oidc-routes.js';
import { verifyAgainstNothing, verifyPassword } from './passwords.js';
import { permissionsOfRole } from './roles.js';
import { clearSessionCookie } from './session-cookie.js';
import { InvitationAccept, SessionInfo, SignedIn, SignIn, sessionAnswers } from './session-schemas.js';
import {
  csrfTokenFor,
  endEverySession,
  endSession,
  sessionCookieName,
  sessionTimes,
} from './session-store.js';
import { organizationOf, type ResolvedPeopleOptions, signInAs } from './sign-in.js';
import {
  forgetStaleAttempts,
  recordSuccess,
  refuseWhileLocked,
  releaseAttempt,
  reserveAttempt,
} from './sign-in-attempts.js';

/**
 * Password sign-in: which users the email and password match. Every candidate costs one scrypt, and an email with
 * no user (or a user without a password) costs one too, so timing tells nothing about which emails exist.
 */
async function usersMatching(db: Kysely<Database>, body: SignIn): Promise<UserRow[]> {
  const candidates = await usersByEmail(db, body.email, body.organization);
  if (candidates.length === 0) {
    await verifyAgainstNothing(body.password);
    return [];
  }
  const matched: UserRow[] = [];
  for (const candidate of candidates) {
    const ok = candidate.password_hash
      ? await verifyPassword(body.password, candidate.password_hash)
      : await verifyAgainstNothing(body.password);
    if (ok) matched.push(candidate);
  }
  return matched;
}

/**
 * `/api/auth/*` and `/api/session`: password sign-in (with lockout), invitations, the session's own routes, and
 * single sign-on (oidc-routes.ts). The User schema is the parent plugin's (users/user-routes.ts).
 */
export function sessionRoutes(db: Kysely<Database>, options: ResolvedPeopleOptions) {
  return async function sessionRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(SignedIn);
    app.addSchema(SessionInfo);
    const answers = sessionAnswers;
    const tags = ['sessions'];
    const { clock, publicUrl } = options;
    // Every organization user may read who they are and end their own sessions.
    const anyUser = { permission: 'users:read' } as const;

    app.post(
      '/auth/sign-in',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Sign in with email and password',
          description:
            'Sets the HTTP-only session cookie and answers the CSRF token to send as X-CSRF-Token with every change. After 5 failed sign-ins for an email within 15 minutes (or 20 from one address), sign-in is refused for 15 minutes (429 AUTH_SIGN_IN_LOCKED, with Retry-After).',
          security: [],
          body: SignIn,
          response: { 200: answers.signedIn, ...errorResponses(429) },
        },
      },
      async (request, reply) => {
        const keys = { email: request.body.email, ip: request.ip };
        const limits = options.signInLimits;
        await refuseWhileLocked(db, keys, clock);
        // Counted as a failure before the slow password check, in one statement: a burst of parallel guesses
        // cannot all pass the limit. A right password takes the attempt back.
        await reserveAttempt(db, keys, clock, limits);
        const matched = await usersMatching(db, request.body);
        const [user] = matched;
        if (!user) {
          await forgetStaleAttempts(db, clock, limits);
          throw new WeftError('AUTH_SIGN_IN_FAILED', 'The email or password is wrong.');
        }
        await releaseAttempt(db, keys, limits);
        if (matched.length > 1) {
          const organizations = await db
            .selectFrom('organizations')
            .select(['id', 'name'])
            .where(
              'id',
              'in',
              matched.map((row) => row.org_id),
            )
            .orderBy('name')
            .execute();
          throw new WeftError(
            'AUTH_SIGN_IN_ORGANIZATION_REQUIRED',
            `This email and password sign in to ${organizations.length} organizations; say which one in organization.`,
            { field: 'organization', organizations },
          );
        }
        return signInAs(db, options, request, reply, user);
      },
    );

    app.post(
      '/auth/invitations/accept',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Accept an invitation: choose a password and sign in',
          description:
            'The secret is the last part of the invitation link. Sets the password (and the name, when given), signs every other session of the user out, and signs in like POST /api/auth/sign-in.',
          security: [],
          body: InvitationAccept,
          response: { 200: answers.signedIn, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const user = await acceptInvitation(db, request.body, clock);
        // A new password from an administrator's link lifts a lockout of the email.
        await recordSuccess(db, user.email);
        return signInAs(db, options, request, reply, user);
      },
    );

    app.get(
      '/session',
      {
        config: anyUser,
        schema: {
          tags,
          summary: 'Who is calling',
          description:
            'For a session: the user, the CSRF token and when the session ends. For an API token: the token, and its user when it belongs to one.',
          response: { 200: answers.session, ...errorResponses() },
        },
      },
      async (request) => {
        const caller = orgCallerOf(request);
        const organization = await organizationOf(db, caller.orgId);
        const user = caller.userId ? toUser(await getUserRow(db, caller.orgId, caller.userId)) : null;
        if (caller.sessionId) {
          const times = await sessionTimes(db, caller.sessionId);
          const secret = request.cookies[sessionCookieName] ?? '';
          return {
            kind: 'session' as const,
            organization,
            role: caller.role,
            permissions: permissionsOfRole(caller.role),
            user,
            token: null,
            csrfToken: csrfTokenFor(secret),
            expiresAt: times?.expiresAt.toISOString() ?? null,
            idleTimeoutMinutes: times?.idleTimeoutMinutes ?? null,
          };
        }
        const token = caller.tokenId
          ? await db
              .selectFrom('api_tokens')
              .select(['id', 'name', 'role'])
              .where('id', '=', caller.tokenId)
              .executeTakeFirst()
          : undefined;
        return {
          kind: 'token' as const,
          organization,
          role: caller.role,
          permissions: permissionsOfRole(caller.role),
          user,
          token: token ? { id: token.id, name: token.name, role: token.role as typeof caller.role } : null,
          csrfToken: null,
          expiresAt: null,
          idleTimeoutMinutes: null,
        };
      },
    );

    app.post(
      '/auth/sign-out',
      {
        config: anyUser,
        schema: {
          tags,
          summary: 'Sign this session out',
          description: 'Ends the session the cookie carries and clears the cookie. Needs X-CSRF-Token.',
          response: { 204: NoContent, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const caller = orgCallerOf(request);
        if (!caller.sessionId) {
          throw new WeftError(
            'AUTH_SESSION_REQUIRED',
            'This request came with an API token, not a session; revoke a token with DELETE /api/users/me/tokens/{id} (or /api/tokens/{id}).',
          );
        }
        await endSession(db, caller.sessionId);
        clearSessionCookie(request, reply, publicUrl);
        return reply.status(204).send();
      },
    );

    app.post(
      '/auth/sign-out-everywhere',
      {
        config: anyUser,
        schema: {
          tags,
          summary: 'Sign the user out of every session',
          description:
            'Every session of the calling user ends, on every device, this one included. Their API tokens keep working: revoke those one by one.',
          response: { 200: answers.signedOutEverywhere, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const caller = orgCallerOf(request);
        if (!caller.userId) {
          throw new WeftError(
            'AUTH_SESSION_REQUIRED',
            'This request came with a token that belongs to no user, so there are no sessions to end.',
          );
        }
        const signedOutSessions = await endEverySession(db, caller.userId, clock);
        if (caller.sessionId) clearSessionCookie(request, reply, publicUrl);
        return { signedOutSessions };
      },
    );

    await app.register(oidcRoutes(db, options));
  };
}
