import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { OrganizationCaller } from './caller.js';

/** The HTTP-only cookie that carries a signed-in organization user's session secret. */
export const sessionCookieName = 'weft_session';

/**
 * The CSRF token of a session: derived from its secret, so the server needs no extra state, and unreadable to
 * another site (which sees neither the cookie nor the answers that carry the token).
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`weft-csrf:${sessionSecret}`, 'utf8').digest('base64url');
}

/** Resolves a session cookie to its organization user, or throws the 401 that says why it was refused. */
export async function authenticateSession(_db: Kysely<Database>, _secret: string): Promise<OrganizationCaller> {
  // Placeholder until sessions land (issue 16, people helper replaces this file's body).
  throw new WeftError('AUTH_SESSION_INVALID', 'Sessions are not available yet.');
}
