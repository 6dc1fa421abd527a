import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { WallClock } from './session-store.js';

/**
 * Password guessing is slowed per email and, separately, per client address: past `perEmail` (or `perIp`) failed
 * sign-ins within `windowMinutes`, sign-in is refused for `lockMinutes` (429 `AUTH_SIGN_IN_LOCKED`, with the time to
 * come back). Unknown emails count like known ones, so the lock does not tell which exist. A success clears the
 * email's count (not the address's: one address may try many emails).
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
  const retryAt = lock.locked_until;
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
  const what = lock.key.startsWith('email:') ? 'this email address' : 'your network address';
  throw new WeftError(
    'AUTH_SIGN_IN_LOCKED',
    `Sign-in for ${what} is locked after too many failed attempts: try again at ${retryAt.toISOString()} (in ${humanWait(retryAfterSeconds)}).`,
    {
      retryAt: retryAt.toISOString(),
      retryAfterSeconds,
      lockedBy: lock.key.startsWith('email:') ? 'email' : 'ip',
    },
  );
}

/** Counts a failed sign-in for the email and the address; the one that reaches its limit is locked. */
export async function recordFailure(
  db: Kysely<Database>,
  keys: AttemptKeys,
  clock: WallClock,
  limits: SignInLimits,
): Promise<void> {
  const now = new Date(clock.now());
  const windowStart = new Date(now.getTime() - limits.windowMinutes * 60_000);
  const lockedUntil = new Date(now.getTime() + limits.lockMinutes * 60_000);
  for (const [key, limit] of [
    [emailKey(keys.email), limits.perEmail],
    [ipKey(keys.ip), limits.perIp],
  ] as const) {
    // One statement, so concurrent failures each count: a window older than windowMinutes starts over.
    await sql`
      insert into sign_in_attempts as a (key, failures, window_started_at, locked_until)
      values (${key}, 1, ${now}, ${limit <= 1 ? lockedUntil : null})
      on conflict (key) do update set
        failures = case when a.window_started_at <= ${windowStart} then 1 else a.failures + 1 end,
        window_started_at = case when a.window_started_at <= ${windowStart} then ${now} else a.window_started_at end,
        locked_until = case
          when (case when a.window_started_at <= ${windowStart} then 1 else a.failures + 1 end) >= ${limit}
            then ${lockedUntil}::timestamptz
          else a.locked_until end`.execute(db);
  }
  // Counts nobody needs any more (the window is over, no lock holds): a flood of made-up emails leaves no trace.
  await db
    .deleteFrom('sign_in_attempts')
    .where('window_started_at', '<=', windowStart)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .execute();
}

/** A successful sign-in clears the email's failures. */
export async function recordSuccess(db: Kysely<Database>, email: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('key', '=', emailKey(email)).execute();
}
