import type { Egress } from '@weft/egress';
import * as oidc from 'openid-client';
import { WeftError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import type { SsoIdentity } from '../users/user-store.js';
import type { WallClock } from './session-store.js';
import { openClientSecret, type SsoRow } from './sso-store.js';

/**
 * Single sign-on with OpenID Connect, authorization code flow with PKCE, by `openid-client`. What a sign-in must
 * remember between leaving for the provider and coming back (state, nonce, PKCE verifier, where to return) travels in
 * a short-lived cookie sealed with the keyring: nothing is stored, and only the browser that started a sign-in can
 * finish it.
 *
 * Outbound requests (discovery, the token endpoint, JWKS, userinfo) go to the issuer an owner configured. They use
 * the egress guard (openid-client's `customFetch`), so a provider on this machine or a private network needs
 * WEFT_EGRESS_ALLOW.
 */

/** The cookie that carries a sign-in in progress; only the OIDC routes see it. */
export const oidcStateCookie = 'weft_oidc';
export const oidcCookiePath = '/api/auth/oidc';
/** How long a sign-in may take at the provider. */
export const oidcFlowMaxMs = 10 * 60_000;
const stateContext = 'oidc sign-in state';

export interface OidcFlow {
  orgId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  returnTo: string;
  startedAt: number;
}

/** Discovery documents and keys, kept a few minutes per organization and settings. */
const configurations = new Map<string, { config: oidc.Configuration; at: number }>();
const configurationTtlMs = 5 * 60_000;

function oidcFailure(message: string, details: Record<string, unknown>): WeftError {
  return new WeftError('AUTH_OIDC_FAILED', message, details);
}

/** What a failure of openid-client says, without anything secret (it never carries the code or tokens). */
function reasonOf(error: unknown): Record<string, unknown> {
  // openid-client wraps what its fetch threw (the egress guard's refusal among them): say the refusal itself.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string' && typeof cause.message === 'string') {
    return { reason: cause.message, reasonCode: cause.code };
  }
  const e = error as {
    message?: string;
    code?: string;
    error?: string;
    error_description?: string;
    status?: number;
  };
  return {
    reason: e.message ?? String(error),
    ...(e.code ? { reasonCode: e.code } : {}),
    ...(e.error ? { providerError: e.error } : {}),
    ...(e.error_description ? { providerErrorDescription: e.error_description } : {}),
    ...(e.status ? { providerStatus: e.status } : {}),
  };
}

async function configurationFor(
  keyring: Keyring,
  settings: SsoRow,
  egress: Egress,
): Promise<oidc.Configuration> {
  const secret = await openClientSecret(keyring, settings);
  const key = JSON.stringify([
    settings.org_id,
    settings.issuer,
    settings.client_id,
    settings.updated_at.getTime(),
  ]);
  const cached = configurations.get(key);
  if (cached && Date.now() - cached.at < configurationTtlMs) return cached.config;
  const issuer = new URL(settings.issuer);
  try {
    const config = await oidc.discovery(
      issuer,
      settings.client_id,
      secret === undefined ? undefined : { client_secret: secret },
      // client_secret_basic is OpenID Connect's default method; without a secret, a public client (PKCE only).
      secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret),
      // http is accepted for a provider on this machine only (checked when the settings are saved).
      {
        execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: 15,
        // Discovery, the token endpoint, JWKS and userinfo go out under the egress guard like every other request
        // made on a user's behalf; a provider on a private network needs WEFT_EGRESS_ALLOW.
        [oidc.customFetch]: (url, options) => egress.fetch(url, options as never),
      },
    );
    for (const [stale, entry] of configurations) {
      if (Date.now() - entry.at >= configurationTtlMs) configurations.delete(stale);
    }
    configurations.set(key, { config, at: Date.now() });
    return config;
  } catch (error) {
    throw oidcFailure(`The OpenID provider at ${settings.issuer} could not be discovered.`, {
      issuer: settings.issuer,
      ...reasonOf(error),
    });
  }
}

