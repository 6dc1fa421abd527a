// Issue 16: organization users sign in with a password and call the API by cookie. The cookie is HTTP-only,
// SameSite=Lax and Secure behind https; reads work with the cookie alone, changes need the X-CSRF-Token of the
// session, so another site's requests can do nothing. Sign-out ends one session, sign-out everywhere all of them.
// API tokens can belong to a user: they act as that user, never above the user's current role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/auth/bootstrap-organization.js';
import { cookieFrom, type Session, signIn, signInAnswer } from './support/people.js';
import { callApi, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    WEFT_ROLES: 'api',
    WEFT_SESSION_IDLE_MINUTES: '90',
    WEFT_SESSION_MAX_DAYS: '3',
  });
});
afterAll(async () => {
  await server?.stop();
});

let counter = 0;
const password = 'correct horse battery staple';

async function newUser(role: string, token = server.ownerToken): Promise<{ id: string; email: string }> {
  counter += 1;
  const address = `${role}.${counter}@example.com`;
  const answer = await server.api('POST', '/api/users', {
    token,
    body: { email: address, name: `User ${counter}`, role, password },
  });
  expect(answer.status, answer.text).toBe(201);
  return { id: answer.body.user.id, email: address };
}

async function signedIn(role: string): Promise<Session & { id: string; email: string }> {
  const user = await newUser(role);
  return Object.assign(await signIn(server.url, { email: user.email, password }), user);
}

describe('password sign-in', () => {
  it('sets an HTTP-only, SameSite=Lax cookie for the whole server and answers the CSRF token', async () => {
    const user = await newUser('integrator');
    const answer = await signInAnswer(server.url, { email: user.email, password });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      user: { id: user.id, email: user.email, role: 'integrator' },
      organization: { id: expect.any(String), name: expect.any(String) },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      idleTimeoutMinutes: 90,
    });
    const cookie = cookieFrom(answer.headers, 'weft_session');
    expect(cookie?.pair).toMatch(/^weft_session=[A-Za-z0-9_-]{43}$/);
    const attributes = cookie?.header.split(';').map((part) => part.trim().toLowerCase()) ?? [];
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    // Plain http: a Secure cookie would never come back.
    expect(attributes).not.toContain('secure');
    const expires = Date.parse(attributes.find((a) => a.startsWith('expires='))?.slice(8) ?? '');
    expect(expires).toBe(Math.floor(Date.parse(answer.body.expiresAt) / 1000) * 1000);
    // WEFT_SESSION_MAX_DAYS=3: the session's end is three days after its start (by the database's record).
    const row = await server.weft.database.db
      .selectFrom('user_sessions')
      .select(['created_at', 'expires_at', 'idle_timeout_seconds', 'token_hash'])
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(3 * 86_400_000);
    expect(row.idle_timeout_seconds).toBe(90 * 60);
    // Only the secret's hash is stored.
    expect(row.token_hash.toString('base64url')).not.toBe(cookie?.pair.split('=')[1]);
  });

  it('a wrong password and an unknown email get the same answer', async () => {
    const user = await newUser('viewer');
    const wrong = await signInAnswer(server.url, { email: user.email, password: 'not the password!' });
    const unknown = await signInAnswer(server.url, {
      email: 'nobody.here@example.com',
      password: 'not the password!',
    });
    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('AUTH_SIGN_IN_FAILED');
      expect(answer.headers.getSetCookie()).toEqual([]);
    }
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.body.error.message).toMatch(/^The email or password is wrong\./);
  });

  it('a refused sign-in with spaces around the email is audited against its user, like one without', async () => {
    const user = await newUser('viewer');
    const refused = await signInAnswer(server.url, {
      email: `  ${user.email.toUpperCase()}\t`,
      password: 'not the password!',
    });
    expect(refused.status).toBe(401);
    const events = await server.weft.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'target_id'])
      .where('target_id', '=', user.id)
      .where('action', '=', 'session.sign-in-failed')
      .execute();
    expect(events).toEqual([{ action: 'session.sign-in-failed', actor_id: user.id, target_id: user.id }]);
  });

  it('Secure cookies when the public URL is https', async () => {
    const https = await startTestServer({ WEFT_ROLES: 'api', WEFT_PUBLIC_URL: 'https://weft.example.com' });
    try {
      const answer = await callApi(https.url, https.ownerToken, 'POST', '/api/users', {
        body: { email: 'secure@example.com', name: 'Secure', role: 'viewer', password },
      });
      expect(answer.status).toBe(201);
      const signedInAnswer = await signInAnswer(https.url, { email: 'secure@example.com', password });
      expect(cookieFrom(signedInAnswer.headers, 'weft_session')?.header).toMatch(/;\s*Secure/i);
      // Invitation links are built on the public URL too.
      const invited = await callApi(https.url, https.ownerToken, 'POST', '/api/users', {
        body: { email: 'invited@example.com', name: 'Invited', role: 'viewer' },
      });
      expect(invited.body.invitationUrl).toMatch(/^https:\/\/weft\.example\.com\/invitations\//);
    } finally {
      await https.stop();
    }
  });
});

