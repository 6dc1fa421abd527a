// Issue 16 (audit log): every change made through the API is recorded with who made it, what, and on which target
// (the customer concerned too), before the answer leaves; a refused change records nothing; details never hold a
// secret; the log is read with filters and keyset pages by those allowed to; old events go after the retention; and
// every mutating route (of the OpenAPI document, and hidden ones the server registers) has a row in the action table
// or a reasoned exclusion, so a new route cannot forget.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedRoutes, notAudited } from '../src/audit/audit-actions.js';
import { apiRoutesOf, installAuditLog } from '../src/audit/audit-recorder.js';
import { pruneAuditEvents, recordAuditEvent } from '../src/audit/audit-store.js';
import { loadConfig } from '../src/config.js';
import { WeftError } from '../src/errors.js';
import { installErrorHandling } from '../src/http/error-handler.js';
import { openApiDocument } from '../src/http-app.js';
import {
  embeddedClaims,
  generatedSigningKey,
  organizationId,
  signEmbeddedJwt,
} from './support/embedded-jwt.js';
import { definitionYaml, sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let ownerTokenId: string;

const tokenSecretMark = 'weft_';
const connectionPassword = 'AUDIT-SECRET-password-5d1e93ab70';
const customerCredential = 'AUDIT-SECRET-customer-key-0c4f28e6';
const configSecret = 'AUDIT-SECRET-config-value-9a7b3c11';

// biome-ignore lint/suspicious/noExplicitAny: audit events are read as JSON
type Event = any;

/** An organization user made straight in the database (no invitation, no password). */
async function insertUser(orgId: string, email: string, name: string, role: string): Promise<{ id: string }> {
  const [user] = await sqlQuery<{ id: string }>(
    server,
    'insert into users (org_id, email, name, role) values ($1, $2, $3, $4) returning id',
    [orgId, email, name, role],
  );
  if (!user) throw new Error(`user ${email} was not made`);
  return user;
}

async function events(query = ''): Promise<Event[]> {
  const answer = await server.api('GET', `/api/audit-events${query ? `?${query}` : ''}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items;
}

async function ok(method: string, path: string, body?: unknown, status = 200) {
  const answer = await server.api(method, path, body === undefined ? {} : { body });
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(status);
  return answer;
}

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  const [owner] = await sqlQuery<{ id: string }>(
    server,
    'select id from api_tokens order by created_at limit 1',
  );
  ownerTokenId = owner!.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('recording changes', () => {
  let integrationId: string;
  let customerId: string;
  let instanceId: string;

  it('records an import, a publish, and the instance life cycle with actor, action, target and customer', async () => {
    const imported = await ok(
      'POST',
      '/api/integrations/import',
      { definition: definitionYaml({ name: 'Audited Sync' }) },
      201,
    );
    integrationId = imported.body.id;
    const published = await ok(
      'POST',
      `/api/integrations/${integrationId}/publish`,
      { comment: 'first' },
      201,
    );
    expect(published.body.versionNumber).toBe(1);
    customerId = (await ok('POST', '/api/customers', { name: 'Audited Corp', externalId: 'audited-1' }, 201))
      .body.id;
    const created = await ok(
      'POST',
      '/api/instances',
      { customerId, integrationId, name: 'Audited instance' },
      201,
    );
    instanceId = created.body.id;
    await ok('PUT', `/api/instances/${instanceId}/config`, {
      values: { 'API Base URL': `https://${configSecret}.example.com` },
    });
    const deployed = await ok('POST', `/api/instances/${instanceId}/deploy`);
    const requestId = deployed.headers.get('x-request-id');
    await ok('DELETE', `/api/instances/${instanceId}`);

    const owner = {
      kind: 'token',
      id: ownerTokenId,
      name: 'token owner (created on first start)',
      tokenId: ownerTokenId,
    };
    const log = await events();
    const find = (action: string) => log.find((event) => event.action === action);
    expect(find('integration.import')).toMatchObject({
      actor: owner,
      target: { type: 'integration', id: integrationId },
      customerId: null,
      details: { name: 'Audited Sync', codeNative: false },
    });
    expect(find('integration.publish')).toMatchObject({
      actor: owner,
      target: { type: 'integration', id: integrationId },
      details: { versionNumber: 1, comment: 'first' },
    });
    expect(find('customer.create')).toMatchObject({
      target: { type: 'customer', id: customerId },
      customerId,
      details: { name: 'Audited Corp', externalId: 'audited-1' },
    });
    expect(find('instance.create')).toMatchObject({
      actor: owner,
      target: { type: 'instance', id: instanceId },
      customerId,
      details: { name: 'Audited instance', integrationId, integrationName: 'Audited Sync', versionNumber: 1 },
    });
    // Which variables were set, never their values.
    expect(find('instance.configure')).toMatchObject({
      customerId,
      details: { variables: ['API Base URL'] },
    });
    expect(find('instance.deploy')).toMatchObject({
      target: { type: 'instance', id: instanceId },
      customerId,
      details: { versionNumber: 1 },
      requestId,
    });
    // The customer of a deleted instance is still known: it was looked up before the delete.
    expect(find('instance.delete')).toMatchObject({
      target: { type: 'instance', id: instanceId },
      customerId,
    });
    // Newest first.
    const order = log.map((event) => event.action);
    expect(order.indexOf('instance.delete')).toBeLessThan(order.indexOf('instance.deploy'));
    expect(order.indexOf('instance.deploy')).toBeLessThan(order.indexOf('integration.import'));
  });

  it('records connections and tokens, and no secret reaches the audit table', async () => {
    const connection = await ok(
      'POST',
      '/api/connections',
      {
        stableKey: 'audited-login',
        kind: 'org_global',
        name: 'Audited login',
        component: 'http',
        connection: 'basic',
        values: { username: 'audit-bot', password: connectionPassword },
      },
      201,
    );
    await ok('PATCH', `/api/connections/${connection.body.id}`, {
      values: { username: 'audit-bot', password: `${connectionPassword}-2` },
    });
    const perCustomer = await ok(
      'POST',
      '/api/connections',
      {
        stableKey: 'audited-key',
        kind: 'org_customer',
        name: 'Per customer key',
        component: 'http',
        connection: 'apiKey',
      },
      201,
    );
    await ok('PUT', `/api/connections/${perCustomer.body.id}/customers/audited-1`, {
      values: { apiKey: customerCredential, headerName: 'X-Key' },
    });
    await ok('DELETE', `/api/connections/${perCustomer.body.id}/customers/audited-1`, undefined, 204);

    const token = await ok('POST', '/api/tokens', { name: 'Audited CI', role: 'integrator' }, 201);
    const secret: string = token.body.secret;
    // The new token acts, then is revoked.
    const byToken = await server.api('POST', '/api/customers', {
      token: secret,
      body: { name: 'Made by CI' },
    });
    expect(byToken.status).toBe(201);
    await ok('DELETE', `/api/tokens/${token.body.token.id}`);

    const log = await events();
    expect(
      log.find((e) => e.action === 'connection.create' && e.target.id === connection.body.id),
    ).toMatchObject({
      target: { type: 'connection' },
      details: {
        name: 'Audited login',
        stableKey: 'audited-login',
        kind: 'org_global',
        component: 'http',
        connection: 'basic',
        inputs: ['username', 'password'],
      },
    });
    expect(log.find((e) => e.action === 'connection.update')).toMatchObject({
      target: { type: 'connection', id: connection.body.id },
      details: { changed: ['values'], inputs: ['username', 'password'] },
    });
    expect(log.find((e) => e.action === 'connection.set-customer-credentials')).toMatchObject({
      target: { type: 'connection', id: perCustomer.body.id },
      customerId,
      details: { inputs: ['apiKey', 'headerName'] },
    });
    // Looked up before the delete, by externalId.
    expect(log.find((e) => e.action === 'connection.delete-customer-credentials')).toMatchObject({
      customerId,
    });
    expect(log.find((e) => e.action === 'token.create')).toMatchObject({
      target: { type: 'token', id: token.body.token.id },
      details: { name: 'Audited CI', role: 'integrator' },
    });
    expect(log.find((e) => e.action === 'customer.create' && e.details.name === 'Made by CI')).toMatchObject({
      actor: {
        kind: 'token',
        id: token.body.token.id,
        name: 'token Audited CI',
        tokenId: token.body.token.id,
      },
    });
    expect(log.find((e) => e.action === 'token.revoke')).toMatchObject({
      target: { type: 'token', id: token.body.token.id },
      details: { name: 'Audited CI', role: 'integrator' },
    });

    const [everything] = await sqlQuery<{ text: string }>(
      server,
      `select coalesce(string_agg(to_jsonb(a)::text, E'\\n'), '') as text from audit_events a`,
    );
    expect(everything!.text).toContain('Audited login');
    for (const hidden of [connectionPassword, customerCredential, configSecret, secret, server.ownerToken]) {
      expect(everything!.text).not.toContain(hidden);
    }
    // Not even part of a token secret.
    expect(everything!.text.match(new RegExp(`${tokenSecretMark}[A-Za-z0-9_-]{8,}`, 'g')) ?? []).toEqual([]);
  });

  it('records nothing for a refused change', async () => {
    const before = await sqlQuery<{ count: string }>(server, 'select count(*) from audit_events');
    const viewer = (await ok('POST', '/api/tokens', { name: 'Audit viewer', role: 'viewer' }, 201)).body
      .secret;
    const afterToken = await sqlQuery<{ count: string }>(server, 'select count(*) from audit_events');
    expect(Number(afterToken[0]!.count)).toBe(Number(before[0]!.count) + 1);

    // 409: a name taken; 404: no such instance; 400: a bad body; 403: a viewer may not; 401: no credentials.
    expect((await server.api('POST', '/api/customers', { body: { name: 'Audited Corp' } })).status).toBe(409);
    expect(
      (await server.api('POST', '/api/instances/00000000-0000-4000-8000-000000000000/deploy')).status,
    ).toBe(404);
    expect((await server.api('POST', '/api/customers', { body: { name: 42 } })).status).toBe(400);
    expect(
      (await server.api('POST', '/api/customers', { token: viewer, body: { name: 'Nope' } })).status,
    ).toBe(403);
    expect((await server.api('DELETE', '/api/tokens/whatever', { token: null })).status).toBe(401);
    const after = await sqlQuery<{ count: string }>(server, 'select count(*) from audit_events');
    expect(after[0]!.count).toBe(afterToken[0]!.count);
  });

  it('names an organization user as the actor when the token is theirs', async () => {
    const orgId = await organizationId(server);
    const user = await insertUser(orgId, 'ada@example.com', 'Ada', 'admin');
    const created = await ok('POST', '/api/tokens', { name: "Ada's token", role: 'admin' }, 201);
    await sqlQuery(server, 'update api_tokens set user_id = $1 where id = $2', [
      user.id,
      created.body.token.id,
    ]);
    const made = await server.api('POST', '/api/customers', {
      token: created.body.secret,
      body: { name: 'By Ada' },
    });
    expect(made.status).toBe(201);
    const [event] = await events(`actor=${user.id}`);
    expect(event).toMatchObject({
      action: 'customer.create',
      actor: { kind: 'user', id: user.id, tokenId: created.body.token.id },
      target: { id: made.body.id },
    });
  });
});

