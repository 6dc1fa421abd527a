import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@weft/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { OrganizationCaller } from './caller.js';
import type { OrgRole } from './roles.js';

/** The HTTP-only cookie that carries a signed-in organization user's session secret. */
export const sessionCookieName = 'weft_session';

/**
 * The CSRF token of a session: derived from its secret, so the server needs no extra state, and unreadable to
 * another site (which sees neither the cookie nor the answers that carry the token).
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`weft-csrf:${sessionSecret}`, 'utf8').digest('base64url');
}

/** Where sign-in, sessions and lockout read the time: the system's, or a fake one a test moves by hand. */
export type WallClock = Pick<Clock, 'now'>;
export const systemWallClock: WallClock = { now: () => Date.now() };

/**
 * How long a session lives: it ends after `idleMinutes` without a request (sliding), and `maxDays` after sign-in
 * whatever happens (`WEFT_SESSION_IDLE_MINUTES`, `WEFT_SESSION_MAX_DAYS`).
 */
export interface SessionSettings {
  idleMinutes: number;
  maxDays: number;
}
export const defaultSessionSettings: SessionSettings = { idleMinutes: 12 * 60, maxDays: 7 };

/** A session's last_seen_at is written at most this often: a write per request would cost more than it tells. */
const touchIntervalMs = 60_000;

export function hashSessionSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export interface NewSession {
  /** The cookie's value: 256 random bits. Only its SHA-256 is stored. */
  secret: string;
  sessionId: string;
  csrfToken: string;
  /** The absolute end; the idle end slides with use. */
  expiresAt: Date;
  idleTimeoutMinutes: number;
}

/** Signs a user in: a new session (and the user's last sign-in recorded). Sessions past their end are cleared. */
export async function createSession(
  db: Kysely<Database>,
  input: {
    userId: string;
    clock: WallClock;
    settings: SessionSettings;
    userAgent?: string | undefined;
    ip?: string | undefined;
  },
): Promise<NewSession> {
  const now = new Date(input.clock.now());
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + input.settings.maxDays * 86_400_000);
  const row = await db.transaction().execute(async (tx) => {
    // Sessions past their absolute end, of anyone: found by the expiry index, so this stays cheap.
    await tx.deleteFrom('user_sessions').where('expires_at', '<=', now).execute();
    await tx.updateTable('users').set({ last_sign_in_at: now }).where('id', '=', input.userId).execute();
    return tx
      .insertInto('user_sessions')
      .values({
        user_id: input.userId,
        token_hash: hashSessionSecret(secret),
        created_at: now,
        expires_at: expiresAt,
        last_seen_at: now,
        idle_timeout_seconds: input.settings.idleMinutes * 60,
        user_agent: input.userAgent?.slice(0, 500) ?? null,
        ip: input.ip ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  });
  return {
    secret,
    sessionId: row.id,
    csrfToken: csrfTokenFor(secret),
    expiresAt,
    idleTimeoutMinutes: input.settings.idleMinutes,
  };
}

/**
 * Resolves a session cookie to its organization user, or throws the 401 that says why it was refused: unknown
 * (signed out, or never one of this server's), idle too long, past its absolute end, or created before the user's
 * `sessions_valid_after` (signed out everywhere). The authentication hook calls it with the system clock.
 */
export async function authenticateSession(
  db: Kysely<Database>,
  secret: string,
  options: { clock?: WallClock } = {},
): Promise<OrganizationCaller> {
  const now = (options.clock ?? systemWallClock).now();
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.created_at',
      's.expires_at',
      's.last_seen_at',
      's.idle_timeout_seconds',
      'u.id as user_id',
      'u.org_id',
      'u.role',
      'u.email',
      'u.sessions_valid_after',
    ])
    .where('s.token_hash', '=', hashSessionSecret(secret))
    .executeTakeFirst();
  if (!row) {
    throw new WeftError(
      'AUTH_SESSION_INVALID',
      'This session is not valid: it was signed out, or is not one of this server.',
    );
  }
  const idleEnd = row.last_seen_at.getTime() + row.idle_timeout_seconds * 1000;
  const ended =
    row.expires_at.getTime() <= now
      ? `it reached its end at ${row.expires_at.toISOString()} (sessions last at most a fixed number of days)`
      : idleEnd <= now
        ? `it was idle since ${row.last_seen_at.toISOString()}, longer than ${Math.round(row.idle_timeout_seconds / 60)} minutes`
        : row.created_at.getTime() < row.sessions_valid_after.getTime()
          ? `the user was signed out everywhere at ${row.sessions_valid_after.toISOString()}`
          : undefined;
  if (ended) {
    await db.deleteFrom('user_sessions').where('id', '=', row.id).execute();
    throw new WeftError('AUTH_SESSION_INVALID', `This session has ended: ${ended}.`);
  }
  if (now - row.last_seen_at.getTime() >= touchIntervalMs) {
    await db
      .updateTable('user_sessions')
      .set({ last_seen_at: new Date(now) })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    kind: 'organization',
    orgId: row.org_id,
    role: row.role as OrgRole,
    tokenId: null,
    userId: row.user_id,
    sessionId: row.id,
    actorName: row.email,
  };
}

/** The ends of a live session, for `GET /api/session`. */
export async function sessionTimes(
  db: Kysely<Database>,
  sessionId: string,
): Promise<{ expiresAt: Date; idleTimeoutMinutes: number } | undefined> {
  const row = await db
    .selectFrom('user_sessions')
    .select(['expires_at', 'idle_timeout_seconds'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row
    ? { expiresAt: row.expires_at, idleTimeoutMinutes: Math.round(row.idle_timeout_seconds / 60) }
    : undefined;
}

/** Signs one session out. */
export async function endSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.deleteFrom('user_sessions').where('id', '=', sessionId).execute();
}

/**
 * Signs a user out everywhere: every session made until now is invalid (`sessions_valid_after`) and deleted. The
 * user's API tokens are not touched: they are revoked one by one (`weft logout`, DELETE /api/users/me/tokens/:id).
 */
export async function endEverySession(
  db: Kysely<Database>,
  userId: string,
  clock: WallClock,
): Promise<number> {
  const now = new Date(clock.now());
  return db.transaction().execute(async (tx) => {
    await tx
      .updateTable('users')
      .set({ sessions_valid_after: now, updated_at: now })
      .where('id', '=', userId)
      .execute();
    const deleted = await tx.deleteFrom('user_sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}
