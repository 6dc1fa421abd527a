// Issue 16: the organization's team. Owners and admins invite or create users (with a password, or an invitation
// link), change and remove them; roles never go above the caller's, the last owner stays; emails are unique per
// organization case-insensitively; passwords never come back in any answer.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, signIn, signInAnswer } from './support/people.js';
import { callApi, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
});
afterAll(async () => {
  await server?.stop();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let counter = 0;
/** An email no other test uses. */
function email(name: string): string {
  counter += 1;
  return `${name}.${counter}@example.com`;
}

async function createUser(body: Record<string, unknown>, token?: string) {
  const answer = await server.api('POST', '/api/users', { body, ...(token ? { token } : {}) });
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { user: { id: string; email: string; role: string }; invitationUrl: string | null };
}

/** A user with a password, signed in. */
async function signedInUser(
  role: string,
  password = 'correct horse battery staple',
): Promise<Session & { id: string; email: string }> {
  const address = email(role);
  const { user } = await createUser({ email: address, name: `A ${role}`, role, password });
  const session = await signIn(server.url, { email: address, password });
  return Object.assign(session, { id: user.id, email: address });
}

describe('creating users', () => {
  it('with a password: the user can sign in at once, and no answer carries the password', async () => {
    const password = 'a very long passphrase 1';
    const address = email('Ada.Lovelace');
    const created = await server.api('POST', '/api/users', {
      body: { email: address, name: 'Ada Lovelace', role: 'integrator', password },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      user: { email: address, name: 'Ada Lovelace', role: 'integrator', status: 'active', hasPassword: true },
      invitationUrl: null,
    });
    expect(created.body.user.id).toMatch(uuid);
    expect(created.text).not.toContain(password);

    const session = await signIn(server.url, { email: address, password });
    expect(session.signedIn.user.id).toBe(created.body.user.id);
    expect(JSON.stringify(session.signedIn)).not.toContain(password);
    const listed = await server.api('GET', `/api/users?search=${encodeURIComponent('ada.lovelace')}`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.text).not.toContain(password);
    // Stored as a self-describing scrypt hash, never as given.
    const row = await server.weft.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', created.body.user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
  });

  it('refuses a password outside the policy with a message that does not quote it', async () => {
    const short = 'hunter2';
    const answer = await server.api('POST', '/api/users', {
      body: { email: email('short'), name: 'Short', role: 'viewer', password: short },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'USER_PASSWORD_INVALID',
      details: { field: 'password' },
    });
    expect(answer.body.error.message).toContain('at least 12');
    expect(answer.text).not.toContain(short);
    const long = 'x'.repeat(257);
    const tooLong = await server.api('POST', '/api/users', {
      body: { email: email('long'), name: 'Long', role: 'viewer', password: long },
    });
    expect(tooLong.body.error.code).toBe('USER_PASSWORD_INVALID');
    expect(tooLong.text).not.toContain(long);
  });

  it('checks emails, and compares them case-insensitively: a duplicate is a 409 of its own', async () => {
    const address = email('Grace.Hopper');
    await createUser({ email: address, name: 'Grace', role: 'viewer', password: 'twelve chars at least' });
    const duplicate = await server.api('POST', '/api/users', {
      body: { email: `  ${address.toUpperCase()} `, name: 'Grace again', role: 'viewer' },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatchObject({ code: 'USER_EMAIL_TAKEN', details: { field: 'email' } });

    for (const bad of ['not an email', 'a@b', 'two@@example.com', 'space in@example.com']) {
      const answer = await server.api('POST', '/api/users', {
        body: { email: bad, name: 'Bad', role: 'viewer' },
      });
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.code, bad).toBe('USER_EMAIL_INVALID');
    }
    // Signing in ignores the email's case too.
    const session = await signIn(server.url, {
      email: address.toUpperCase(),
      password: 'twelve chars at least',
    });
    expect(session.signedIn.user.email).toBe(address);
  });
});

describe('invitations', () => {
  it('without a password: a one-time link valid 7 days, of which only the hash is stored', async () => {
    const address = email('invited');
    const { user, invitationUrl } = await createUser({ email: address, name: 'Invited', role: 'support' });
    expect(user).toMatchObject({ status: 'invited', hasPassword: false });
    expect(invitationUrl).toMatch(new RegExp(`^${server.url}/invitations/[A-Za-z0-9_-]{43}$`));
    const secret = (invitationUrl as string).split('/').pop() as string;
    const row = await server.weft.database.db
      .selectFrom('users')
      .select(['invitation_hash', 'invitation_expires_at', 'created_at'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.invitation_hash?.equals(createHash('sha256').update(secret).digest())).toBe(true);
    const days = ((row.invitation_expires_at as Date).getTime() - row.created_at.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(7);

    // Not signed in yet: no password works.
    const before = await signInAnswer(server.url, { email: address, password: 'anything at all here' });
    expect(before.body.error.code).toBe('AUTH_SIGN_IN_FAILED');

    const weak = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'short' },
    });
    expect(weak.body.error.code).toBe('USER_PASSWORD_INVALID');

    const accepted = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'my chosen password', name: 'Invited Person' },
    });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({
      user: {
        id: user.id,
        name: 'Invited Person',
        status: 'active',
        hasPassword: true,
        invitationExpiresAt: null,
      },
      csrfToken: expect.any(String),
    });
    expect(accepted.headers.getSetCookie().join()).toMatch(/weft_session=/);
    expect(accepted.text).not.toContain('my chosen password');

    const again = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'another password here' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('AUTH_INVITATION_INVALID');
    await signIn(server.url, { email: address, password: 'my chosen password' });
  });

  it('an expired link does not work; a new one replaces it and resets the password', async () => {
    const address = email('late');
    const { user, invitationUrl } = await createUser({ email: address, name: 'Late', role: 'viewer' });
    const secret = (invitationUrl as string).split('/').pop() as string;
    await server.weft.database.db
      .updateTable('users')
      .set({ invitation_expires_at: new Date(Date.parse('2000-01-01T00:00:00Z')) })
      .where('id', '=', user.id)
      .execute();
    const expired = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'my chosen password' },
    });
    expect(expired.body.error.code).toBe('AUTH_INVITATION_INVALID');

    const reissued = await server.api('POST', `/api/users/${user.id}/invitation`);
    expect(reissued.status).toBe(200);
    const fresh = (reissued.body.invitationUrl as string).split('/').pop() as string;
    expect(fresh).not.toBe(secret);
    const accepted = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret: fresh, password: 'my chosen password' },
    });
    expect(accepted.status).toBe(200);
  });
});

