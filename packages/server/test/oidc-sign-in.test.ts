// Issue 16: single sign-on with OpenID Connect against a real provider (oidc-provider), driven over HTTP like a
// browser. An owner sets the organization's settings (the client secret sealed, never answered); an invited user
// signs in and is linked, a person of an allowed domain gets a user with the default role, anyone else is refused;
// the session cookie then works like a password sign-in's (GET alone, changes with the CSRF token).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type IdentityProvider, startIdentityProvider } from './support/oidc-identity-provider.js';
import { cookieFrom, sessionOf, signIn } from './support/people.js';
import { callApi, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let idp: IdentityProvider;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  idp = await startIdentityProvider({ redirectUri: `${server.url}/api/auth/oidc/callback` });
  orgId = (await server.api('GET', '/api/session')).body.organization.id;
});
afterAll(async () => {
  await idp?.stop();
  await server?.stop();
});

async function configure(overrides: Record<string, unknown> = {}) {
  const answer = await server.api('PUT', '/api/organization/sso', {
    body: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      defaultRole: 'support',
      allowedDomains: ['Acme.example'],
      ...overrides,
    },
  });
  expect(answer.status, answer.text).toBe(200);
  return answer;
}

/** Signs in through the provider as `account`; answers the browser and the last response. */
async function ssoSignIn(account: string, query = `organization=${orgId}`) {
  const browser = new Browser();
  const result = await browser.signIn(`${server.url}/api/auth/oidc/start?${query}`, idp.issuer, account);
  return { browser, ...result };
}

/** The signed-in browser's session, as the console would keep it: the cookie, and the CSRF token read back. */
async function sessionFrom(browser: Browser) {
  const cookie = browser.cookies.get('weft_session');
  expect(cookie, 'no session cookie').toBeDefined();
  const pair = `weft_session=${cookie?.value}`;
  const who = await callApi(server.url, '', 'GET', '/api/session', {
    token: null,
    headers: { cookie: pair },
  });
  expect(who.status, who.text).toBe(200);
  const headers = new Headers({ 'set-cookie': `${pair}; Path=/` });
  return {
    who: who.body,
    ...sessionOf(server.url, { status: 200, body: who.body, text: who.text, headers }),
  };
}