/** The provider's authorization URL to send the browser to, and the flow to seal into the state cookie. */
export async function beginOidcSignIn(
  keyring: Keyring,
  settings: SsoRow,
  input: { redirectUri: string; returnTo: string; clock: WallClock; egress: Egress },
): Promise<{ authorizationUrl: string; sealedFlow: string }> {
  const config = await configurationFor(keyring, settings, input.egress);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const flow: OidcFlow = {
    orgId: settings.org_id,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier,
    redirectUri: input.redirectUri,
    returnTo: input.returnTo,
    startedAt: input.clock.now(),
  };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: input.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { authorizationUrl: url.href, sealedFlow: await keyring.seal(flow, stateContext) };
}

function stateInvalid(message: string): WeftError {
  return new WeftError('AUTH_OIDC_STATE_INVALID', message);
}

/** The sign-in a callback belongs to: the sealed cookie, opened, fresh, and for the state the provider sent back. */
export async function openOidcFlow(
  keyring: Keyring,
  sealed: string | undefined,
  state: string | undefined,
  clock: WallClock,
): Promise<OidcFlow> {
  if (!sealed) {
    throw stateInvalid(
      'No single sign-on was started in this browser (its cookie is missing: another browser, or it expired).',
    );
  }
  let flow: OidcFlow;
  try {
    flow = await keyring.open<OidcFlow>(sealed, stateContext, 'the sign-in state');
  } catch {
    throw stateInvalid('The sign-in state cookie was altered or is not one of this server.');
  }
  if (clock.now() - flow.startedAt > oidcFlowMaxMs) {
    throw stateInvalid('The sign-in took longer than 10 minutes at the provider.');
  }
  if (!state || state !== flow.state) {
    throw stateInvalid(
      'The provider answered for another sign-in than the one this browser started (state mismatch).',
    );
  }
  return flow;
}

/**
 * Exchanges the code and checks the ID token (signature, issuer, audience, expiry, nonce; PKCE at the provider);
 * the email comes from the ID token, or from the userinfo endpoint when the ID token carries none.
 */
export async function finishOidcSignIn(
  keyring: Keyring,
  settings: SsoRow,
  flow: OidcFlow,
  callbackQuery: string,
  egress: Egress,
): Promise<SsoIdentity> {
  const config = await configurationFor(keyring, settings, egress);
  const current = new URL(flow.redirectUri);
  current.search = callbackQuery;
  const params = current.searchParams;
  if (params.get('error')) {
    throw oidcFailure(`The OpenID provider refused the sign-in: ${params.get('error')}.`, {
      providerError: params.get('error'),
      providerErrorDescription: params.get('error_description'),
      redirectUri: flow.redirectUri,
    });
  }
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw oidcFailure('The sign-in could not be completed with the OpenID provider.', {
      redirectUri: flow.redirectUri,
      ...reasonOf(error),
    });
  }
  const claims = tokens.claims();
  if (!claims)
    throw oidcFailure('The OpenID provider answered no ID token.', { redirectUri: flow.redirectUri });
  let email = typeof claims.email === 'string' ? claims.email : undefined;
  let emailVerified = verifiedClaim(claims.email_verified);
  let name = typeof claims.name === 'string' ? claims.name : undefined;
  // The userinfo endpoint when the ID token lacks the email, or does not say whether the provider verified it.
  if ((email === undefined || emailVerified === undefined) && tokens.access_token) {
    let info: oidc.UserInfoResponse | undefined;
    try {
      info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    } catch (error) {
      if (email === undefined) {
        throw oidcFailure(
          'The OpenID provider’s userinfo endpoint did not answer the email.',
          reasonOf(error),
        );
      }
      // The email is known, its verification stays unknown: it is then used to link or create no user.
    }
    if (info) {
      const infoEmail = typeof info.email === 'string' ? info.email : undefined;
      // email_verified speaks of the email it comes with.
      if (email === undefined || infoEmail === email) {
        email = infoEmail;
        emailVerified = verifiedClaim(info.email_verified);
      }
      name ??= typeof info.name === 'string' ? info.name : undefined;
    }
  }
  return { issuer: settings.issuer, subject: claims.sub, email, emailVerified, name };
}

/**
 * The email_verified claim: true or false, or undefined when absent (an unverified email, to the caller). A few
 * providers send it as the string "true"; it means the same.
 */
function verifiedClaim(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}