// The sign-in routes are written beside this work; a stand-in with the same contract (public; it sets
// request.caller once someone is signed in, and answers AUTH_SIGN_IN_FAILED otherwise) exercises the recorder.
describe('recording sign-ins and unlisted routes', () => {
  it('records password sign-ins (refused ones against the known user), sign-outs and password changes', async () => {
    const password = 'a long enough passphrase';
    const created = await ok(
      'POST',
      '/api/users',
      { email: 'linus@example.com', name: 'Linus', role: 'support', password },
      201,
    );
    const userId: string = created.body.user.id;
    const signIn = (email: string, secret: string) =>
      fetch(`${server.url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: secret }),
      });
    expect((await signIn('LINUS@example.com', 'not the password at all')).status).toBe(401);
    expect((await signIn('nobody-at-all@example.com', 'not the password at all')).status).toBe(401);
    const signedIn = await signIn('linus@example.com', password);
    expect(signedIn.status).toBe(200);
    const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
    const cookie = signedIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const asUser = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          cookie,
          'x-csrf-token': csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const changed = await asUser('PUT', '/api/users/me/password', {
      currentPassword: password,
      newPassword: 'another long passphrase',
    });
    expect(changed.status, await changed.text()).toBe(200);
    expect((await asUser('POST', '/api/auth/sign-out')).status).toBe(204);

    const log = await events(`actor=${userId}`);
    expect(log.map((event) => event.action)).toEqual([
      'session.sign-out',
      'user.change-password',
      'session.sign-in',
      'session.sign-in-failed',
    ]);
    const linus = { kind: 'user', id: userId, name: 'linus@example.com', tokenId: null };
    expect(log[3]).toMatchObject({
      actor: linus,
      target: { type: 'user', id: userId },
      details: { method: 'password', reason: 'AUTH_SIGN_IN_FAILED' },
    });
    expect(log[2]).toMatchObject({
      actor: linus,
      target: { type: 'user', id: userId },
      details: { method: 'password' },
    });
    expect(log[1]).toMatchObject({ actor: linus, target: { type: 'user', id: userId }, details: {} });
    expect(log[0]).toMatchObject({ actor: linus, target: { type: 'user', id: userId } });
    expect((await events('action=user.invite')).find((e) => e.target.id === userId)).toMatchObject({
      details: { email: 'linus@example.com', name: 'Linus', role: 'support', canSignInNow: true },
    });
    const [everything] = await sqlQuery<{ text: string }>(
      server,
      `select string_agg(to_jsonb(a)::text, ' ') as text from audit_events a`,
    );
    for (const hidden of [
      password,
      'another long passphrase',
      'not the password',
      'nobody-at-all',
      csrfToken,
      cookie.split('=')[1]!,
    ]) {
      expect(everything!.text).not.toContain(hidden);
    }
  });

  it("names a customer user (embedded sign-in) as the actor of their customer's changes; key material stays out", async () => {
    const key = await generatedSigningKey(server);
    const orgId = await organizationId(server);
    const customer = (
      await ok('POST', '/api/customers', { name: 'Embedded Audit', externalId: 'emb-audit' }, 201)
    ).body.id;
    const integration = (
      await ok(
        'POST',
        '/api/integrations/import',
        { definition: definitionYaml({ name: 'Embedded Audited' }) },
        201,
      )
    ).body.id;
    await ok('POST', `/api/integrations/${integration}/publish`, { comment: 'v1' }, 201);
    const instance = (
      await ok(
        'POST',
        '/api/instances',
        { customerId: customer, integrationId: integration, name: 'Theirs' },
        201,
      )
    ).body.id;
    const jwt = await signEmbeddedJwt(key.privateKeyPem, embeddedClaims(orgId, 'emb-audit', 'emb-user-7'));
    const paused = await server.api('POST', `/api/instances/${instance}/pause`, { token: jwt });
    expect(paused.status, paused.text).toBe(200);

    const [event] = await events(`action=instance.pause&targetId=${instance}`);
    expect(event).toMatchObject({
      actor: { kind: 'customer-user', id: expect.any(String), tokenId: null },
      target: { type: 'instance', id: instance },
      customerId: customer,
    });
    const [user] = await sqlQuery<{ id: string }>(
      server,
      "select id from customer_users where external_id = 'emb-user-7'",
    );
    expect(event.actor.id).toBe(user!.id);
    expect((await events(`action=signing-key.generate&targetId=${key.id}`))[0]).toMatchObject({
      details: { fingerprint: key.fingerprint, bits: 2048 },
    });
    const [everything] = await sqlQuery<{ text: string }>(
      server,
      `select string_agg(to_jsonb(a)::text, ' ') as text from audit_events a`,
    );
    const privateBody = key.privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    for (const hidden of [privateBody.slice(0, 40), privateBody.slice(-40), key.last8, jwt]) {
      expect(everything!.text).not.toContain(hidden);
    }
  });

  it('records a sign-in as the caller a route sets, and a mutating route nobody listed, generically', async () => {
    const db = server.weft.database.db;
    const orgId = await organizationId(server);
    const user = await insertUser(orgId, 'grace@example.com', 'Grace', 'integrator');
    const app = Fastify();
    installErrorHandling(app);
    app.addHook('onRequest', async (request) => {
      // What the authentication hook does for routes that are not public.
      if (request.url === '/api/widgets') {
        request.caller = {
          kind: 'organization',
          orgId,
          role: 'admin',
          tokenId: null,
          userId: user.id,
          sessionId: null,
          actorName: 'grace@example.com',
        };
      }
    });
    installAuditLog(app, db);
    app.post<{ Body: { email: string; password: string } }>('/api/auth/sign-in', async (request) => {
      if (request.body.password !== 'correct horse battery staple') {
        throw new WeftError('AUTH_SIGN_IN_FAILED', 'The email or password is wrong.');
      }
      request.caller = {
        kind: 'organization',
        orgId,
        role: 'integrator',
        tokenId: null,
        userId: user.id,
        sessionId: '00000000-0000-4000-8000-000000000001',
        actorName: 'grace@example.com',
      };
      return { user: { id: user.id, email: 'grace@example.com' } };
    });
    app.post('/api/widgets', async (_request, reply) => reply.status(201).send({ id: 'w-1' }));
    try {
      const signIn = (email: string, password: string) =>
        app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password } });
      expect((await signIn('Grace@Example.com', 'wrong password, twice over')).statusCode).toBe(401);
      expect((await signIn('nobody@example.com', 'wrong password, twice over')).statusCode).toBe(401);
      expect((await signIn('grace@example.com', 'correct horse battery staple')).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/widgets', payload: {} })).statusCode).toBe(201);

      const log = await events(`actor=${user.id}`);
      expect(log.map((event) => event.action)).toEqual([
        'api.change',
        'session.sign-in',
        'session.sign-in-failed',
      ]);
      expect(log[2]).toMatchObject({
        actor: { kind: 'user', id: user.id, name: 'grace@example.com', tokenId: null },
        target: { type: 'user', id: user.id },
        details: { method: 'password', reason: 'AUTH_SIGN_IN_FAILED' },
      });
      expect(log[1]).toMatchObject({
        actor: { kind: 'user', id: user.id, name: 'grace@example.com' },
        target: { type: 'user', id: user.id },
        details: { method: 'password' },
      });
      // A mutating route nobody listed is still recorded, by its template.
      expect(log[0]).toMatchObject({ target: { type: 'route', id: 'POST /api/widgets' } });
      const [everything] = await sqlQuery<{ text: string }>(
        server,
        `select string_agg(to_jsonb(a)::text, ' ') as text from audit_events a`,
      );
      expect(everything!.text).not.toContain('nobody@example.com');
      expect(everything!.text).not.toContain('correct horse');
      expect(everything!.text).not.toContain('wrong password');
    } finally {
      await app.close();
    }
  });
});

describe('reading the log', () => {
  it('is refused to a viewer (403) and to a caller without credentials (401)', async () => {
    const viewer = (await ok('POST', '/api/tokens', { name: 'Viewer reads audit', role: 'viewer' }, 201)).body
      .secret;
    const refused = await server.api('GET', '/api/audit-events', { token: viewer });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('AUTH_FORBIDDEN');
    expect((await server.api('GET', '/api/audit-events', { token: null })).status).toBe(401);
    const admin = (await ok('POST', '/api/tokens', { name: 'Admin reads audit', role: 'admin' }, 201)).body
      .secret;
    expect((await server.api('GET', '/api/audit-events', { token: admin })).status).toBe(200);
  });

  it('filters by actor, action prefix, target, customer and time, and pages newest first', async () => {
    const orgId = await organizationId(server);
    const db = server.weft.database.db;
    const base = Date.parse('2020-03-01T00:00:00Z');
    for (let i = 0; i < 7; i += 1) {
      await recordAuditEvent(db, {
        orgId,
        actorKind: 'system',
        actorId: null,
        actorName: i % 2 === 0 ? 'Paging Robot' : 'Other Robot',
        action: i % 3 === 0 ? 'widget.spin' : 'widget.stop',
        targetType: 'widget',
        targetId: `w-${i}`,
        details: { i },
        at: new Date(base + i * 60_000),
      });
    }
    const range = `since=2020-03-01T00:00:00Z&until=2020-03-02T00:00:00Z`;
    const all = await events(range);
    expect(all.map((e) => e.details.i)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect((await events(`${range}&actor=paging%20robot`)).map((e) => e.details.i)).toEqual([6, 4, 2, 0]);
    expect((await events(`${range}&action=widget.`)).length).toBe(7);
    expect((await events(`${range}&action=widget.spin`)).map((e) => e.details.i)).toEqual([6, 3, 0]);
    expect((await events('action=widget.sp')).map((e) => e.details.i)).toEqual([6, 3, 0]);
    expect((await events('action=widget%25')).length).toBe(0); // % is matched literally
    expect((await events('targetType=widget&targetId=w-4')).map((e) => e.details.i)).toEqual([4]);
    expect(
      (await events('since=2020-03-01T00:02:00Z&until=2020-03-01T00:04:00Z')).map((e) => e.details.i),
    ).toEqual([3, 2]);
    expect(await events('customer=no-such-customer')).toEqual([]);
    const byCustomer = await events('customer=audited-1');
    expect(byCustomer.length).toBeGreaterThan(3);
    expect(byCustomer.every((e) => e.customerId === byCustomer[0].customerId)).toBe(true);
    expect(await events(`customer=${byCustomer[0].customerId}`)).toEqual(byCustomer);

    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const answer: { status: number; text: string; body: Event } = await server.api(
        'GET',
        `/api/audit-events?${range}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status, answer.text).toBe(200);
      pages.push(answer.body.items.map((e: Event) => e.details.i));
      cursor = answer.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([[6, 5, 4], [3, 2, 1], [0]]);

    const bad = await server.api('GET', '/api/audit-events?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('API_INVALID_CURSOR');
  });
});

describe('retention', () => {
  it('deletes events older than the retention, keeps the rest; 0 days keeps everything', async () => {
    const orgId = await organizationId(server);
    const db = server.weft.database.db;
    // The database's clock, as the hourly task uses it.
    const [{ now }] = (await sqlQuery<{ now: Date }>(server, 'select now() as now')) as [{ now: Date }];
    const day = 86_400_000;
    for (const [name, ageDays] of [
      ['old', 400],
      ['edge', 366],
      ['recent', 364],
      ['new', 1],
    ] as const) {
      await recordAuditEvent(db, {
        orgId,
        actorKind: 'system',
        actorId: null,
        actorName: 'retention',
        action: `retention.${name}`,
        targetType: 'retention',
        targetId: null,
        at: new Date(now.getTime() - ageDays * day),
      });
    }
    const count = async (where: string) =>
      Number(
        (await sqlQuery<{ count: string }>(server, `select count(*) from audit_events where ${where}`))[0]!
          .count,
      );
    expect(await pruneAuditEvents(db, { olderThanDays: 0 })).toBe(0);
    const pastRetention = await count(`at < now() - interval '365 days'`);
    expect(pastRetention).toBeGreaterThanOrEqual(2);
    const kept = await count(`at >= now() - interval '365 days'`);
    // Batches of one: every old row still goes, and only those.
    expect(await pruneAuditEvents(db, { olderThanDays: 365, batchSize: 1 })).toBe(pastRetention);
    const left = await sqlQuery<{ action: string }>(
      server,
      "select action from audit_events where action like 'retention.%'",
    );
    expect(left.map((row) => row.action).sort()).toEqual(['retention.new', 'retention.recent']);
    expect(await count('true')).toBe(kept);
    // With an injected clock two days on, the "recent" event is past retention too.
    expect(
      await pruneAuditEvents(db, { olderThanDays: 365, now: new Date(now.getTime() + 2 * day) }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      (
        await sqlQuery<{ action: string }>(
          server,
          "select action from audit_events where action like 'retention.%'",
        )
      ).map((r) => r.action),
    ).toEqual(['retention.new']);
  });

  it('WEFT_AUDIT_RETENTION_DAYS defaults to 365 and accepts 0 (forever)', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ WEFT_AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
    expect(loadConfig({ WEFT_AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
  });
});

describe('the action table', () => {
  /** Every route: those of the OpenAPI document, and those the running server registered (hidden ones too). */
  async function everyRoute(): Promise<Set<string>> {
    const document = (await openApiDocument()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    const registered = apiRoutesOf(server.weft.http);
    expect(registered).toContain('GET /api/audit-events');
    return new Set([...documented, ...registered]);
  }

  it('has a row (or a reasoned exclusion) for every POST, PUT, PATCH and DELETE route of the API', async () => {
    const mutating = [...(await everyRoute())].filter((route) =>
      /^(POST|PUT|PATCH|DELETE) \/api\//.test(route),
    );
    expect(mutating.length).toBeGreaterThan(30);
    const missing = mutating.filter((route) => !(route in auditedRoutes) && !(route in notAudited));
    expect(
      missing,
      'add these routes to auditedRoutes (or, with a reason, notAudited) in src/audit/audit-actions.ts',
    ).toEqual([]);
  });

  it('names only routes that exist, and no route is both recorded and excluded', async () => {
    const routes = await everyRoute();
    const unknown = [...Object.keys(auditedRoutes), ...Object.keys(notAudited)].filter(
      (route) => !routes.has(route),
    );
    expect(unknown).toEqual([]);
    expect(Object.keys(auditedRoutes).filter((route) => route in notAudited)).toEqual([]);
  });

  it('picks no detail that looks like a secret, and names actions <target type>.<verb>', () => {
    // Checked on the detail's name and the field it is read from (the last part of the path).
    const secretLooking =
      /password|secret|credential|private|token|^values?$|api-?keys?$|jwt|cookie|csrf|authorization|bundle|definition/i;
    // Reviewed one by one: they only look like secrets.
    const notSecrets = new Set([
      // A boolean: whether the new user has a password (created with one) or was invited.
      'POST /api/users canSignInNow',
    ]);
    const offending: string[] = [];
    for (const [route, row] of Object.entries(auditedRoutes)) {
      if (!row.action.startsWith(`${row.target}.`) && !row.action.startsWith('session.')) {
        offending.push(`${route}: action ${row.action} does not start with ${row.target}.`);
      }
      for (const [name, source] of Object.entries(row.details ?? {})) {
        // keysOf picks names only; constants are written here.
        if (typeof source !== 'string') continue;
        const field = source.split('.').at(-1) ?? '';
        if ((secretLooking.test(field) || secretLooking.test(name)) && !notSecrets.has(`${route} ${name}`)) {
          offending.push(`${route}: detail ${name} from ${source}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