describe('single sign-on settings', () => {
  it('an owner sets them; the secret is sealed and never answered; others may read but not change them', async () => {
    const missing = await server.api('GET', '/api/organization/sso');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SSO_NOT_CONFIGURED');

    const put = await configure();
    expect(put.body).toEqual({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecretSet: true,
      defaultRole: 'support',
      allowedDomains: ['acme.example'],
      enabled: true,
      redirectUri: `${server.url}/api/auth/oidc/callback`,
      signInUrl: `${server.url}/api/auth/oidc/start?organization=${orgId}`,
      updatedAt: expect.any(String),
    });
    expect(put.text).not.toContain(idp.clientSecret);
    const got = await server.api('GET', '/api/organization/sso');
    expect(got.text).not.toContain(idp.clientSecret);
    const row = await server.weft.database.db
      .selectFrom('organization_sso')
      .select('client_secret_sealed')
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    expect(row.client_secret_sealed).toMatch(/^v1\./);
    expect(row.client_secret_sealed).not.toContain(idp.clientSecret);

    // Left out, the secret is kept.
    const again = await server.api('PUT', '/api/organization/sso', {
      body: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        defaultRole: 'support',
        allowedDomains: ['acme.example'],
      },
    });
    expect(again.body.clientSecretSet).toBe(true);

    const password = 'an admin password';
    await server.api('POST', '/api/users', {
      body: { email: 'admin@elsewhere.example', name: 'Admin', role: 'admin', password },
    });
    const admin = await signIn(server.url, { email: 'admin@elsewhere.example', password });
    expect((await admin.api('GET', '/api/organization/sso')).status).toBe(200);
    const refused = await admin.api('PUT', '/api/organization/sso', {
      body: { issuer: idp.issuer, clientId: 'x' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('AUTH_FORBIDDEN');

    for (const issuer of [
      'http://idp.example.com',
      'ftp://127.0.0.1',
      'https://idp.example.com/?a=b',
      'not a url',
    ]) {
      const bad = await server.api('PUT', '/api/organization/sso', { body: { issuer, clientId: 'x' } });
      expect(bad.status, issuer).toBe(400);
      expect(bad.body.error.details.field).toBe('issuer');
    }
    expect((await server.api('GET', '/api/organization/sso')).body.issuer).toBe(idp.issuer);
  });
});

describe('signing in with the provider', () => {
  it('an invited user signs in, is linked, and calls the API by cookie (GET alone, POST with CSRF)', async () => {
    await configure();
    const invited = await server.api('POST', '/api/users', {
      body: { email: 'Ines@Acme.example', name: 'Ines', role: 'integrator' },
    });
    idp.accounts.set('ines-subject', { email: 'ines@acme.example', email_verified: true, name: 'Inès' });

    const { browser, response, location } = await ssoSignIn(
      'ines-subject',
      `organization=${orgId}&returnTo=/instances?tab=all`,
    );
    expect(response.status).toBe(302);
    expect(location).toBe(`${server.url}/instances?tab=all`);
    const cookie = cookieFrom(response.headers, 'weft_session');
    expect(cookie?.header).toMatch(/HttpOnly/i);
    expect(cookie?.header).toMatch(/SameSite=Lax/i);
    // The sign-in state cookie is used up.
    expect(browser.cookies.has('weft_oidc')).toBe(false);

    const session = await sessionFrom(browser);
    expect(session.who).toMatchObject({
      kind: 'session',
      role: 'integrator',
      user: { id: invited.body.user.id, status: 'active', singleSignOn: true, invitationExpiresAt: null },
    });
    expect((await session.api('GET', '/api/customers', { csrf: null })).status).toBe(200);
    const noCsrf = await session.api('POST', '/api/customers', {
      body: { name: 'SSO customer' },
      csrf: null,
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('AUTH_CSRF_TOKEN_INVALID');
    expect((await session.api('POST', '/api/customers', { body: { name: 'SSO customer' } })).status).toBe(
      201,
    );

    // The invitation link is used up: the provider proved the email.
    const secret = (invited.body.invitationUrl as string).split('/').pop();
    const accept = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'a password after all' },
    });
    expect(accept.body.error.code).toBe('AUTH_INVITATION_INVALID');

    // Next time the subject finds the user, even after the email changed at the provider.
    idp.accounts.set('ines-subject', { email: 'ines.new@acme.example', email_verified: true });
    const second = await ssoSignIn('ines-subject');
    expect((await sessionFrom(second.browser)).who.user.id).toBe(invited.body.user.id);
  });

  it('a person of an allowed domain gets a user with the default role; others are refused', async () => {
    await configure({ defaultRole: 'support' });
    idp.accounts.set('new-person', {
      email: 'new.person@acme.example',
      email_verified: true,
      name: 'New Person',
    });
    const { browser, location } = await ssoSignIn('new-person');
    expect(location).toBe(`${server.url}/`);
    const { who } = await sessionFrom(browser);
    expect(who.user).toMatchObject({ email: 'new.person@acme.example', name: 'New Person', role: 'support' });

    idp.accounts.set('outsider', { email: 'someone@other.example', email_verified: true });
    const outsider = await ssoSignIn('outsider');
    expect(outsider.response.status).toBe(403);
    const body = (await outsider.response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('AUTH_SSO_USER_NOT_ALLOWED');
    expect(body.error.message).toContain("its domain 'other.example' is not one whose people may join");
    expect(outsider.browser.cookies.has('weft_session')).toBe(false);
    expect((await server.api('GET', '/api/users?search=other.example')).body.items).toEqual([]);

    idp.accounts.set('unverified', { email: 'unverified@acme.example', email_verified: false });
    const unverified = await ssoSignIn('unverified');
    expect(unverified.response.status).toBe(403);
    expect(((await unverified.response.json()) as { error: { message: string } }).error.message).toContain(
      'not verified',
    );

    idp.accounts.set('no-email', {});
    const noEmail = await ssoSignIn('no-email');
    expect(((await noEmail.response.json()) as { error: { code: string } }).error.code).toBe(
      'AUTH_SSO_USER_NOT_ALLOWED',
    );
  });

  it('a server with one organization needs no organization parameter', async () => {
    await configure();
    idp.accounts.set('solo', { email: 'solo@acme.example', email_verified: true });
    const { location, browser } = await ssoSignIn('solo', 'returnTo=/customers');
    expect(location).toBe(`${server.url}/customers`);
    expect(browser.cookies.has('weft_session')).toBe(true);
  });
});

describe('what the sign-in refuses', () => {
  it('returnTo must be a path of this server', async () => {
    await configure();
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'evil',
      '/ok\nLocation: x',
    ]) {
      const answer = await callApi(
        server.url,
        '',
        'GET',
        `/api/auth/oidc/start?organization=${orgId}&returnTo=${encodeURIComponent(returnTo)}`,
        { token: null },
      );
      expect(answer.status, returnTo).toBe(400);
      expect(answer.body.error.details.field, returnTo).toBe('returnTo');
    }
  });

  it('a callback without this browser’s sign-in, or for another state, is refused', async () => {
    await configure();
    idp.accounts.set('victim', { email: 'victim@acme.example', email_verified: true });
    // The provider's answer, taken to another browser (say, a link an attacker sends): it has no sign-in cookie.
    const attacker = new Browser();
    const start = await attacker.request(`${server.url}/api/auth/oidc/start?organization=${orgId}`);
    const authorize = start.headers.get('location') as string;
    expect(authorize).toMatch(new RegExp(`^${idp.issuer}/auth\\?`));
    const url = new URL(authorize);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('scope')).toBe('openid email profile');

    const victimBrowser = new Browser();
    const tampered = await victimBrowser.request(
      `${server.url}/api/auth/oidc/callback?code=stolen&state=${url.searchParams.get('state')}`,
    );
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe(
      'AUTH_OIDC_STATE_INVALID',
    );

    // The right browser, but a state that is not its own.
    const wrongState = await attacker.request(
      `${server.url}/api/auth/oidc/callback?code=x&state=not-the-state`,
    );
    expect(wrongState.status).toBe(400);
    expect(((await wrongState.json()) as { error: { code: string } }).error.code).toBe(
      'AUTH_OIDC_STATE_INVALID',
    );
  });

  it('a provider that refuses the sign-in, or a wrong client secret, is a clear failure', async () => {
    await configure();
    const browser = new Browser();
    const start = await browser.request(`${server.url}/api/auth/oidc/start?organization=${orgId}`);
    const state = new URL(start.headers.get('location') as string).searchParams.get('state');
    const denied = await browser.request(
      `${server.url}/api/auth/oidc/callback?error=access_denied&error_description=nope&state=${state}&iss=${encodeURIComponent(idp.issuer)}`,
    );
    expect(denied.status).toBe(502);
    const deniedBody = (await denied.json()) as { error: { code: string; details: Record<string, unknown> } };
    expect(deniedBody.error).toMatchObject({
      code: 'AUTH_OIDC_FAILED',
      details: { providerError: 'access_denied' },
    });

    await configure({ clientSecret: 'not the secret' });
    idp.accounts.set('someone', { email: 'someone@acme.example', email_verified: true });
    const wrongSecret = await ssoSignIn('someone');
    expect(wrongSecret.response.status).toBe(502);
    const body = (await wrongSecret.response.json()) as {
      error: { code: string; details: Record<string, unknown> };
    };
    expect(body.error.code).toBe('AUTH_OIDC_FAILED');
    expect(body.error.details.redirectUri).toBe(`${server.url}/api/auth/oidc/callback`);
    expect(JSON.stringify(body)).not.toContain('not the secret');
  });

  it('disabled or removed settings stop single sign-on', async () => {
    await configure({ enabled: false });
    const disabled = await callApi(server.url, '', 'GET', `/api/auth/oidc/start?organization=${orgId}`, {
      token: null,
    });
    expect(disabled.status).toBe(404);
    expect(disabled.body.error.code).toBe('SSO_NOT_CONFIGURED');
    // A person's browser lands back on the console's sign-in page, which explains the code.
    const fromBrowser = await fetch(`${server.url}/api/auth/oidc/start?organization=${orgId}`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
      redirect: 'manual',
    });
    expect(fromBrowser.status).toBe(302);
    expect(fromBrowser.headers.get('location')).toBe('/sign-in?error=SSO_NOT_CONFIGURED');
    expect((await server.api('DELETE', '/api/organization/sso')).status).toBe(204);
    expect((await server.api('DELETE', '/api/organization/sso')).status).toBe(404);
    const unknownOrg = await callApi(server.url, '', 'GET', '/api/auth/oidc/start?organization=nope', {
      token: null,
    });
    expect(unknownOrg.body.error.code).toBe('SSO_NOT_CONFIGURED');
  });
});