describe('calling the API by cookie', () => {
  it('reads with the cookie alone; a change needs the session’s X-CSRF-Token', async () => {
    const user = await signedIn('support');
    expect((await user.api('GET', '/api/customers', { csrf: null })).status).toBe(200);

    const missing = await user.api('POST', '/api/customers', { body: { name: 'No CSRF' }, csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('AUTH_CSRF_TOKEN_INVALID');
    const wrong = await user.api('POST', '/api/customers', {
      body: { name: 'Wrong CSRF' },
      csrf: 'x'.repeat(43),
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('AUTH_CSRF_TOKEN_INVALID');
    // Another session's token is no good either.
    const other = await signedIn('support');
    const crossed = await user.api('POST', '/api/customers', {
      body: { name: 'Crossed CSRF' },
      csrf: other.csrfToken,
    });
    expect(crossed.body.error.code).toBe('AUTH_CSRF_TOKEN_INVALID');
    expect((await server.api('GET', '/api/customers?search=CSRF')).body.items).toEqual([]);

    const right = await user.api('POST', '/api/customers', { body: { name: 'With CSRF' } });
    expect(right.status).toBe(201);
  });

  it('a cross-site request carrying the cookie can do nothing', async () => {
    const user = await signedIn('admin');
    // What a page of another site can make a browser send: a form post (urlencoded or text/plain), or a
    // "simple" fetch, with the cookie (older browsers, or SameSite relaxed) but never the CSRF header it cannot read.
    const attempts = [
      { 'content-type': 'application/x-www-form-urlencoded', body: 'name=Evil' },
      { 'content-type': 'text/plain', body: '{"name":"Evil"}' },
      { 'content-type': 'application/json', body: '{"name":"Evil"}' },
    ];
    for (const attempt of attempts) {
      const response = await fetch(`${server.url}/api/customers`, {
        method: 'POST',
        headers: {
          cookie: user.cookie,
          origin: 'https://evil.example',
          referer: 'https://evil.example/page',
          'content-type': attempt['content-type'],
        },
        body: attempt.body,
      });
      expect(response.status, attempt['content-type']).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'AUTH_CSRF_TOKEN_INVALID',
      );
    }
    for (const [method, path] of [
      ['POST', '/api/users'],
      ['DELETE', `/api/users/${user.id}`],
      ['POST', '/api/auth/sign-out-everywhere'],
      ['POST', '/api/tokens'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { cookie: user.cookie, origin: 'https://evil.example' },
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      await response.body?.cancel();
    }
    expect((await server.api('GET', '/api/customers?search=Evil')).body.items).toEqual([]);
    expect((await user.api('GET', '/api/users/me')).status).toBe(200);
    // The answers that carry the CSRF token are not readable cross-site: no CORS headers are ever sent.
    const preflight = await fetch(`${server.url}/api/session`, {
      headers: { cookie: user.cookie, origin: 'https://evil.example' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('GET /api/session says who is calling: a session, a token of nobody, or a user’s token', async () => {
    const user = await signedIn('integrator');
    const bySession = await user.api('GET', '/api/session');
    expect(bySession.body).toMatchObject({
      kind: 'session',
      role: 'integrator',
      user: { id: user.id, email: user.email },
      token: null,
      csrfToken: user.csrfToken,
      idleTimeoutMinutes: 90,
    });
    expect(bySession.body.expiresAt).toBe(user.signedIn.expiresAt);

    const byOwnerToken = await server.api('GET', '/api/session');
    expect(byOwnerToken.body).toMatchObject({
      kind: 'token',
      role: 'owner',
      user: null,
      token: { name: 'owner (created on first start)', role: 'owner' },
      csrfToken: null,
    });

    const mine = await user.api('POST', '/api/users/me/tokens', { body: { name: 'script' } });
    const byUserToken = await server.api('GET', '/api/session', { token: mine.body.secret });
    expect(byUserToken.body).toMatchObject({
      kind: 'token',
      user: { id: user.id },
      token: { name: 'script' },
    });

    const anonymous = await callApi(server.url, '', 'GET', '/api/session', { token: null });
    expect(anonymous.status).toBe(401);
  });
});

describe('signing out', () => {
  it('ends this session only, and clears its cookie', async () => {
    const user = await newUser('viewer');
    const one = await signIn(server.url, { email: user.email, password });
    const two = await signIn(server.url, { email: user.email, password });
    const refused = await one.api('POST', '/api/auth/sign-out', { csrf: null });
    expect(refused.status).toBe(403);
    const out = await one.api('POST', '/api/auth/sign-out');
    expect(out.status).toBe(204);
    expect(cookieFrom(out.headers, 'weft_session')?.header).toMatch(/Expires=Thu, 01 Jan 1970/);
    const after = await one.api('GET', '/api/users/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('AUTH_SESSION_INVALID');
    expect((await two.api('GET', '/api/users/me')).status).toBe(200);
    // A token has no session to end.
    const byToken = await server.api('POST', '/api/auth/sign-out');
    expect(byToken.body.error.code).toBe('AUTH_SESSION_REQUIRED');
  });

  it('everywhere: every session of the user ends, and the user can sign in again', async () => {
    const user = await newUser('viewer');
    const sessions = [
      await signIn(server.url, { email: user.email, password }),
      await signIn(server.url, { email: user.email, password }),
      await signIn(server.url, { email: user.email, password }),
    ];
    const other = await signedIn('viewer');
    const everywhere = await sessions[0]?.api('POST', '/api/auth/sign-out-everywhere');
    expect(everywhere?.body).toEqual({ signedOutSessions: 3 });
    for (const session of sessions) {
      const answer = await session.api('GET', '/api/users/me');
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('AUTH_SESSION_INVALID');
    }
    expect((await other.api('GET', '/api/users/me')).status).toBe(200);
    const row = await server.weft.database.db
      .selectFrom('users')
      .select('sessions_valid_after')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    // Every session made until then is invalid: the last one began (its end less 3 days) at or before it.
    const lastSignIn = Date.parse(sessions[2]?.signedIn.expiresAt) - 3 * 86_400_000;
    expect(row.sessions_valid_after.getTime()).toBeGreaterThanOrEqual(lastSignIn);
    const again = await signIn(server.url, { email: user.email, password });
    expect((await again.api('GET', '/api/users/me')).status).toBe(200);
  });
});

describe('API tokens of a user', () => {
  it('a signed-in user’s token belongs to them, acts as them, and never above their current role', async () => {
    const admin = await signedIn('admin');
    const created = await admin.api('POST', '/api/tokens', { body: { name: 'CI of admin', role: 'admin' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.token.owner).toEqual({ id: admin.id, email: admin.email, name: expect.any(String) });
    const listed = await server.api('GET', '/api/tokens');
    expect(listed.body.items.find((t: { id: string }) => t.id === created.body.token.id)?.owner.email).toBe(
      admin.email,
    );
    const token = created.body.secret as string;
    expect((await server.api('GET', '/api/tokens', { token })).status).toBe(200);

    // Demoted to viewer: the admin token now does what a viewer may, no more.
    await server.api('PATCH', `/api/users/${admin.id}`, { body: { role: 'viewer' } });
    const session = await server.api('GET', '/api/session', { token });
    expect(session.body).toMatchObject({ role: 'viewer', token: { role: 'admin' } });
    const refused = await server.api('GET', '/api/tokens', { token });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details.role).toBe('viewer');
    expect((await server.api('GET', '/api/customers', { token })).status).toBe(200);
  });

  it('an organization token can make tokens for a user, for no one, and with forMe only when it has a user', async () => {
    const user = await newUser('integrator');
    const forUser = await server.api('POST', '/api/tokens', {
      body: { name: 'for a user', role: 'integrator', userId: user.id },
    });
    expect(forUser.body.token.owner.id).toBe(user.id);
    const ofNobody = await server.api('POST', '/api/tokens', { body: { name: 'of nobody', role: 'viewer' } });
    expect(ofNobody.body.token.owner).toBeNull();
    const forMe = await server.api('POST', '/api/tokens', {
      body: { name: 'for me', role: 'viewer', forMe: true },
    });
    expect(forMe.status).toBe(400);
    expect(forMe.body.error.code).toBe('TOKEN_OWNER_INVALID');
    const unknown = await server.api('POST', '/api/tokens', {
      body: { name: 'x', role: 'viewer', userId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.body.error.code).toBe('TOKEN_OWNER_INVALID');
    // A signed-in admin may make an organization token explicitly (userId: null), but not one for an owner.
    const admin = await signedIn('admin');
    const orgToken = await admin.api('POST', '/api/tokens', {
      body: { name: 'shared', role: 'viewer', userId: null },
    });
    expect(orgToken.body.token.owner).toBeNull();
    const owner = await newUser('owner');
    const forOwner = await admin.api('POST', '/api/tokens', {
      body: { name: 'x', role: 'viewer', userId: owner.id },
    });
    expect(forOwner.body.error.code).toBe('TOKEN_ROLE_NOT_GRANTABLE');
  });

  it('every user, a viewer too, manages tokens of their own under /api/users/me/tokens', async () => {
    const viewer = await signedIn('viewer');
    const tooHigh = await viewer.api('POST', '/api/users/me/tokens', { body: { name: 'x', role: 'admin' } });
    expect(tooHigh.body.error.code).toBe('TOKEN_ROLE_NOT_GRANTABLE');
    const created = await viewer.api('POST', '/api/users/me/tokens', { body: { name: 'laptop' } });
    expect(created.body.token).toMatchObject({ role: 'viewer', owner: { id: viewer.id } });
    const other = await signedIn('viewer');
    const otherToken = await other.api('POST', '/api/users/me/tokens', { body: { name: 'theirs' } });

    const mine = await viewer.api('GET', '/api/users/me/tokens');
    expect(mine.body.items.map((t: { name: string }) => t.name)).toEqual(['laptop']);
    // Someone else's token is not mine to revoke.
    const notMine = await viewer.api('DELETE', `/api/users/me/tokens/${otherToken.body.token.id}`);
    expect(notMine.status).toBe(404);
    const revoked = await server.api('DELETE', `/api/users/me/tokens/${created.body.token.id}`, {
      token: created.body.secret,
    });
    expect(revoked.status).toBe(200);
    expect((await server.api('GET', '/api/customers', { token: created.body.secret })).body.error.code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    expect((await server.api('GET', '/api/users/me/tokens')).body.error.code).toBe('TOKEN_OWNER_INVALID');
  });
});

describe('one email in several organizations', () => {
  it('signs in to the one the password matches, or asks which organization', async () => {
    const second = await createOrganization(server.weft.database.db, { name: `Second ${Date.now()}` });
    const address = `shared.${Date.now()}@example.com`;
    const firstUser = await server.api('POST', '/api/users', {
      body: { email: address, name: 'In first', role: 'viewer', password },
    });
    const secondUser = await server.api('POST', '/api/users', {
      token: second.ownerToken,
      body: { email: address.toUpperCase(), name: 'In second', role: 'admin', password },
    });
    expect(secondUser.status).toBe(201);

    const ambiguous = await signInAnswer(server.url, { email: address, password });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({
      code: 'AUTH_SIGN_IN_ORGANIZATION_REQUIRED',
      details: { field: 'organization' },
    });
    expect(ambiguous.body.error.details.organizations).toHaveLength(2);
    expect(ambiguous.headers.getSetCookie()).toEqual([]);

    const chosen = await signIn(server.url, { email: address, password, organization: second.orgId });
    expect(chosen.signedIn).toMatchObject({
      user: { id: secondUser.body.user.id, role: 'admin' },
      organization: { id: second.orgId },
    });
    // The session sees its own organization only.
    expect((await chosen.api('GET', `/api/users/${firstUser.body.user.id}`)).status).toBe(404);

    // With different passwords, the one that matches decides.
    await server.api('PATCH', `/api/users/${firstUser.body.user.id}`, { body: { name: 'Changed' } });
    const reissued = await server.api('POST', `/api/users/${firstUser.body.user.id}/invitation`);
    const secret = (reissued.body.invitationUrl as string).split('/').pop();
    await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'a different password' },
    });
    const first = await signIn(server.url, { email: address, password: 'a different password' });
    expect(first.signedIn.user.id).toBe(firstUser.body.user.id);
  });
});