describe('reading and changing users', () => {
  it('lists in pages with search, gets one, and answers the caller as /users/me', async () => {
    const marker = `pager${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i += 1) {
      await createUser({ email: `${marker}.${i}@example.com`, name: `Pager ${i}`, role: 'viewer' });
    }
    const first = await server.api('GET', `/api/users?search=${marker}&limit=2`);
    expect(first.body.items.map((u: { email: string }) => u.email)).toEqual([
      `${marker}.0@example.com`,
      `${marker}.1@example.com`,
    ]);
    const second = await server.api(
      'GET',
      `/api/users?search=${marker}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body).toMatchObject({ items: [{ email: `${marker}.2@example.com` }], nextCursor: null });
    const one = await server.api('GET', `/api/users/${second.body.items[0].id}`);
    expect(one.body.name).toBe('Pager 2');
    expect((await server.api('GET', '/api/users/not-a-uuid')).body.error.code).toBe('USER_NOT_FOUND');

    const viewer = await signedInUser('viewer');
    const me = await viewer.api('GET', '/api/users/me');
    expect(me.body).toMatchObject({ id: viewer.id, email: viewer.email, role: 'viewer' });
    // The owner token belongs to no user.
    const nobody = await server.api('GET', '/api/users/me');
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('USER_NOT_FOUND');
  });

  it('changes a name and a role; a user may change their own password', async () => {
    const user = await signedInUser('support');
    const renamed = await server.api('PATCH', `/api/users/${user.id}`, {
      body: { name: 'Renamed', role: 'integrator' },
    });
    expect(renamed.body).toMatchObject({ name: 'Renamed', role: 'integrator' });
    // The session follows the role at once.
    expect((await user.api('GET', '/api/session')).body.role).toBe('integrator');

    const wrong = await user.api('PUT', '/api/users/me/password', {
      body: { currentPassword: 'not my password at all', newPassword: 'a brand new password' },
    });
    expect(wrong.body.error.code).toBe('USER_CURRENT_PASSWORD_WRONG');
    const changed = await user.api('PUT', '/api/users/me/password', {
      body: { currentPassword: 'correct horse battery staple', newPassword: 'a brand new password' },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.text).not.toContain('a brand new password');
    await signIn(server.url, { email: user.email, password: 'a brand new password' });
    expect(
      (await signInAnswer(server.url, { email: user.email, password: 'correct horse battery staple' }))
        .status,
    ).toBe(401);
  });
});

