import { type ApiAnswer, callApi } from './test-server.js';

/**
 * A browser's side of a signed-in session, over plain HTTP: the cookie the sign-in set, and the CSRF token its
 * answer gave. `api` sends the cookie (never a bearer token) and, unless told otherwise, the CSRF header.
 */
export interface Session {
  cookie: string;
  csrfToken: string;
  /** The sign-in's answer. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on JSON answers
  signedIn: any;
  /** The Set-Cookie header of the sign-in, for its attributes. */
  setCookie: string;
  api(
    method: string,
    path: string,
    options?: { body?: unknown; csrf?: string | null; headers?: Record<string, string>; rawBody?: string },
  ): Promise<ApiAnswer>;
}

/** The `name=value` of the cookie called `name` in a response's Set-Cookie headers. */
export function cookieFrom(headers: Headers, name: string): { pair: string; header: string } | undefined {
  const header = headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!header) return undefined;
  return { pair: header.split(';')[0] as string, header };
}

export function sessionOf(baseUrl: string, answer: ApiAnswer): Session {
  const cookie = cookieFrom(answer.headers, 'weft_session');
  if (answer.status !== 200 || !cookie) {
    throw new Error(`sign-in failed: ${answer.status} ${answer.text}`);
  }
  const csrfToken = answer.body.csrfToken as string;
  return {
    cookie: cookie.pair,
    csrfToken,
    signedIn: answer.body,
    setCookie: cookie.header,
    api: (method, path, options = {}) =>
      callApi(baseUrl, '', method, path, {
        token: null,
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : {}),
        headers: {
          cookie: cookie.pair,
          ...(options.csrf === null ? {} : { 'x-csrf-token': options.csrf ?? csrfToken }),
          ...options.headers,
        },
      }),
  };
}

/** Signs in with a password over HTTP; fails the test unless it worked. */
export async function signIn(
  baseUrl: string,
  body: { email: string; password: string; organization?: string },
): Promise<Session> {
  return sessionOf(baseUrl, await signInAnswer(baseUrl, body));
}

/** The raw answer of a password sign-in (for tests of refusals). */
export function signInAnswer(
  baseUrl: string,
  body: { email: string; password: string; organization?: string },
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  return callApi(baseUrl, '', 'POST', '/api/auth/sign-in', { token: null, body, headers });
}
