// Issue 16: customer users. The organization's team manages any customer's users; a customer admin (signed in with
// an embedded JWT) manages its own customer's, a member only reads them, marketplace users see none; another
// customer's users are a 404, as if they did not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedClaims,
  generatedSigningKey,
  organizationId,
  signEmbeddedJwt,
} from './support/embedded-jwt.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let orgId: string;
let privateKeyPem: string;
let own: { id: string; externalId: string };
let other: { id: string; externalId: string };
let otherUserId: string;

async function createCustomer(name: string, externalId: string): Promise<{ id: string; externalId: string }> {
  const answer = await server.api('POST', '/api/customers', { body: { name, externalId } });
  expect(answer.status, answer.text).toBe(201);
  return { id: answer.body.id, externalId };
}

/** A JWT for a user of `customer` whose role is set by hand afterwards (embedded sign-in makes marketplace users). */
async function customerUserJwt(customer: string, sub: string, role: string): Promise<string> {
  // The JWT's role decides between the marketplace roles on every sign-in; admin and member are given by hand.
  const claims = {
    ...embeddedClaims(orgId, customer, sub),
    role: role === 'marketplace-user' ? 'user' : 'admin',
  };
  const jwt = await signEmbeddedJwt(privateKeyPem, claims);
  const me = await server.api('GET', '/api/customer-users/me', { token: jwt });
  expect(me.status, me.text).toBe(200);
  if (role !== me.body.user.role) {
    const changed = await server.api('PATCH', `/api/customer-users/${me.body.user.id}`, { body: { role } });
    expect(changed.status, changed.text).toBe(200);
  }
  return jwt;
}

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  orgId = await organizationId(server);
  privateKeyPem = (await generatedSigningKey(server)).privateKeyPem;
  own = await createCustomer('Own Co', 'own-co');
  other = await createCustomer('Other Co', 'other-co');
  const created = await server.api('POST', `/api/customers/${other.id}/users`, {
    body: { name: 'Olga Other', email: 'olga@other.example', role: 'admin' },
  });
  expect(created.status, created.text).toBe(201);
  otherUserId = created.body.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('customer users, managed by the organization', () => {
  it('creates, lists, gets, updates and deletes users of a customer named by id or externalId', async () => {
    const customer = await createCustomer('Managed Co', 'managed-co');
    const lisa = await server.api('POST', '/api/customers/managed-co/users', {
      body: { name: 'Lisa Nguyen', email: 'lisa.nguyen@ftl-rockets.com', role: 'admin' },
    });
    expect(lisa.status, lisa.text).toBe(201);
    expect(lisa.body).toMatchObject({
      customerId: customer.id,
      name: 'Lisa Nguyen',
      email: 'lisa.nguyen@ftl-rockets.com',
      externalId: null,
      role: 'admin',
      lastSignInAt: null,
    });
    const jim = await server.api('POST', `/api/customers/${customer.id}/users`, {
      body: { name: 'Jim Simms', email: 'james.simms@ftl-rockets.com', externalId: 'jim-1', role: 'member' },
    });
    expect(jim.status, jim.text).toBe(201);

    const list = await server.api('GET', `/api/customers/${customer.id}/users`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((user: { name: string }) => user.name)).toEqual(['Lisa Nguyen', 'Jim Simms']);
    expect(list.body.nextCursor).toBeNull();
    const paged = await server.api('GET', '/api/customers/managed-co/users?limit=1');
    expect(paged.body.items).toHaveLength(1);
    const rest = await server.api(
      'GET',
      `/api/customers/managed-co/users?limit=1&cursor=${paged.body.nextCursor}`,
    );
    expect(rest.body.items[0].name).toBe('Jim Simms');
    expect((await server.api('GET', '/api/customers/managed-co/users?search=SIMMS')).body.items).toHaveLength(
      1,
    );
    expect((await server.api('GET', '/api/customers/managed-co/users?role=admin')).body.items[0].name).toBe(
      'Lisa Nguyen',
    );

    expect((await server.api('GET', `/api/customer-users/${jim.body.id}`)).body).toEqual(jim.body);
    const updated = await server.api('PATCH', `/api/customer-users/${jim.body.id}`, {
      body: { role: 'admin', name: 'James Simms', email: null },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({
      role: 'admin',
      name: 'James Simms',
      email: null,
      externalId: 'jim-1',
    });

    const deleted = await server.api('DELETE', `/api/customer-users/${jim.body.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(jim.body.id);
    const gone = await server.api('GET', `/api/customer-users/${jim.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('CUSTOMER_USER_NOT_FOUND');
  });

  it('answers 409 for an email or externalId taken within the customer, 400 for a user with neither', async () => {
    const customer = await createCustomer('Conflict Co', 'conflict-co');
    const path = `/api/customers/${customer.id}/users`;
    expect(
      (
        await server.api('POST', path, {
          body: { name: 'A', email: 'a@x.example', externalId: 'a', role: 'member' },
        })
      ).status,
    ).toBe(201);
    const email = await server.api('POST', path, {
      body: { name: 'B', email: 'A@X.example', role: 'member' },
    });
    expect(email.status).toBe(409);
    expect(email.body.error).toMatchObject({
      code: 'CUSTOMER_USER_EMAIL_TAKEN',
      details: { field: 'email' },
    });
    const external = await server.api('POST', path, { body: { name: 'C', externalId: 'a', role: 'member' } });
    expect(external.status).toBe(409);
    expect(external.body.error.code).toBe('CUSTOMER_USER_EXTERNAL_ID_TAKEN');
    // The same email at another customer is fine.
    expect(
      (
        await server.api('POST', `/api/customers/${own.id}/users`, {
          body: { name: 'A', email: 'a@x.example', role: 'member' },
        })
      ).status,
    ).toBe(201);

    const neither = await server.api('POST', path, { body: { name: 'D', role: 'member' } });
    expect(neither.status).toBe(400);
    expect(neither.body.error).toMatchObject({ code: 'API_VALIDATION_FAILED', details: { field: 'email' } });
    const badRole = await server.api('POST', path, {
      body: { name: 'E', email: 'e@x.example', role: 'owner' },
    });
    expect(badRole.status).toBe(400);
    const badEmail = await server.api('POST', path, {
      body: { name: 'F', email: 'not an email', role: 'member' },
    });
    expect(badEmail.status).toBe(400);
    const unknown = await server.api('GET', '/api/customers/no-such-customer/users');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await server.api('GET', '/api/customer-users/not-a-uuid')).status).toBe(404);
  });

  it('follows the organization roles: viewers read, support and up write', async () => {
    const viewer = await tokenWithRole(server, 'viewer');
    expect((await server.api('GET', `/api/customers/${own.id}/users`, { token: viewer })).status).toBe(200);
    const refused = await server.api('POST', `/api/customers/${own.id}/users`, {
      token: viewer,
      body: { name: 'V', email: 'v@own.example', role: 'member' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('AUTH_FORBIDDEN');
    const support = await tokenWithRole(server, 'support');
    expect(
      (
        await server.api('POST', `/api/customers/${own.id}/users`, {
          token: support,
          body: { name: 'S', email: 's@own.example', role: 'member' },
        })
      ).status,
    ).toBe(201);
  });

  it('a user created with an externalId keeps their role when they first sign in with it', async () => {
    const created = await server.api('POST', `/api/customers/${own.id}/users`, {
      body: { name: 'Pre Made', externalId: 'pre-made', role: 'member' },
    });
    expect(created.status).toBe(201);
    const jwt = await signEmbeddedJwt(privateKeyPem, embeddedClaims(orgId, own.externalId, 'pre-made'));
    const me = await server.api('GET', '/api/customer-users/me', { token: jwt });
    expect(me.body.user).toMatchObject({ id: created.body.id, role: 'member' });
    expect(me.body.user.lastSignInAt).toEqual(expect.any(String));
  });
});

describe('customer users, managed by customer users', () => {
  it('a customer admin manages its own customer’s users only; others are 404', async () => {
    const admin = await customerUserJwt(own.externalId, 'own-admin', 'admin');
    const list = await server.api('GET', `/api/customers/${own.id}/users`, { token: admin });
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.every((user: { customerId: string }) => user.customerId === own.id)).toBe(true);
    expect((await server.api('GET', `/api/customers/${own.externalId}/users`, { token: admin })).status).toBe(
      200,
    );

    const created = await server.api('POST', `/api/customers/${own.externalId}/users`, {
      token: admin,
      body: { name: 'New Colleague', email: 'new@own.example', role: 'admin' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.customerId).toBe(own.id);
    const patched = await server.api('PATCH', `/api/customer-users/${created.body.id}`, {
      token: admin,
      body: { role: 'member' },
    });
    expect(patched.body.role).toBe('member');
    expect(
      (await server.api('DELETE', `/api/customer-users/${created.body.id}`, { token: admin })).status,
    ).toBe(200);

    for (const path of [`/api/customers/${other.id}/users`, `/api/customers/${other.externalId}/users`]) {
      for (const method of ['GET', 'POST'] as const) {
        const answer = await server.api(method, path, {
          token: admin,
          ...(method === 'POST' ? { body: { name: 'X', email: 'x@other.example', role: 'admin' } } : {}),
        });
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body.error.code).toBe('CUSTOMER_NOT_FOUND');
      }
    }
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { role: 'member' }],
      ['DELETE', undefined],
    ] as const) {
      const answer = await server.api(method, `/api/customer-users/${otherUserId}`, {
        token: admin,
        ...(body ? { body } : {}),
      });
      expect(answer.status, method).toBe(404);
      expect(answer.body.error.code).toBe('CUSTOMER_USER_NOT_FOUND');
    }
    const [olga] = await sqlQuery(server, 'select role from customer_users where id = $1', [otherUserId]);
    expect(olga).toEqual({ role: 'admin' });
  });

  it('a member reads its customer’s users but changes nothing; marketplace users see none', async () => {
    const member = await customerUserJwt(own.externalId, 'own-member', 'member');
    expect((await server.api('GET', `/api/customers/${own.id}/users`, { token: member })).status).toBe(200);
    const write = await server.api('POST', `/api/customers/${own.id}/users`, {
      token: member,
      body: { name: 'Nope', email: 'nope@own.example', role: 'member' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'AUTH_FORBIDDEN', details: { allowedRoles: ['admin'] } });
    const me = await server.api('GET', '/api/customer-users/me', { token: member });
    expect(
      (
        await server.api('PATCH', `/api/customer-users/${me.body.user.id}`, {
          token: member,
          body: { role: 'admin' },
        })
      ).status,
    ).toBe(403);

    for (const role of ['marketplace-admin', 'marketplace-user']) {
      const jwt = await customerUserJwt(own.externalId, `own-${role}`, role);
      const answer = await server.api('GET', `/api/customers/${own.id}/users`, { token: jwt });
      expect(answer.status, role).toBe(403);
      expect(answer.body.error.code).toBe('AUTH_FORBIDDEN');
      const self = await server.api('GET', '/api/customer-users/me', { token: jwt });
      expect(self.status, role).toBe(200);
      expect(self.body.user.role).toBe(role);
    }
  });

  it('GET /api/customer-users/me is for customer users; an organization token gets a 404 that says so', async () => {
    const answer = await server.api('GET', '/api/customer-users/me');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('CUSTOMER_USER_NOT_FOUND');
    expect(answer.body.error.message).toContain('customer users');
  });
});

describe('a customer named by a value that is one customer’s id and another’s externalId', () => {
  // Last: once a customer's externalId is another's id, that id names two customers for the scope check.
  it('is the customer whose id it is for the organization; no customer user reaches either through it', async () => {
    const shadow = await createCustomer('Shadow Co', own.id);
    const created = await server.api('POST', `/api/customers/${own.id}/users`, {
      body: { name: 'Id First', email: 'id-first@own.example', role: 'member' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.customerId).toBe(own.id);
    const shadowAdmin = await customerUserJwt(shadow.externalId, 'shadow-admin', 'admin');
    const answer = await server.api('GET', `/api/customers/${own.id}/users`, { token: shadowAdmin });
    expect(answer.status, answer.text).toBe(404);
    expect(answer.body.error.code).toBe('CUSTOMER_NOT_FOUND');
  });
});
