import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses, NoContent } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import { userForSingleSignOn } from '../users/user-store.js';
import { orgCallerOf } from './caller.js';
import {
  beginOidcSignIn,
  finishOidcSignIn,
  oidcCookiePath,
  oidcFlowMaxMs,
  oidcStateCookie,
  openOidcFlow,
} from './oidc-sign-in.js';
import { cookiesAreSecure } from './session-cookie.js';
import { type ResolvedPeopleOptions, signInAs } from './sign-in.js';
import {
  OidcCallbackQuery,
  OidcStartQuery,
  Redirect,
  SignInOptions,
  SignInOptionsQuery,
  SsoSettings,
  SsoSettingsPut,
} from './sso-schemas.js';
import {
  deleteSsoSettings,
  getSsoRow,
  oidcUrls,
  putSsoSettings,
  ssoNotConfigured,
  toSsoSettings,
} from './sso-store.js';

/**
 * Where a sign-in may return to: a path of this server, never another origin (`//evil.example`, `/\evil.example`
 * and `https://…` are refused), so the sign-in cannot be used to send people elsewhere.
 */
function checkedReturnTo(returnTo: string | undefined): string {
  if (returnTo === undefined || returnTo === '') return '/';
  const sameOrigin = /^\/(?![/\\])/.test(returnTo) && !/[\s\\]/.test(returnTo) && !/[\p{Cc}]/u.test(returnTo);
  const parsed = sameOrigin ? new URL(returnTo, 'http://weft.invalid') : undefined;
  if (parsed?.origin !== 'http://weft.invalid') {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      'returnTo must be a path of this server starting with a single /, such as /instances.',
      { field: 'returnTo' },
    );
  }
  return returnTo;
}

/** The server's organization when it has exactly one. */
async function onlyOrganization(db: Kysely<Database>): Promise<string | undefined> {
  const organizations = await db.selectFrom('organizations').select('id').limit(2).execute();
  return organizations.length === 1 ? organizations[0]?.id : undefined;
}

async function organizationToSignInTo(db: Kysely<Database>, given: string | undefined): Promise<string> {
  if (given) return given;
  const only = await onlyOrganization(db);
  if (only) return only;
  throw new WeftError(
    'AUTH_SIGN_IN_ORGANIZATION_REQUIRED',
    'This server has several organizations; say which one to sign in to with ?organization=<id>.',
    { field: 'organization' },
  );
}

/**
 * Sign-in is a browser's trip, not an API call: when a person's browser (it asks for HTML) meets a refusal (single
 * sign-on off, a provider that failed, a stale state), it lands back on the console's sign-in page, which explains
 * the code. Only the code travels: the page's text is the console's own, not something a link could choose. API
 * callers keep the JSON error.
 */
function backToSignInPage(error: Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const wantsPage = (request.headers.accept ?? '').includes('text/html');
  if (!(error instanceof WeftError) || !wantsPage) throw error;
  return reply.redirect(`/sign-in?error=${encodeURIComponent(error.code)}`, 302);
}

function clearFlowCookie(request: FastifyRequest, reply: FastifyReply, publicUrl: string | undefined): void {
  reply.clearCookie(oidcStateCookie, {
    httpOnly: true,
    sameSite: 'lax',
    path: oidcCookiePath,
    secure: cookiesAreSecure(request, publicUrl),
  });
}

/**
 * Single sign-on: an organization's OpenID Connect settings (`/api/organization/sso`, owners only; the client
 * secret is sealed and never answered), and the sign-in itself (`/api/auth/oidc/start` → the provider →
 * `/api/auth/oidc/callback` → the session cookie and a redirect to returnTo).
 */