describe('role limits', () => {
  it('a viewer reads users but cannot invite, change or remove anyone', async () => {
    const viewer = await signedInUser('viewer');
    expect((await viewer.api('GET', '/api/users')).status).toBe(200);
    const invite = await viewer.api('POST', '/api/users', {
      body: { email: email('x'), name: 'X', role: 'viewer' },
    });
    expect(invite.status).toBe(403);
    expect(invite.body.error).toMatchObject({
      code: 'AUTH_FORBIDDEN',
      details: { allowedRoles: ['owner', 'admin'] },
    });
    expect((await viewer.api('PATCH', `/api/users/${viewer.id}`, { body: { role: 'owner' } })).status).toBe(
      403,
    );
    expect((await viewer.api('DELETE', `/api/users/${viewer.id}`)).status).toBe(403);
  });

  it('an admin manages users up to admin, never owners', async () => {
    const admin = await signedInUser('admin');
    const owner = await createUser({
      email: email('owner'),
      name: 'An owner',
      role: 'owner',
      password: 'owner password 123',
    });

    const makeOwner = await admin.api('POST', '/api/users', {
      body: { email: email('o2'), name: 'O', role: 'owner' },
    });
    expect(makeOwner.status).toBe(403);
    expect(makeOwner.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    const invited = await admin.api('POST', '/api/users', {
      body: { email: email('i'), name: 'I', role: 'admin' },
    });
    expect(invited.status).toBe(201);
    const promote = await admin.api('PATCH', `/api/users/${invited.body.user.id}`, {
      body: { role: 'owner' },
    });
    expect(promote.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    const demoteOwner = await admin.api('PATCH', `/api/users/${owner.user.id}`, { body: { role: 'viewer' } });
    expect(demoteOwner.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    const removeOwner = await admin.api('DELETE', `/api/users/${owner.user.id}`);
    expect(removeOwner.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    expect((await admin.api('DELETE', `/api/users/${invited.body.user.id}`)).status).toBe(200);
  });
});

describe('the last owner', () => {
  it('cannot be demoted or removed, even by two owners at once', async () => {
    // Its own organization, so no other test's owners count.
    const { createOrganization } = await import('../src/auth/bootstrap-organization.js');
    const org = await createOrganization(server.weft.database.db, { name: `Owners ${Date.now()}` });
    const as = (body: Record<string, unknown>) => createUser(body, org.ownerToken);
    const first = await as({
      email: email('first'),
      name: 'First',
      role: 'owner',
      password: 'first owner pass',
    });
    const demote = await server.api('PATCH', `/api/users/${first.user.id}`, {
      token: org.ownerToken,
      body: { role: 'admin' },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('USER_LAST_OWNER');
    const remove = await server.api('DELETE', `/api/users/${first.user.id}`, { token: org.ownerToken });
    expect(remove.body.error.code).toBe('USER_LAST_OWNER');

    const second = await as({
      email: email('second'),
      name: 'Second',
      role: 'owner',
      password: 'second owner pass',
    });
    // Both owners demote each other at the same moment: exactly one may win.
    const firstSession = await signIn(server.url, { email: first.user.email, password: 'first owner pass' });
    const secondSession = await signIn(server.url, {
      email: second.user.email,
      password: 'second owner pass',
    });
    const answers = await Promise.all([
      firstSession.api('PATCH', `/api/users/${second.user.id}`, { body: { role: 'viewer' } }),
      secondSession.api('PATCH', `/api/users/${first.user.id}`, { body: { role: 'viewer' } }),
    ]);
    // The loser is refused as the last owner, or (when the winner committed before its request was even
    // authenticated) as the viewer it has become.
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const owners = await server.api('GET', '/api/users?role=owner', { token: org.ownerToken });
    expect(owners.body.items).toHaveLength(1);
  });
});

describe('removing a user', () => {
  it('ends their sessions and deletes the tokens they own', async () => {
    const user = await signedInUser('integrator');
    const token = await user.api('POST', '/api/users/me/tokens', { body: { name: 'my laptop' } });
    expect(token.status, token.text).toBe(201);
    expect(token.body.token.owner).toMatchObject({ id: user.id, email: user.email });
    const secret = token.body.secret as string;
    expect((await server.api('GET', '/api/customers', { token: secret })).status).toBe(200);

    const removed = await server.api('DELETE', `/api/users/${user.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.email).toBe(user.email);
    const bySession = await user.api('GET', '/api/customers');
    expect(bySession.status).toBe(401);
    expect(bySession.body.error.code).toBe('AUTH_SESSION_INVALID');
    const byToken = await server.api('GET', '/api/customers', { token: secret });
    expect(byToken.status).toBe(401);
    expect(byToken.body.error.code).toBe('AUTH_TOKEN_INVALID');
    expect((await server.api('GET', `/api/users/${user.id}`)).status).toBe(404);
  });
});

describe('review fixes', () => {
  it('a token of a user without a password cannot set one; a token of a user with one needs it', async () => {
    // An invited user (no password yet), and an owner's reduced-role token of them, made by the organization token.
    const invited = await createUser({ email: email('nopassword'), name: 'No password', role: 'owner' });
    const token = await server.api('POST', '/api/tokens', {
      body: { name: 'reduced', role: 'viewer', userId: invited.user.id },
    });
    expect(token.status, token.text).toBe(201);
    const set = await server.api('PUT', '/api/users/me/password', {
      token: token.body.secret,
      body: { newPassword: 'taken over by a token' },
    });
    expect(set.status).toBe(403);
    expect(set.body.error.code).toBe('USER_PASSWORD_NEEDS_SESSION');
    const row = await server.weft.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', invited.user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
    expect(
      (await signInAnswer(server.url, { email: invited.user.email, password: 'taken over by a token' }))
        .status,
    ).toBe(401);
  });

  it('a userId that is a uuid in another spelling names no user: 400, not 500', async () => {
    const user = await createUser({ email: email('urn'), name: 'Urn', role: 'viewer' });
    // The schema's uuid format lets the URN form through; the database would refuse it.
    const userId = `urn:uuid:${user.user.id}`;
    const answer = await server.api('POST', '/api/tokens', { body: { name: 'urn', role: 'viewer', userId } });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'TOKEN_OWNER_INVALID', details: { field: 'userId' } });
  });

  it('raising the role of a user whose invitation is pending cancels the link', async () => {
    const { user, invitationUrl } = await createUser({
      email: email('raised'),
      name: 'Raised',
      role: 'viewer',
    });
    const secret = (invitationUrl as string).split('/').pop() as string;
    // Lowering or renaming keeps it.
    const renamed = await server.api('PATCH', `/api/users/${user.id}`, { body: { name: 'Still raised' } });
    expect(renamed.body.invitationExpiresAt).not.toBeNull();
    const raised = await server.api('PATCH', `/api/users/${user.id}`, { body: { role: 'admin' } });
    expect(raised.status, raised.text).toBe(200);
    expect(raised.body).toMatchObject({ role: 'admin', status: 'invited', invitationExpiresAt: null });
    const accept = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'an admin by an old link' },
    });
    expect(accept.status).toBe(400);
    expect(accept.body.error.code).toBe('AUTH_INVITATION_INVALID');
    // A new link works, with the new role.
    const reissued = await server.api('POST', `/api/users/${user.id}/invitation`);
    const fresh = (reissued.body.invitationUrl as string).split('/').pop() as string;
    const accepted = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret: fresh, password: 'an admin by a new link' },
    });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.user.role).toBe('admin');
  });

  it('an admin cannot rename an owner, nor reset or make tokens for another admin', async () => {
    const admin = await signedInUser('admin');
    const owner = await createUser({ email: email('renamed.owner'), name: 'The owner', role: 'owner' });
    const rename = await admin.api('PATCH', `/api/users/${owner.user.id}`, {
      body: { name: 'Renamed owner' },
    });
    expect(rename.status).toBe(403);
    expect(rename.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    expect((await server.api('GET', `/api/users/${owner.user.id}`)).body.name).toBe('The owner');

    const peer = await createUser({
      email: email('peer.admin'),
      name: 'Peer',
      role: 'admin',
      password: 'the peer admin password',
    });
    const reset = await admin.api('POST', `/api/users/${peer.user.id}/invitation`);
    expect(reset.status).toBe(403);
    expect(reset.body.error.code).toBe('USER_ROLE_NOT_GRANTABLE');
    const token = await admin.api('POST', '/api/tokens', {
      body: { name: 'as my peer', role: 'viewer', userId: peer.user.id },
    });
    expect(token.status).toBe(403);
    expect(token.body.error.code).toBe('TOKEN_ROLE_NOT_GRANTABLE');
    // For themselves and for users below them, as before; an owner may do both for an admin.
    expect((await admin.api('POST', `/api/users/${admin.id}/invitation`)).status).toBe(200);
    expect(
      (await admin.api('POST', '/api/tokens', { body: { name: 'mine', role: 'viewer', userId: admin.id } }))
        .status,
    ).toBe(201);
    expect((await server.api('POST', `/api/users/${peer.user.id}/invitation`)).status).toBe(200);
  });

  it('an email with non-ASCII letters signs in as given, compared like the database compares it', async () => {
    const address = `Émile.${Date.now().toString(36)}@Example.com`;
    await createUser({ email: address, name: 'Émile', role: 'viewer', password: 'an accented password' });
    const session = await signIn(server.url, { email: address, password: 'an accented password' });
    expect(session.signedIn.user.email).toBe(address);
    await signIn(server.url, {
      email: ` ${address.replace('Example', 'EXAMPLE')} `,
      password: 'an accented password',
    });
  });

  it('a password longer than 1024 characters is refused before it is hashed', async () => {
    const long = 'p'.repeat(1025);
    const answer = await signInAnswer(server.url, { email: email('long'), password: long });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'API_VALIDATION_FAILED',
      details: { field: 'password' },
    });
    // The refusal names the field but never repeats what was typed into it.
    expect(JSON.stringify(answer.body)).not.toContain('ppppp');
    // Up to 1024 it is an ordinary wrong password.
    expect((await signInAnswer(server.url, { email: email('long'), password: long.slice(1) })).status).toBe(
      401,
    );
    const create = await server.api('POST', '/api/users', {
      body: { email: email('long'), name: 'Long', role: 'viewer', password: long },
    });
    expect(create.status).toBe(400);
    expect(create.body.error.details.field).toBe('password');
    expect(create.text).not.toContain('ppppp');
  });
});
