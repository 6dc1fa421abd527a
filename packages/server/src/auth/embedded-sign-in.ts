import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { CustomerCaller } from './caller.js';

/** A compact JWS (three base64url parts, a JSON header first): never the shape of a Weft API token. */
export function looksLikeJwt(bearer: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(bearer);
}

/** Verifies an embedded sign-in JWT and resolves it to its customer user (created on first sight). */
export async function authenticateEmbeddedUser(_db: Kysely<Database>, _jwt: string): Promise<CustomerCaller> {
  // Placeholder until embedded sign-in lands (issue 16, embedded sign-in helper replaces this file's body).
  throw new WeftError('AUTH_TOKEN_INVALID', 'Embedded sign-in is not available yet.');
}
