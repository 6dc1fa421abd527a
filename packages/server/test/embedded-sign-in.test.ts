// Issue 16: embedded sign-in. The organization's backend signs an RS256 JWT (seed 003's claims) with a signing key
// Weft generated or one whose public half it imported; Weft verifies it, creates the customer and the customer user
// on first sight, and the same REST API then answers as that customer user. Every refusal is a 401 with its own code.
import { createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setEmbeddedSignInClock } from '../src/auth/embedded-sign-in.js';
import { createOrganization } from '../src/index.js';
import {
  embeddedClaims,
  generatedSigningKey,
  localKeyPair,
  organizationId,
  signEmbeddedJwt,
} from './support/embedded-jwt.js';
import { definitionYaml, sqlQuery } from './support/integration-fixtures.js';
import { type ApiAnswer, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let orgId: string;
let signingKey: { id: string; privateKeyPem: string; fingerprint: string; last8: string };
let integrationId: string;

function expectRefused(answer: ApiAnswer, code: string): void {
  expect(answer.status, answer.text).toBe(401);
  expect(answer.body.error.code, answer.text).toBe(code);
}

async function createCustomer(name: string, externalId: string, token = server.ownerToken): Promise<string> {
  const answer = await server.api('POST', '/api/customers', { token, body: { name, externalId } });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id;
}

async function createInstance(customerId: string, name: string, token = server.ownerToken): Promise<string> {
  const answer = await server.api('POST', '/api/instances', {
    token,
    body: { customerId, integrationId, name },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id;
}

/** A JWT of `sub` for `customer`, signed with the generated key, living an hour from `now` (seconds). */
function jwtFor(
  customer: string,
  sub: string,
  extra: Record<string, unknown> = {},
  now?: number,
): Promise<string> {
  return signEmbeddedJwt(signingKey.privateKeyPem, {
    ...embeddedClaims(orgId, customer, sub, now),
    ...extra,
  });
}

beforeAll(async () => {
  server = await startTestServer();
  orgId = await organizationId(server);
  signingKey = await generatedSigningKey(server);
  const imported = await server.api('POST', '/api/integrations/import', {
    body: { definition: definitionYaml({ name: 'Embedded Sync' }) },
  });
  expect(imported.status, imported.text).toBe(201);
  integrationId = imported.body.id;
  const published = await server.api('POST', `/api/integrations/${integrationId}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
});
afterAll(async () => {
  setEmbeddedSignInClock();
  await server?.stop();
});
afterEach(() => setEmbeddedSignInClock());

describe('signing in with an embedded JWT', () => {
  it('answers as the customer user: their own instances only, organization routes 403', async () => {
    const acme = await createCustomer('Acme Embedded', 'acme-emb');
    const beta = await createCustomer('Beta Embedded', 'beta-emb');
    const acmeInstance = await createInstance(acme, 'Acme one');
    const betaInstance = await createInstance(beta, 'Beta one');

    const jwt = await jwtFor('acme-emb', 'acme-user-1');
    const instances = await server.api('GET', '/api/instances', { token: jwt });
    expect(instances.status, instances.text).toBe(200);
    const ids = instances.body.items.map((item: { id: string }) => item.id);
    expect(ids).toContain(acmeInstance);
    // The lead wires the narrowing of the instance list; if this fails, the list is not narrowed yet.
    expect(ids).not.toContain(betaInstance);
    expect(
      instances.body.items.every((item: { customer: { id: string } }) => item.customer.id === acme),
    ).toBe(true);
    expect((await server.api('GET', `/api/instances/${acmeInstance}`, { token: jwt })).status).toBe(200);
    const theirs = await server.api('GET', `/api/instances/${betaInstance}`, { token: jwt });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('INSTANCE_NOT_FOUND');

    for (const [method, path] of [
      ['GET', '/api/customers'],
      ['GET', '/api/organization'],
      ['GET', '/api/signing-keys'],
      ['POST', '/api/signing-keys'],
      ['GET', '/api/tokens'],
    ] as const) {
      const answer = await server.api(method, path, {
        token: jwt,
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(403);
      expect(answer.body.error.code).toBe('AUTH_ORGANIZATION_ONLY');
    }

    const me = await server.api('GET', '/api/customer-users/me', { token: jwt });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({
      user: {
        externalId: 'acme-user-1',
        name: 'User acme-user-1',
        role: 'marketplace-admin',
        customerId: acme,
      },
      customer: { id: acme, name: 'Acme Embedded', externalId: 'acme-emb' },
    });
  });

  it('signs in with the public key of a key pair made elsewhere (openssl-style PEM), imported', async () => {
    const pair = localKeyPair();
    const imported = await server.api('POST', '/api/signing-keys/import', {
      body: { publicKey: pair.publicKeyPem },
    });
    expect(imported.status, imported.text).toBe(201);
    const jwt = await signEmbeddedJwt(
      pair.privateKey,
      embeddedClaims(orgId, 'imported-cust', 'imported-user'),
    );
    const me = await server.api('GET', '/api/customer-users/me', { token: jwt });
    expect(me.status, me.text).toBe(200);
    expect(me.body.customer).toMatchObject({ name: 'Customer imported-cust', externalId: 'imported-cust' });
    // A kid header may name the key, by id or fingerprint.
    for (const kid of [imported.body.id, imported.body.fingerprint]) {
      const withKid = await signEmbeddedJwt(
        pair.privateKey,
        embeddedClaims(orgId, 'imported-cust', 'imported-user'),
        { kid },
      );
      expect((await server.api('GET', '/api/customer-users/me', { token: withKid })).status).toBe(200);
    }
  });

  it('creates the customer and a marketplace admin on first sign-in, and reuses them afterwards', async () => {
    const t0 = Date.UTC(2030, 0, 1, 12, 0, 0);
    setEmbeddedSignInClock(() => t0);
    const now = Math.floor(t0 / 1000);
    const first = await server.api('GET', '/api/customer-users/me', {
      token: await jwtFor('hooli', 'phil', { name: 'Phil Embedmonson', customer_name: 'Hooli' }, now),
    });
    expect(first.status, first.text).toBe(200);
    const [customer] = await sqlQuery(server, 'select id, name from customers where external_id = $1', [
      'hooli',
    ]);
    expect(customer).toMatchObject({ name: 'Hooli' });
    const users = () =>
      sqlQuery<{ id: string; name: string; role: string; last_sign_in_at: Date; external_id: string }>(
        server,
        'select id, name, role, last_sign_in_at, external_id from customer_users where customer_id = $1',
        [customer?.id],
      );
    const [user] = await users();
    expect(user).toMatchObject({ name: 'Phil Embedmonson', role: 'marketplace-admin', external_id: 'phil' });
    expect(user?.last_sign_in_at.getTime()).toBe(t0);
    expect(first.body.user.id).toBe(user?.id);
    // No API route made them, so the audit log says embedded sign-in did.
    const audit = await sqlQuery(
      server,
      `select action, actor_kind, actor_name, target_id from audit_events where customer_id = $1 order by action`,
      [customer?.id],
    );
    expect(audit).toEqual([
      {
        action: 'customer-user.create',
        actor_kind: 'system',
        actor_name: 'embedded sign-in',
        target_id: user?.id,
      },
      {
        action: 'customer.create',
        actor_kind: 'system',
        actor_name: 'embedded sign-in',
        target_id: customer?.id,
      },
    ]);

    // 30 s later: the same user, and no write (last sign-in is recorded at most once a minute).
    setEmbeddedSignInClock(() => t0 + 30_000);
    const again = await server.api('GET', '/api/customer-users/me', {
      token: await jwtFor('hooli', 'phil', { name: 'Phil Embedmonson', customer_name: 'Renamed?' }, now + 30),
    });
    expect(again.body.user.id).toBe(user?.id);
    expect((await users())[0]?.last_sign_in_at.getTime()).toBe(t0);
    // customer_name is ignored once the customer exists.
    expect((await sqlQuery(server, 'select name from customers where id = $1', [customer?.id]))[0]).toEqual({
      name: 'Hooli',
    });

    // 61 s later: recorded; a new name in the JWT renames the user; role 'user' makes a marketplace user.
    setEmbeddedSignInClock(() => t0 + 61_000);
    await server.api('GET', '/api/customer-users/me', {
      token: await jwtFor('hooli', 'phil', { name: 'Phil E.', role: 'user' }, now + 61),
    });
    const [after] = await users();
    expect(after).toMatchObject({ id: user?.id, name: 'Phil E.', role: 'marketplace-user' });
    expect(after?.last_sign_in_at.getTime()).toBe(t0 + 61_000);
    expect(await users()).toHaveLength(1);

    // external_id names the user when given; sub otherwise.
    const other = await server.api('GET', '/api/customer-users/me', {
      token: await jwtFor('hooli', 'sub-only', { external_id: undefined }, now + 61),
    });
    expect(other.body.user.externalId).toBe('sub-only');
    const mapped = await server.api('GET', '/api/customer-users/me', {
      token: await jwtFor('hooli', 'sub-x', { external_id: 'ext-x' }, now + 61),
    });
    expect(mapped.body.user.externalId).toBe('ext-x');
  });

  it('keeps the role an organization gave a customer user by hand (admin, member)', async () => {
    const customerId = await createCustomer('Handmade', 'handmade');
    const created = await server.api('POST', `/api/customers/${customerId}/users`, {
      body: { name: 'Boss', externalId: 'boss', role: 'admin' },
    });
    expect(created.status, created.text).toBe(201);
    const me = await server.api('GET', '/api/customer-users/me', { token: await jwtFor('handmade', 'boss') });
    expect(me.body.user).toMatchObject({ id: created.body.id, role: 'admin' });
    expect(
      (
        await server.api('GET', `/api/customers/${customerId}/users`, {
          token: await jwtFor('handmade', 'boss'),
        })
      ).status,
    ).toBe(200);
  });

  it('concurrent first sign-ins create one customer and one user', async () => {
    const jwt = await jwtFor('race-cust', 'race-user', { customer_name: 'Race Co' });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => server.api('GET', '/api/customer-users/me', { token: jwt })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((answer) => answer.body.user.id)).size).toBe(1);
    const customers = await sqlQuery(server, 'select id from customers where external_id = $1', [
      'race-cust',
    ]);
    expect(customers).toHaveLength(1);
    const users = await sqlQuery(server, 'select id from customer_users where customer_id = $1', [
      customers[0]?.id,
    ]);
    expect(users).toHaveLength(1);

    // Several new users of one new customer at once: one customer, one user each.
    const many = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        server.api('GET', '/api/customer-users/me', { token: await jwtFor('race-cust-2', `u${i}`) }),
      ),
    );
    expect(many.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    const [second] = await sqlQuery(server, 'select id from customers where external_id = $1', [
      'race-cust-2',
    ]);
    expect(
      await sqlQuery(server, 'select id from customer_users where customer_id = $1', [second?.id]),
    ).toHaveLength(6);
  });

  it('a deactivated key stops working at once', async () => {
    const key = await generatedSigningKey(server);
    const jwt = await signEmbeddedJwt(key.privateKeyPem, embeddedClaims(orgId, 'deact-cust', 'deact-user'));
    expect((await server.api('GET', '/api/customer-users/me', { token: jwt })).status).toBe(200);
    const deactivated = await server.api('POST', `/api/signing-keys/${key.id}/deactivate`);
    expect(deactivated.status, deactivated.text).toBe(200);
    const refused = await server.api('GET', '/api/customer-users/me', { token: jwt });
    expectRefused(refused, 'AUTH_JWT_KEY_INACTIVE');
    expect(refused.body.error.message).toContain(key.id);
    expect(refused.body.error.details).toMatchObject({ signingKeyId: key.id, fingerprint: key.fingerprint });
    // Nothing of the private key reaches a caller who is not signed in.
    expect(refused.text).not.toContain(key.last8);
  });
});

describe('refusals, each with its own code', () => {
  const me = (token: string) => server.api('GET', '/api/customer-users/me', { token });

  it('AUTH_JWT_SIGNATURE_INVALID: signed by no active key of the organization, naming the active keys', async () => {
    const stranger = localKeyPair();
    const answer = await me(await signEmbeddedJwt(stranger.privateKey, embeddedClaims(orgId, 'c', 's')));
    expectRefused(answer, 'AUTH_JWT_SIGNATURE_INVALID');
    expect(answer.body.error.message).toContain(orgId);
    expect(answer.body.error.message).toContain(signingKey.fingerprint.slice(0, 16));
    expect(answer.body.error.details.activeKeys).toContainEqual({
      id: signingKey.id,
      fingerprint: signingKey.fingerprint,
    });
    // The active keys are named by their public parts only: nothing of a private key goes to an unsigned caller.
    expect(answer.text).not.toContain(signingKey.last8);

    // A payload changed after signing.
    const jwt = await jwtFor('c', 's');
    const [header, , signature] = jwt.split('.');
    const forged = Buffer.from(JSON.stringify({ ...embeddedClaims(orgId, 'c', 'someone-else') })).toString(
      'base64url',
    );
    expectRefused(await me(`${header}.${forged}.${signature}`), 'AUTH_JWT_SIGNATURE_INVALID');

    // A kid that names no key of the organization.
    const badKid = await signEmbeddedJwt(signingKey.privateKeyPem, embeddedClaims(orgId, 'c', 's'), {
      kid: 'nope',
    });
    const kidAnswer = await me(badKid);
    expectRefused(kidAnswer, 'AUTH_JWT_SIGNATURE_INVALID');
    expect(kidAnswer.body.error.message).toContain("kid header 'nope'");
    expect(kidAnswer.body.error.details.activeKeys).toContainEqual({
      id: signingKey.id,
      fingerprint: signingKey.fingerprint,
    });
    expect(kidAnswer.text).not.toContain(signingKey.last8);
  });

  it('AUTH_JWT_ALGORITHM_UNSUPPORTED: none, HS256 (even keyed with the public key), PS256', async () => {
    const claims = embeddedClaims(orgId, 'c', 's');
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    expectRefused(await me(none), 'AUTH_JWT_ALGORITHM_UNSUPPORTED');

    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expectRefused(await me(hs), 'AUTH_JWT_ALGORITHM_UNSUPPORTED');

    const publicPem = createPublicKey(signingKey.privateKeyPem)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(publicPem));
    const answer = await me(confused);
    expectRefused(answer, 'AUTH_JWT_ALGORITHM_UNSUPPORTED');
    expect(answer.body.error.message).toContain("alg 'HS256'");

    const ps = await signEmbeddedJwt(signingKey.privateKeyPem, claims, { alg: 'PS256' });
    expectRefused(await me(ps), 'AUTH_JWT_ALGORITHM_UNSUPPORTED');
  });

  it('AUTH_JWT_MALFORMED: a bearer shaped like a JWT that is not one', async () => {
    expectRefused(await me('eyJub3QganNvbg.eyJhIjoxfQ.c2ln'), 'AUTH_JWT_MALFORMED');
    const encode = (value: string) => Buffer.from(value).toString('base64url');
    expectRefused(await me(`${encode('{"alg":"RS256"}')}.${encode('[1,2]')}.c2ln`), 'AUTH_JWT_MALFORMED');
  });

  it('AUTH_JWT_EXPIRED names exp and the server time (60 s of clock skew allowed)', async () => {
    const t0 = Date.UTC(2031, 5, 1, 8, 0, 0);
    setEmbeddedSignInClock(() => t0);
    const now = Math.floor(t0 / 1000);
    const expired = await jwtFor('c-exp', 's', { iat: now - 7200, exp: now - 61 });
    const answer = await me(expired);
    expectRefused(answer, 'AUTH_JWT_EXPIRED');
    expect(answer.body.error.message).toContain(new Date((now - 61) * 1000).toISOString());
    expect(answer.body.error.message).toContain(new Date(t0).toISOString());
    expect(answer.body.error.details).toMatchObject({
      exp: now - 61,
      serverTime: new Date(t0).toISOString(),
    });
    // Within the skew: still accepted.
    expect((await me(await jwtFor('c-exp', 's', { iat: now - 7200, exp: now - 30 }))).status).toBe(200);
  });

  it('AUTH_JWT_NOT_YET_VALID: iat or nbf more than 60 s ahead of the server', async () => {
    const t0 = Date.UTC(2031, 5, 1, 8, 0, 0);
    setEmbeddedSignInClock(() => t0);
    const now = Math.floor(t0 / 1000);
    const future = await me(await jwtFor('c-nyv', 's', { iat: now + 120, exp: now + 3600 }));
    expectRefused(future, 'AUTH_JWT_NOT_YET_VALID');
    expect(future.body.error.details).toMatchObject({ claim: 'iat', serverTime: new Date(t0).toISOString() });
    expectRefused(await me(await jwtFor('c-nyv', 's', { nbf: now + 600 }, now)), 'AUTH_JWT_NOT_YET_VALID');
    expect((await me(await jwtFor('c-nyv', 's', { iat: now + 30, exp: now + 3600 }))).status).toBe(200);
  });

  it('AUTH_JWT_LIFETIME_TOO_LONG: exp - iat over 24 hours', async () => {
    const now = Math.floor(Date.now() / 1000);
    const answer = await me(await jwtFor('c-long', 's', { iat: now, exp: now + 24 * 3600 + 1 }));
    expectRefused(answer, 'AUTH_JWT_LIFETIME_TOO_LONG');
    expect(answer.body.error.details).toMatchObject({ maxLifetimeSeconds: 86_400 });
    expect((await me(await jwtFor('c-long', 's', { iat: now, exp: now + 24 * 3600 }))).status).toBe(200);
  });

  it('AUTH_JWT_ORGANIZATION_UNKNOWN: an id that is no organization', async () => {
    for (const organization of ['6f1c1b8e-3a52-4c51-9a8e-2d3c4b5a6f70', 'T3JnYW5pemF0aW9uOmU5ZGVhZA==']) {
      const answer = await me(await jwtFor('c', 's', { organization }));
      expectRefused(answer, 'AUTH_JWT_ORGANIZATION_UNKNOWN');
      expect(answer.body.error.message).toContain('weft organization:get --json');
    }
  });

  it('AUTH_JWT_CLAIM_MISSING names the claim; AUTH_JWT_CLAIM_INVALID a claim of the wrong type or value', async () => {
    for (const claim of ['organization', 'sub', 'customer', 'iat', 'exp']) {
      const answer = await me(await jwtFor('c-claims', 's', { [claim]: undefined }));
      expectRefused(answer, 'AUTH_JWT_CLAIM_MISSING');
      expect(answer.body.error.details.claim).toBe(claim);
      expect(answer.body.error.message).toContain(`'${claim}'`);
    }
    for (const [claim, value] of [
      ['iat', '1631676917'],
      ['exp', 'tomorrow'],
      ['sub', 42],
      ['customer', ''],
      ['role', 'owner'],
      ['name', { first: 'Phil' }],
      ['customer_name', '   '],
      ['external_id', ' padded '],
      ['organization', 7],
    ] as const) {
      const answer = await me(await jwtFor('c-claims', 's', { [claim]: value }));
      expectRefused(answer, 'AUTH_JWT_CLAIM_INVALID');
      expect(answer.body.error.details.claim, claim).toBe(claim);
    }
  });

  it('AUTH_JWT_CUSTOMER_UNKNOWN without customer_name; AUTH_JWT_CUSTOMER_NAME_TAKEN when the name is taken', async () => {
    const unknown = await me(await jwtFor('nobody-yet', 's', { customer_name: undefined }));
    expectRefused(unknown, 'AUTH_JWT_CUSTOMER_UNKNOWN');
    expect(unknown.body.error.message).toContain('customer_name');
    expect(unknown.body.error.message).toContain("'nobody-yet'");
    expect(await sqlQuery(server, 'select id from customers where external_id = $1', ['nobody-yet'])).toEqual(
      [],
    );

    await createCustomer('Taken Name', 'taken-1');
    const taken = await me(await jwtFor('taken-2', 's', { customer_name: 'Taken Name' }));
    expectRefused(taken, 'AUTH_JWT_CUSTOMER_NAME_TAKEN');
  });
});

describe('organizations', () => {
  it('a JWT for organization A cannot act in organization B', async () => {
    const b = await createOrganization(server.weft.database.db, { name: 'Org B' });
    const bId = await organizationId(server, b.ownerToken);
    expect(bId).toBe(b.orgId);
    await generatedSigningKey(server, b.ownerToken);
    // B has a customer with the same external id as one of A's.
    const bCustomer = await createCustomer('B Acme', 'acme-emb', b.ownerToken);
    const bInstance = await createInstanceInOrg(b.ownerToken, bCustomer);

    // Signed with A's key, claiming B: B's keys do not verify it.
    const claimsB = await signEmbeddedJwt(signingKey.privateKeyPem, embeddedClaims(bId, 'acme-emb', 'x'));
    expectRefused(
      await server.api('GET', '/api/instances', { token: claimsB }),
      'AUTH_JWT_SIGNATURE_INVALID',
    );

    // A's user of A's 'acme-emb' sees nothing of B.
    const jwtA = await jwtFor('acme-emb', 'acme-user-1');
    const listed = await server.api('GET', '/api/instances', { token: jwtA });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).not.toContain(bInstance);
    expect((await server.api('GET', `/api/instances/${bInstance}`, { token: jwtA })).status).toBe(404);
    expect((await server.api('GET', `/api/customers/${bCustomer}/users`, { token: jwtA })).status).toBe(403);
  });
});

async function createInstanceInOrg(token: string, customerId: string): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', {
    token,
    body: { definition: definitionYaml({ name: 'B Sync' }) },
  });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    token,
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    token,
    body: { customerId, integrationId: imported.body.id, name: 'B one' },
  });
  expect(instance.status, instance.text).toBe(201);
  return instance.body.id;
}
