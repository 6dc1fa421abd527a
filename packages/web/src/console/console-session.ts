/**
 * The console's session: the HTTP-only cookie the server sets at sign-in (no script can read it), plus the CSRF token
 * the server answers, held in memory and sent as `X-CSRF-Token` with every change. Reloading the page asks
 * `GET /api/session` again, which answers the same token for the same cookie.
 */
import { answerOf, createWeftClient, type WeftClient } from '@weft/client';
import type { ApiSchema } from '../shared/api.js';

export type SessionInfo = ApiSchema<'SessionInfo'>;

/** A permission name of the server (`integrations:write`...); the server checks each call anyway. */
export type Permission = string;

export interface ConsoleSession {
  info: SessionInfo;
  api: WeftClient;
  can(permission: Permission): boolean;
}

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The API as the signed-in person: the cookie rides along (same origin), the CSRF token goes on every change, and a
 * 401 (the session ended: idle, signed out elsewhere) tells `onSignedOut`.
 */
export function createConsoleApi(csrfToken: () => string | null, onSignedOut: () => void): WeftClient {
  return createWeftClient({
    url: window.location.origin,
    fetch: async (request) => {
      const token = csrfToken();
      if (token && !readOnlyMethods.has(request.method)) request.headers.set('x-csrf-token', token);
      const response = await fetch(request, { credentials: 'same-origin' });
      if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) onSignedOut();
      return response;
    },
  });
}

/** Who is signed in, or undefined when nobody is (the cookie is missing or its session ended). */
export async function fetchSession(api: WeftClient): Promise<SessionInfo | undefined> {
  const answer = await api.GET('/api/session');
  if (answer.response.status === 401) return undefined;
  return answerOf(Promise.resolve(answer));
}

export function sessionOf(info: SessionInfo, api: WeftClient): ConsoleSession {
  const held = new Set(info.permissions);
  return { info, api, can: (permission) => held.has(permission) };
}

/** Where to go after signing in: a path of the console, never another site. */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !/^\/(?![/\\])/.test(value) || /[\s\\]/.test(value)) return '/';
  if (value.startsWith('/sign-in') || value.startsWith('/setup') || value.startsWith('/invitations'))
    return '/';
  return value;
}
