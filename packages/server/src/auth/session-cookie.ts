import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionCookieName } from './session-store.js';

/**
 * Cookies are Secure when callers reach Weft over https: the public URL says so (`WEFT_PUBLIC_URL=https://…`), else
 * the request itself. Over plain http (a developer's machine) a Secure cookie would never come back.
 */
export function cookiesAreSecure(request: FastifyRequest, publicUrl: string | undefined): boolean {
  return publicUrl ? publicUrl.startsWith('https:') : request.protocol === 'https';
}

/**
 * The session cookie: HTTP-only (no script reads it), SameSite=Lax (another site's forms and scripts do not carry
 * it; the CSRF header stops the rest), Path=/ (the API and the console), expiring with the session's absolute end.
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  expiresAt: Date,
  publicUrl: string | undefined,
): void {
  reply.setCookie(sessionCookieName, secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookiesAreSecure(request, publicUrl),
    expires: expiresAt,
  });
}

export function clearSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  publicUrl: string | undefined,
): void {
  reply.clearCookie(sessionCookieName, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookiesAreSecure(request, publicUrl),
  });
}