describe('review fixes', () => {
  it('an email the provider does not say is verified links no user and creates none; a linked subject needs nothing', async () => {
    await configure({ defaultRole: 'support' });
    // An invited user: the provider's identity has their email, without email_verified.
    const invited = await server.api('POST', '/api/users', {
      body: { email: 'quiet@acme.example', name: 'Quiet', role: 'support' },
    });
    expect(invited.status, invited.text).toBe(201);
    idp.accounts.set('quiet-subject', { email: 'quiet@acme.example', name: 'Quiet' });
    const link = await ssoSignIn('quiet-subject');
    expect(link.response.status).toBe(403);
    const linkBody = (await link.response.json()) as { error: { code: string; message: string } };
    expect(linkBody.error.code).toBe('AUTH_SSO_EMAIL_NOT_VERIFIED');
    expect(linkBody.error.message).toContain('does not say');
    expect(link.browser.cookies.has('weft_session')).toBe(false);

    // Nor does an allowed domain create a user for it.
    idp.accounts.set('unsaid', { email: 'unsaid@acme.example' });
    const create = await ssoSignIn('unsaid');
    expect(create.response.status).toBe(403);
    expect(((await create.response.json()) as { error: { code: string } }).error.code).toBe(
      'AUTH_SSO_EMAIL_NOT_VERIFIED',
    );
    expect((await server.api('GET', '/api/users?search=unsaid')).body.items).toEqual([]);

    // Once linked (the email verified then), the subject signs in whatever the email claims say.
    idp.accounts.set('quiet-subject', { email: 'quiet@acme.example', email_verified: true });
    expect((await ssoSignIn('quiet-subject')).browser.cookies.has('weft_session')).toBe(true);
    idp.accounts.set('quiet-subject', { email: 'quiet@acme.example' });
    const again = await ssoSignIn('quiet-subject');
    expect((await sessionFrom(again.browser)).who.user.id).toBe(invited.body.user.id);
  });

  it('a user without a password sets one from a session, never with a token', async () => {
    await configure();
    idp.accounts.set('first-password', { email: 'first.password@acme.example', email_verified: true });
    const session = await sessionFrom((await ssoSignIn('first-password')).browser);
    expect(session.who.user).toMatchObject({ singleSignOn: true, hasPassword: false });

    // A token of this user (a reduced one, say a CI token) cannot give the account a password.
    const token = await session.api('POST', '/api/users/me/tokens', { body: { name: 'ci', role: 'viewer' } });
    expect(token.status, token.text).toBe(201);
    const byToken = await server.api('PUT', '/api/users/me/password', {
      token: token.body.secret,
      body: { newPassword: 'a password set by a token' },
    });
    expect(byToken.status).toBe(403);
    expect(byToken.body.error.code).toBe('USER_PASSWORD_NEEDS_SESSION');

    const bySession = await session.api('PUT', '/api/users/me/password', {
      body: { newPassword: 'a password set in a session' },
    });
    expect(bySession.status, bySession.text).toBe(200);
    expect(bySession.body.hasPassword).toBe(true);
    await signIn(server.url, {
      email: 'first.password@acme.example',
      password: 'a password set in a session',
    });
  });

  it('first sign-ins of several identities with one email at once: one user, the others refused, no 500', async () => {
    const { userForSingleSignOn } = await import('../src/users/user-store.js');
    const db = server.weft.database.db;
    const settings = { defaultRole: 'viewer', allowedDomains: ['acme.example'] };
    const clock = { now: () => Date.now() };
    for (let round = 0; round < 3; round += 1) {
      // Connections ready in the pool, so the sign-ins below really run side by side.
      await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.02)`.execute(db)));
      const email = `racer.${round}@acme.example`;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          userForSingleSignOn(
            db,
            orgId,
            settings,
            { issuer: idp.issuer, subject: `racer-${round}-${i}`, email, emailVerified: true, name: 'Racer' },
            clock,
          ),
        ),
      );
      const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(winners, email).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason, email).toMatchObject({ code: 'AUTH_SSO_USER_NOT_ALLOWED' });
        }
      }
      // The one user is linked to the identity that won.
      const row = await db
        .selectFrom('users')
        .select(['id', 'oidc_subject'])
        .where('org_id', '=', orgId)
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ id: winners[0]?.id, oidc_subject: winners[0]?.oidc_subject });
    }
  });
});
