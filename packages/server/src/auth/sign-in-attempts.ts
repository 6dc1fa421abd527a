import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { WallClock } from './session-store.js';

/**
 * Password guessing is slowed per email and, separately, per client address: past `perEmail` (or `perIp`) failed
 * sign-ins within `windowMinutes`, sign-in is refused for `lockMinutes` (429 `AUTH_SIGN_IN_LOCKED`, with the time to
 * come back). Unknown emails count like known ones, so the lock does not tell which exist. A success clears the
 * email's count (not the address's: one address may try many emails).
 *
 * Every attempt is counted before its password is checked (`reserveAttempt`), in one statement per key, so a burst
 * of parallel requests cannot all pass a check made before the slow scrypt: at most `perEmail` of them are tried,
 * the rest are refused. The attempt that reaches the limit locks at once; its success undoes that (`recordSuccess`
 * clears the email, `releaseAttempt` takes the attempt back from the address).
 */
export interface SignInLimits {
  perEmail: number;
  perIp: number;
  windowMinutes: number;
  lockMinutes: number;
}
export const defaultSignInLimits: SignInLimits = {
  perEmail: 5,
  perIp: 20,
  windowMinutes: 15,
  lockMinutes: 15,
};

export interface AttemptKeys {
  email: string;
  ip: string;
}

const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
const ipKey = (ip: string) => `ip:${ip}`;

function humanWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

function lockedError(key: string, retryAt: Date, now: number): WeftError {
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
  const byEmail = key.startsWith('email:');
  return new WeftError(
    'AUTH_SIGN_IN_LOCKED',
    `Sign-in for ${byEmail ? 'this email address' : 'your network address'} is locked after too many failed attempts: try again at ${retryAt.toISOString()} (in ${humanWait(retryAfterSeconds)}).`,
    { retryAt: retryAt.toISOString(), retryAfterSeconds, lockedBy: byEmail ? 'email' : 'ip' },
  );
}

/** Throws 429 `AUTH_SIGN_IN_LOCKED` while the email or the address is locked. */
export async function refuseWhileLocked(
  db: Kysely<Database>,
  keys: AttemptKeys,
  clock: WallClock,
): Promise<void> {
  const now = clock.now();
  const rows = await db
    .selectFrom('sign_in_attempts')
    .select(['key', 'locked_until'])
    .where('key', 'in', [emailKey(keys.email), ipKey(keys.ip)])
    .where('locked_until', '>', new Date(now))
    .execute();
  const lock = rows.sort((a, b) => (b.locked_until?.getTime() ?? 0) - (a.locked_until?.getTime() ?? 0))[0];
  if (!lock?.locked_until) return;
  throw lockedError(lock.key, lock.locked_until, now);
}

/**
 * Counts one attempt for `key`, atomically, and says whether it may be tried: the row is locked while PostgreSQL
 * updates it, so concurrent attempts are counted one after the other. A window older than windowMinutes starts
 * over; a lock that has ended leaves one more try in its window (which locks again until it succeeds); while a lock
 * holds, nothing is counted and the attempt is refused. Reaching the limit locks at once: the attempt that reaches
 * it is still tried, and only its success lifts the lock.
 */
async function countAttempt(
  db: Kysely<Database>,
  key: string,
  limit: number,
  now: Date,
  windowStart: Date,
  lockedUntil: Date,
): Promise<{ allowed: boolean; lockedUntil: Date | null }> {
  // (A CASE takes a null condition as false: a row without a lock is neither locked nor after one.)
  const locked = sql`a.locked_until > ${now}`;
  const windowOver = sql`a.window_started_at <= ${windowStart}`;
  const lockEnded = sql`a.locked_until <= ${now}`;
  const counted = sql<number>`case
    when ${windowOver} then 1
    when ${lockEnded} then ${limit}::int
    else least(a.failures + 1, ${limit}::int + 1) end`;
  const { rows } = await sql<{ failures: number; locked_until: Date | null }>`
    insert into sign_in_attempts as a (key, failures, window_started_at, locked_until)
    values (${key}, 1, ${now}, ${limit <= 1 ? lockedUntil : null})
    on conflict (key) do update set
      failures = case when ${locked} then greatest(a.failures, ${limit}::int + 1) else ${counted} end,
      window_started_at = case
        when ${locked} then a.window_started_at
        when ${windowOver} then ${now}
        else a.window_started_at end,
      locked_until = case
        when ${locked} then a.locked_until
        when ${counted} >= ${limit}::int then ${lockedUntil}::timestamptz
        else null end
    returning failures, locked_until`.execute(db);
  const row = rows[0];
  return { allowed: row !== undefined && row.failures <= limit, lockedUntil: row?.locked_until ?? null };
}

/**
 * Counts a sign-in attempt for the email and the address before its password is checked; throws 429
 * `AUTH_SIGN_IN_LOCKED` when either is past its limit (then the attempt is tried nowhere and counts nowhere).
 */
export async function reserveAttempt(
  db: Kysely<Database>,
  keys: AttemptKeys,
  clock: WallClock,
  limits: SignInLimits,
): Promise<void> {
  const now = new Date(clock.now());
  const windowStart = new Date(now.getTime() - limits.windowMinutes * 60_000);
  const lockedUntil = new Date(now.getTime() + limits.lockMinutes * 60_000);
  const email = emailKey(keys.email);
  const byEmail = await countAttempt(db, email, limits.perEmail, now, windowStart, lockedUntil);
  if (!byEmail.allowed) throw lockedError(email, byEmail.lockedUntil ?? lockedUntil, now.getTime());
  const ip = ipKey(keys.ip);
  const byIp = await countAttempt(db, ip, limits.perIp, now, windowStart, lockedUntil);
  if (!byIp.allowed) {
    await releaseKey(db, email, limits.perEmail);
    throw lockedError(ip, byIp.lockedUntil ?? lockedUntil, now.getTime());
  }
}

/** Takes one counted attempt back from `key`; the lock it set (having reached the limit) goes with it. */
async function releaseKey(db: Kysely<Database>, key: string, limit: number): Promise<void> {
  await sql`
    update sign_in_attempts set
      failures = greatest(failures - 1, 0),
      locked_until = case when failures - 1 < ${limit}::int then null else locked_until end
    where key = ${key}`.execute(db);
}

/** After a failed attempt (already counted): forgets the counts nobody needs any more. */
export async function forgetStaleAttempts(
  db: Kysely<Database>,
  clock: WallClock,
  limits: SignInLimits,
): Promise<void> {
  const now = new Date(clock.now());
  const windowStart = new Date(now.getTime() - limits.windowMinutes * 60_000);
  // The window is over and no lock holds: a flood of made-up emails leaves no trace.
  await db
    .deleteFrom('sign_in_attempts')
    .where('window_started_at', '<=', windowStart)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .execute();
}

/**
 * A sign-in whose password was right: the attempt was no failure. The address gets it back; the email's count is
 * cleared (`recordSuccess`).
 */
export async function releaseAttempt(
  db: Kysely<Database>,
  keys: AttemptKeys,
  limits: SignInLimits,
): Promise<void> {
  await releaseKey(db, ipKey(keys.ip), limits.perIp);
  await recordSuccess(db, keys.email);
}

/** A successful sign-in (or a new password from an invitation) clears the email's failures and its lock. */
export async function recordSuccess(db: Kysely<Database>, email: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('key', '=', emailKey(email)).execute();
}
