// Issue 2: API tokens and roles: 401 for missing/invalid/revoked tokens, 403 per role, tokens shown once and
// stored hashed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function tokenWithRole(role: string): Promise<string> {
  const answer = await server.api('POST', '/api/tokens', { body: { name: `${role} token`, role } });
  expect(answer.status).toBe(201);
  return answer.body.secret as string;
}

describe('authentication', () => {
  it('refuses a request without a token, with a malformed header, or with an unknown token (401)', async () => {
    const none = await server.api('GET', '/api/customers', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AUTH_TOKEN_MISSING');

    const basic = await server.api('GET', '/api/customers', {
      token: null,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.code).toBe('AUTH_TOKEN_MISSING');
    expect(basic.body.error.message).toContain('Bearer');

    const wrong = await server.api('GET', '/api/customers', { token: 'weft_not-a-real-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('AUTH_TOKEN_INVALID');
  });

  it('a revoked token stops working at once', async () => {
    const created = await server.api('POST', '/api/tokens', {
      body: { name: 'short-lived', role: 'viewer' },
    });
    const secret = created.body.secret as string;
    expect((await server.api('GET', '/api/customers', { token: secret })).status).toBe(200);
    const revoked = await server.api('DELETE', `/api/tokens/${created.body.token.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await server.api('GET', '/api/customers', { token: secret });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('AUTH_TOKEN_REVOKED');
  });

  it('never shows a secret again: lists carry only a prefix, and the database only a hash', async () => {
    const created = await server.api('POST', '/api/tokens', { body: { name: 'listed', role: 'support' } });
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    const list = await server.api('GET', '/api/tokens');
    expect(list.text).not.toContain(secret);
    const listed = list.body.items.find((t: { id: string }) => t.id === created.body.token.id);
    expect(listed).toMatchObject({ name: 'listed', role: 'support', lastUsedAt: null });
    expect(secret.startsWith(listed.prefix.replace('…', ''))).toBe(true);
    const rows = await server.weft.database.pool.query('select * from api_tokens');
    expect(JSON.stringify(rows.rows)).not.toContain(secret);
    // Use is recorded.
    await server.api('GET', '/api/customers', { token: secret });
    const again = await server.api('GET', '/api/tokens');
    expect(again.body.items.find((t: { id: string }) => t.id === created.body.token.id).lastUsedAt).toEqual(
      expect.any(String),
    );
  });
});

describe('roles', () => {
  it('a viewer may read customers but not change them (403 naming the roles that may)', async () => {
    const viewer = await tokenWithRole('viewer');
    expect((await server.api('GET', '/api/customers', { token: viewer })).status).toBe(200);
    const write = await server.api('POST', '/api/customers', {
      token: viewer,
      body: { name: 'Viewer made this' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'AUTH_FORBIDDEN', details: { role: 'viewer' } });
    expect(write.body.error.details.allowedRoles).toContain('integrator');
    expect((await server.api('GET', '/api/customers?search=Viewer', { token: viewer })).body.items).toEqual(
      [],
    );
  });

  it('support and integrator may manage customers but not tokens', async () => {
    for (const role of ['support', 'integrator']) {
      const token = await tokenWithRole(role);
      expect(
        (await server.api('POST', '/api/customers', { token, body: { name: `${role}'s customer` } })).status,
      ).toBe(201);
      expect((await server.api('GET', '/api/tokens', { token })).status).toBe(403);
      expect(
        (await server.api('POST', '/api/tokens', { token, body: { name: 'x', role: 'viewer' } })).status,
      ).toBe(403);
    }
  });

  it('an admin may create tokens up to admin, never owner', async () => {
    const admin = await tokenWithRole('admin');
    expect(
      (await server.api('POST', '/api/tokens', { token: admin, body: { name: 'ok', role: 'integrator' } }))
        .status,
    ).toBe(201);
    const escalate = await server.api('POST', '/api/tokens', {
      token: admin,
      body: { name: 'boss', role: 'owner' },
    });
    expect(escalate.status).toBe(403);
    expect(escalate.body.error.code).toBe('TOKEN_ROLE_NOT_GRANTABLE');
  });

  it('refuses an unknown role with the roles that exist', async () => {
    const answer = await server.api('POST', '/api/tokens', { body: { name: 'x', role: 'superuser' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('role');
  });

  it('keeps the organization manageable: the last owner token cannot be revoked', async () => {
    const list = await server.api('GET', '/api/tokens');
    const owners = list.body.items.filter((t: { role: string }) => t.role === 'owner');
    expect(owners).toHaveLength(1);
    const answer = await server.api('DELETE', `/api/tokens/${owners[0].id}`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('TOKEN_LAST_OWNER');
    expect((await server.api('GET', '/api/customers')).status).toBe(200);

    // With a second owner, either may go.
    await tokenWithRole('owner');
    const both = (await server.api('GET', '/api/tokens')).body.items.filter(
      (t: { role: string }) => t.role === 'owner',
    );
    const secondId = both.find((t: { id: string }) => t.id !== owners[0].id).id;
    expect((await server.api('DELETE', `/api/tokens/${secondId}`)).status).toBe(200);
  });

  it('revoking an unknown token is a 404', async () => {
    const answer = await server.api('DELETE', '/api/tokens/00000000-0000-4000-8000-000000000000');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('TOKEN_NOT_FOUND');
  });
});

describe('review fixes', () => {
  // A percent-encoded path routes to the same handler; the token check must still run (it once answered 500).
  it('authenticates a percent-encoded /api path like the plain one', async () => {
    const answer = await server.api('GET', '/%61pi/customers', { token: null });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('AUTH_TOKEN_MISSING');
    expect((await server.api('GET', '/%61pi/customers')).status).toBe(200);
  });

  it('an admin cannot revoke an owner token', async () => {
    const admin = await tokenWithRole('admin');
    await tokenWithRole('owner');
    const owner = (await server.api('GET', '/api/tokens')).body.items.find(
      (t: { role: string }) => t.role === 'owner',
    );
    const answer = await server.api('DELETE', `/api/tokens/${owner.id}`, { token: admin });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('TOKEN_ROLE_NOT_GRANTABLE');
    expect(
      (await server.api('GET', '/api/tokens')).body.items.some((t: { id: string }) => t.id === owner.id),
    ).toBe(true);
  });

  it('a malformed token id is a 404, not a 500', async () => {
    const answer = await server.api('DELETE', `/api/tokens/${'-'.repeat(36)}`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('TOKEN_NOT_FOUND');
  });
});
