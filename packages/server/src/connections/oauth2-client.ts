import { createHash, randomBytes } from 'node:crypto';
import { defaultEgress, type Egress, egressRefusalIn } from '@weft/egress';

/**
 * The OAuth 2.0 client side of connections (RFC 6749, PKCE from RFC 7636), written over `fetch` rather than a
 * library because real-world providers bend the spec: GitHub answers form-encoded bodies and 200 errors, Slack
 * answers `{ok:false,error}` with 200, some send `token_type: "bearer"` or no `expires_in`. Everything a provider
 * returns is kept in the token set, as Prismatic keeps it, so components can read provider-specific fields.
 *
 * What this module throws is always an `OAuth2Error`, whose message may end up in logs and API answers: it names
 * the endpoint (origin and path, never the query) and the provider's error, and never a secret, code or token.
 *
 * Token endpoints are URLs a connection's author or user typed: requests go through the server's egress policy
 * (the SSRF guard), and a refused address fails with the code `EGRESS_ADDRESS_REFUSED` and the guard's message.
 */

export type OAuth2GrantType = 'authorization_code' | 'client_credentials';

export interface OAuth2Settings {
  grantType: OAuth2GrantType;
  /** May carry its own query parameters (e.g. `?token_access_type=offline`); they are kept. */
  authorizeUrl?: string;
  tokenUrl: string;
  /** Overrides `tokenUrl` for refreshes. */
  refreshUrl?: string;
  clientId: string;
  clientSecret?: string;
  /** Space-delimited. */
  scopes?: string;
  /** Omitted: no PKCE. */
  pkceMethod?: 'S256' | 'plain';
  extraAuthParams?: Record<string, string>;
  extraTokenParams?: Record<string, string>;
  /** `body` (the default): client_id and client_secret in the form; `basic`: HTTP Basic authentication. */
  clientAuthentication?: 'body' | 'basic';
}

export interface TokenSet {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  expires_in?: number;
  /** ISO time, computed from `expires_in` when the token was received. */
  expires_at?: string;
  scope?: string;
  [extra: string]: unknown;
}

export interface TokenRequestOptions {
  signal?: AbortSignal;
  /** Default 30 s. */
  timeoutMs?: number;
  /** The server's egress policy; without it, the guarded default (this process's WEFT_EGRESS_ALLOW). */
  egress?: Egress;
}

export const defaultTokenRequestTimeoutMs = 30_000;

/**
 * Errors after which retrying the same request cannot succeed: the grant or the client registration is gone or
 * wrong, so the user has to reconnect (or fix the connection's settings). Besides the RFC 6749 codes, the
 * non-standard codes GitHub and Slack answer for the same situations.
 */
const permanentErrorCodes = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_settings',
  // GitHub
  'bad_verification_code',
  'bad_refresh_token',
  'incorrect_client_credentials',
  // Slack
  'invalid_code',
  'invalid_refresh_token',
  'invalid_client_id',
  'bad_client_secret',
]);

export class OAuth2Error extends Error {
  override readonly name = 'OAuth2Error';
  /** The provider's `error`, or `network_error`, `invalid_response`, `timeout`, `aborted`, `invalid_settings`. */
  readonly code: string;
  readonly status?: number;
  readonly description?: string;
  /** Retrying cannot help: the user must reconnect or the settings must change. */
  readonly permanent: boolean;

  constructor(
    code: string,
    message: string,
    details: { status?: number; description?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.description !== undefined) this.description = details.description;
    this.permanent = permanentErrorCodes.has(code);
  }
}

export function authorizationRequest(
  settings: OAuth2Settings,
  request: { redirectUri: string; state: string },
): { url: string; codeVerifier?: string } {
  if (!settings.authorizeUrl) {
    throw new OAuth2Error('invalid_settings', 'The authorization code grant needs an authorize URL.');
  }
  const url = new URL(settings.authorizeUrl);
  for (const [name, value] of Object.entries(settings.extraAuthParams ?? {}))
    url.searchParams.set(name, value);
  // Set after the extra parameters so that they cannot replace the protocol's own.
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  if (settings.scopes) url.searchParams.set('scope', settings.scopes);
  url.searchParams.set('state', request.state);
  if (!settings.pkceMethod) return { url: url.href };

  // 32 random bytes make a 43-character verifier, the shortest RFC 7636 allows, with 256 bits of entropy.
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge =
    settings.pkceMethod === 'S256'
      ? createHash('sha256').update(codeVerifier).digest('base64url')
      : codeVerifier;
  url.searchParams.set('code_challenge', codeChallenge);
  url.searchParams.set('code_challenge_method', settings.pkceMethod);
  return { url: url.href, codeVerifier };
}

export function exchangeAuthorizationCode(
  settings: OAuth2Settings,
  exchange: { code: string; redirectUri: string; codeVerifier?: string },
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
  };
  if (exchange.codeVerifier) params.code_verifier = exchange.codeVerifier;
  return tokenRequest(settings, settings.tokenUrl, params, [exchange.code, exchange.codeVerifier], options);
}

/** When the provider answers no new refresh token, the one used stays valid and is kept in the returned set. */
export async function refreshAccessToken(
  settings: OAuth2Settings,
  refreshToken: string,
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const tokens = await tokenRequest(
    settings,
    settings.refreshUrl || settings.tokenUrl,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    [refreshToken],
    options,
  );
  return tokens.refresh_token ? tokens : { ...tokens, refresh_token: refreshToken };
}

