import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { WeftError } from '../errors.js';

/**
 * Passwords of organization users: node:crypto's scrypt (memory-hard), run on libuv's thread pool so a sign-in
 * never blocks the event loop. A hash is stored as one self-describing string, `scrypt$N$r$p$salt$hash` (salt and
 * hash in base64url), so the cost can be raised later without breaking the hashes already stored.
 */

const cost = { N: 2 ** 15, r: 8, p: 1 } as const;
const saltBytes = 16;
const keyBytes = 64;
/** scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly that at N=2^15, so give it room. */
const maxmem = (n: number, r: number) => 256 * n * r;

export const passwordPolicy = { minLength: 12, maxLength: 256 } as const;

function derive(
  password: string,
  salt: Buffer,
  options: { N: number; r: number; p: number },
): Promise<Buffer> {
  const scryptOptions: ScryptOptions = { ...options, maxmem: maxmem(options.N, options.r) };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyBytes, scryptOptions, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/**
 * Refuses a password outside the policy with a message that says what to change (never the password itself). Counted
 * in characters as a person counts them (code points), not UTF-16 units.
 */
export function checkPasswordPolicy(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < passwordPolicy.minLength) {
    throw new WeftError(
      'USER_PASSWORD_INVALID',
      `The password is too short: it has ${length} characters, and needs at least ${passwordPolicy.minLength}.`,
      { field, minLength: passwordPolicy.minLength },
    );
  }
  if (length > passwordPolicy.maxLength) {
    throw new WeftError(
      'USER_PASSWORD_INVALID',
      `The password is too long: it has ${length} characters, and may have at most ${passwordPolicy.maxLength}.`,
      { field, maxLength: passwordPolicy.maxLength },
    );
  }
}

/** The stored form of a password (after `checkPasswordPolicy`). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const storedPattern = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Whether `password` is the one `stored` was made from; compared in constant time. A malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = storedPattern.exec(stored);
  if (!match) return false;
  const [, n, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  // Only the cost this module writes (or a higher one, after a future raise) is accepted: a stored hash is trusted
  // data, but a broken row must not make the server derive with absurd parameters.
  if (
    options.N < 2 ** 14 ||
    options.N > 2 ** 20 ||
    options.r < 1 ||
    options.r > 32 ||
    options.p < 1 ||
    options.p > 16
  ) {
    return false;
  }
  const key = await derive(password, Buffer.from(salt, 'base64url'), options);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of a real verification on a password nobody has: a sign-in for an unknown email (or a user without
 * a password) costs what a known one does, so the answer's timing does not tell which emails exist.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  await verifyPassword(password, await dummy);
  return false;
}