export function oidcRoutes(db: Kysely<Database>, options: ResolvedPeopleOptions) {
  return async function oidcRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(SsoSettings);
    const tags = ['single sign-on'];
    const { keyring, publicUrl, clock, egress } = options;

    app.get(
      '/organization/sso',
      {
        config: { permission: 'organization:read' },
        schema: {
          tags,
          summary: 'Get the single sign-on settings',
          description: 'The client secret is never answered, only whether one is set.',
          response: { 200: SsoSettings, ...errorResponses(404) },
        },
      },
      async (request) => {
        const { orgId } = orgCallerOf(request);
        const row = await getSsoRow(db, orgId);
        if (!row) throw ssoNotConfigured(orgId);
        return toSsoSettings(row, baseUrlOf(request, publicUrl));
      },
    );

    app.put(
      '/organization/sso',
      {
        config: { permission: 'organization:write' },
        schema: {
          tags,
          summary: 'Set up single sign-on (OpenID Connect)',
          description:
            'Register the answer’s redirectUri with the provider for this client. People with a verified email of allowedDomains get a user with defaultRole on their first sign-in; others must be invited first.',
          body: SsoSettingsPut,
          response: { 200: SsoSettings, ...errorResponses() },
        },
      },
      async (request) => {
        const { orgId } = orgCallerOf(request);
        const row = await putSsoSettings(db, keyring, orgId, request.body);
        return toSsoSettings(row, baseUrlOf(request, publicUrl));
      },
    );

    app.delete(
      '/organization/sso',
      {
        config: { permission: 'organization:write' },
        schema: {
          tags,
          summary: 'Remove single sign-on',
          description:
            'Users already linked keep their accounts; they sign in with a password (if they have one).',
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const { orgId } = orgCallerOf(request);
        if (!(await deleteSsoSettings(db, orgId))) throw ssoNotConfigured(orgId);
        return reply.status(204).send();
      },
    );

    app.get(
      '/auth/sign-in-options',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'How to sign in here',
          description:
            'What the sign-in page offers: whether single sign-on is set up. On a server with one organization it says so for that one; with several, pass ?organization=<id> (nothing is said about organizations that are not named).',
          security: [],
          querystring: SignInOptionsQuery,
          response: { 200: SignInOptions, ...errorResponses() },
        },
      },
      async (request) => {
        const given = request.query.organization;
        const orgId = given ?? (await onlyOrganization(db));
        if (!orgId) return { sso: false, organizationRequired: true };
        const settings = await getSsoRow(db, orgId);
        return { sso: settings?.enabled === true, organizationRequired: false };
      },
    );

    app.get(
      '/auth/oidc/start',
      {
        config: { public: true },
        errorHandler: backToSignInPage,
        schema: {
          // A browser's redirect, not an API call (like /oauth2/callback): documented in docs/users-and-sign-in.md.
          hide: true,
          tags,
          summary: 'Start single sign-on',
          description:
            'Redirects the browser to the organization’s OpenID provider (authorization code flow with PKCE, state and nonce); it comes back to /api/auth/oidc/callback.',
          security: [],
          querystring: OidcStartQuery,
          response: { 302: Redirect, ...errorResponses(404, 502) },
        },
      },
      async (request, reply) => {
        const returnTo = checkedReturnTo(request.query.returnTo);
        const orgId = await organizationToSignInTo(db, request.query.organization);
        const settings = await getSsoRow(db, orgId);
        if (!settings?.enabled) throw ssoNotConfigured(orgId);
        const { redirectUri } = oidcUrls(baseUrlOf(request, publicUrl), orgId);
        const { authorizationUrl, sealedFlow } = await beginOidcSignIn(keyring, settings, {
          redirectUri,
          returnTo,
          clock,
          egress,
        });
        reply.setCookie(oidcStateCookie, sealedFlow, {
          httpOnly: true,
          // Lax: the provider sends the browser back with a top-level GET, which carries Lax cookies.
          sameSite: 'lax',
          path: oidcCookiePath,
          secure: cookiesAreSecure(request, publicUrl),
          maxAge: oidcFlowMaxMs / 1000,
        });
        return reply.redirect(authorizationUrl, 302);
      },
    );

    app.get(
      '/auth/oidc/callback',
      {
        config: { public: true },
        errorHandler: backToSignInPage,
        schema: {
          // A browser's redirect, not an API call (like /oauth2/callback): documented in docs/users-and-sign-in.md.
          hide: true,
          tags,
          summary: 'Finish single sign-on',
          description:
            'Where the OpenID provider sends the browser back: exchanges the code, checks the ID token, finds (or links, or creates) the user, sets the session cookie and redirects to returnTo.',
          security: [],
          querystring: OidcCallbackQuery,
          response: { 302: Redirect, ...errorResponses(404, 502) },
        },
      },
      async (request, reply) => {
        const sealed = request.cookies[oidcStateCookie];
        // Used once, whatever happens next.
        clearFlowCookie(request, reply, publicUrl);
        const flow = await openOidcFlow(keyring, sealed, request.query.state, clock);
        const settings = await getSsoRow(db, flow.orgId);
        if (!settings?.enabled) throw ssoNotConfigured(flow.orgId);
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        const identity = await finishOidcSignIn(keyring, settings, flow, query, egress);
        const user = await userForSingleSignOn(
          db,
          flow.orgId,
          { defaultRole: settings.default_role, allowedDomains: settings.allowed_domains },
          identity,
          clock,
        );
        await signInAs(db, options, request, reply, user);
        return reply.redirect(flow.returnTo, 302);
      },
    );
  };
}