export function requestClientCredentialsToken(
  settings: OAuth2Settings,
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const params: Record<string, string> = { grant_type: 'client_credentials' };
  if (settings.scopes) params.scope = settings.scopes;
  return tokenRequest(settings, settings.tokenUrl, params, [], options);
}

/** Without a known expiry a token counts as valid: the resource server's 401 is the only way to find out. */
export function isExpired(token: TokenSet, skewMs: number, now = Date.now()): boolean {
  if (!token.expires_at) return false;
  const expiresAt = Date.parse(token.expires_at);
  return Number.isFinite(expiresAt) && expiresAt - skewMs <= now;
}

async function tokenRequest(
  settings: OAuth2Settings,
  endpoint: string,
  grantParams: Record<string, string>,
  grantSecrets: Array<string | undefined>,
  options: TokenRequestOptions,
): Promise<TokenSet> {
  const secrets = [settings.clientSecret, ...grantSecrets].filter((value): value is string => !!value);
  const where = endpointName(endpoint);
  const form = new URLSearchParams({ ...settings.extraTokenParams, ...grantParams });
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (settings.clientAuthentication === 'basic' && settings.clientSecret !== undefined) {
    // RFC 6749 section 2.3.1: each part is form-urlencoded before the Basic encoding.
    const credentials = `${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else {
    form.set('client_id', settings.clientId);
    if (settings.clientSecret !== undefined) form.set('client_secret', settings.clientSecret);
  }

  const timeoutMs = options.timeoutMs ?? defaultTokenRequestTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let status: number;
  let contentType: string;
  let text: string;
  try {
    // Not followed: a redirect would resend the client secret and the grant to wherever it points.
    const response = await (options.egress ?? defaultEgress()).fetch(endpoint, {
      method: 'POST',
      headers,
      body: form,
      signal,
      redirect: 'manual',
    });
    status = response.status;
    contentType = response.headers.get('content-type') ?? '';
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) {
      throw new OAuth2Error('timeout', `Token request to ${where} got no answer within ${timeoutMs} ms.`);
    }
    if (options.signal?.aborted) {
      throw new OAuth2Error('aborted', `Token request to ${where} was aborted.`);
    }
    const refusal = egressRefusalIn(error);
    if (refusal) {
      throw new OAuth2Error(refusal.code, `Token request to ${where} was not sent: ${refusal.message}`, {
        cause: error,
      });
    }
    const reason = networkReason(error);
    throw new OAuth2Error('network_error', `Token request to ${where} failed: ${redact(reason, secrets)}.`, {
      cause: error,
    });
  }

  const body = parseBody(text, contentType);
  const providerError = errorOf(body ?? {}, status);
  if (providerError) {
    const description = providerError.description && redact(providerError.description, secrets);
    const explained = description ? `${providerError.code} (${description})` : providerError.code;
    throw new OAuth2Error(
      providerError.code,
      `Token request to ${where} was refused: HTTP ${status} ${redact(explained, secrets)}.`,
      { status, ...(description ? { description } : {}) },
    );
  }
  if (status < 200 || status > 299 || !body || typeof body.access_token !== 'string' || !body.access_token) {
    const what =
      status >= 200 && status <= 299
        ? 'no access_token'
        : status >= 300 && status <= 399
          ? 'a redirect, which token requests do not follow'
          : 'no OAuth error';
    throw new OAuth2Error(
      'invalid_response',
      `Token request to ${where} answered HTTP ${status} with ${what}.`,
      {
        status,
      },
    );
  }
  return tokenSet(body);
}

/** Ten years: longer lifetimes are stored as this (an access token that never needs renewing in practice). */
const maxTokenLifetimeSeconds = 10 * 365 * 24 * 3600;

function tokenSet(body: Record<string, unknown>): TokenSet {
  const tokens = { ...body } as TokenSet;
  // Form-encoded answers carry every value as a string.
  const expiresIn = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0) {
    tokens.expires_in = expiresIn;
    // A lifetime past what a date can say (year 9999, ~ 250 billion seconds from now) is "never", not an error.
    tokens.expires_at = new Date(
      Date.now() + Math.min(expiresIn, maxTokenLifetimeSeconds) * 1000,
    ).toISOString();
  } else {
    delete tokens.expires_in;
    // A provider's own expires_at has no agreed shape; only the one computed here is trusted by isExpired.
    delete tokens.expires_at;
  }
  return tokens;
}

function parseBody(text: string, contentType: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (contentType.includes('json') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  // GitHub answers form-encoded bodies unless asked otherwise, and some servers label them text/plain.
  if (contentType.includes('x-www-form-urlencoded') || contentType.includes('text/plain')) {
    return Object.fromEntries(new URLSearchParams(trimmed));
  }
  return undefined;
}

function errorOf(
  body: Record<string, unknown>,
  status: number,
): { code: string; description?: string } | undefined {
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  if (typeof body.error === 'string' && body.error)
    return { code: body.error, ...(description && { description }) };
  // Slack answers HTTP 200 with {ok:false, error} on failure.
  if (body.ok === false) return { code: 'invalid_response', ...(description && { description }) };
  // RFC 6749 section 5.2: a 401 from the token endpoint means the client failed to authenticate.
  if (status === 401) return { code: 'invalid_client', ...(description && { description }) };
  return undefined;
}

function endpointName(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid token URL';
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return 'code' in cause && cause.code ? String(cause.code) : cause.message;
  return error instanceof Error ? error.message : String(error);
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Belt and braces: a provider may echo what it was sent in its error description. */
function redact(text: string, secrets: string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 4) redacted = redacted.replaceAll(secret, '[redacted]');
  }
  return redacted;
}
