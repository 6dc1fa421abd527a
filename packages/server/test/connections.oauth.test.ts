// Issue 6 (connections): an instance's flow calls a protected API with a connection authorized through a real
// OAuth 2.0 authorization code flow with PKCE (panva's oidc-provider on loopback), and keeps working across token
// expiry: renewal before expiry, renewal after a 401, rotated refresh tokens stored, one renewal for many
// executions at once, a revoked refresh token puts the connection in the error state; client credentials tokens
// are requested again once expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenContext } from '../src/connections/connection-store.js';
import { sqlQuery } from './support/integration-fixtures.js';
import {
  type OAuthProvider,
  type ProtectedApi,
  startOAuthProvider,
  startProtectedApi,
} from './support/oauth-provider.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  instanceOf,
  sleep,
  testRun,
  WorkerProcess,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const tokenTtlSeconds = 4;
const client = { clientId: 'weft-app', clientSecret: 'oauth-client-secret-9d2f7c41e8' };
const service = { clientId: 'weft-service', clientSecret: 'service-client-secret-5be03a' };

let server: TestServer;
let provider: OAuthProvider;
let api: ProtectedApi;

function yaml(apiUrl: string, connection: 'oauth2' | 'oauth2ClientCredentials'): string {
  return `definitionVersion: 7
name: Protected API ${connection}
description: Calls a protected API
endpointType: flow_specific
requiredConfigVars:
  - key: Acme OAuth
    stableKey: acme-oauth
    dataType: connection
    connection:
      key: ${connection}
      component: {key: http, version: LATEST, isPublic: true}
    orgOnly: false
configPages: []
flows:
  - name: Call API
    description: GET the protected resource with the connection
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Get Resource
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: value, value: "${apiUrl}"}
          connection: {type: configVar, value: Acme OAuth}
`;
}

async function configure(instanceId: string, values: Record<string, string>): Promise<void> {
  const answer = await server.api('PUT', `/api/instances/${instanceId}/config`, {
    body: { values: { 'Acme OAuth': values } },
  });
  expect(answer.status, answer.text).toBe(200);
}

async function connectionOf(instanceId: string) {
  const answer = await server.api('GET', `/api/instances/${instanceId}/connections`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items[0].connection;
}

async function run(instanceId: string) {
  return waitForExecution(server, await testRun(server, instanceId, 'Call API'), { timeoutMs: 30_000 });
}

/** The stored token, opened with the server's own keyring (what a flow would get). */
async function storedToken(instanceId: string): Promise<{ access_token: string; refresh_token: string }> {
  const [row] = await sqlQuery<{ id: string; token_secret: string }>(
    server,
    'select id, token_secret from connections where instance_id = $1',
    [instanceId],
  );
  return server.weft.keyring.open(row!.token_secret, tokenContext(row!.id));
}

beforeAll(async () => {
  server = await startTestServer();
  provider = await startOAuthProvider({
    clients: [
      { ...client, redirectUris: [`${server.url}/oauth2/callback`], scope: 'read' },
      { ...service, grantTypes: ['client_credentials'], scope: 'read' },
    ],
    accessTokenTtlSeconds: tokenTtlSeconds,
    rotateRefreshTokens: true,
  });
  api = await startProtectedApi(provider);
});

afterAll(async () => {
  await server?.stop();
  await api?.stop();
  await provider?.stop();
});

describe('OAuth 2.0 authorization code connection', () => {
  let instanceId: string;

  it('is authorized through the provider (PKCE), stored encrypted, and shown without secrets', async () => {
    instanceId = await instanceOf(server, yaml(api.url, 'oauth2'));
    await configure(instanceId, {
      authorizeUrl: provider.authorizeUrl,
      tokenUrl: provider.tokenUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scopes: 'read',
    });
    expect(await connectionOf(instanceId)).toMatchObject({
      status: 'pending_authorization',
      token: { present: false },
    });

    // Not authorized yet: the flow fails naming the connection.
    const early = await run(instanceId);
    expect(early.status).toBe('failed');
    expect(early.error.message).toContain("'Acme OAuth'");

    const started = await server.api(
      'POST',
      `/api/instances/${instanceId}/connections/Acme%20OAuth/authorize`,
      { body: {} },
    );
    expect(started.status, started.text).toBe(200);
    const authorizeUrl = new URL(started.body.authorizeUrl);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${server.url}/oauth2/callback`);

    const callback = await provider.approve(started.body.authorizeUrl);
    const answer = await fetch(callback);
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(provider.tokenRequests.authorization_code).toBe(1);

    // The state is single use.
    const again = await fetch(callback);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('OAUTH2_STATE_INVALID');

    const connection = await connectionOf(instanceId);
    expect(connection).toMatchObject({ status: 'connected', token: { present: true, scope: 'read' } });
    expect(connection.fields.clientSecret).toBe('********');
    expect(connection.fields.clientId).toBe(client.clientId);
    const [raw] = await sqlQuery<{ fields_secret: string; token_secret: string }>(
      server,
      'select fields_secret, token_secret from connections where instance_id = $1',
      [instanceId],
    );
    const token = await storedToken(instanceId);
    expect(raw!.fields_secret).not.toContain(client.clientSecret);
    expect(raw!.token_secret).not.toContain(token.access_token);
    expect(raw!.token_secret.startsWith('v1.')).toBe(true);
  });

  it('returns the browser only to Weft or an allowed origin, with the outcome, success or refusal', async () => {
    const path = `/api/instances/${instanceId}/connections/Acme%20OAuth/authorize`;
    // An authorize link must not become an open redirect to a site of an attacker's choosing.
    for (const returnTo of [
      'https://evil.example/steal',
      'javascript:alert(1)',
      `${server.url}.evil.example/`,
    ]) {
      const refused = await server.api('POST', path, { body: { returnTo } });
      expect(refused.status, returnTo).toBe(422);
      expect(refused.body.error.code).toBe('OAUTH2_RETURN_TO_NOT_ALLOWED');
    }
    const started = await server.api('POST', path, { body: { returnTo: `${server.url}/wizard?step=2` } });
    expect(started.status, started.text).toBe(200);
    const callback = await provider.approve(started.body.authorizeUrl);
    const back = await fetch(callback, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${server.url}/wizard`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ step: '2', status: 'connected' });

    // The provider refuses (the person clicked "deny"): the browser goes back with the refusal to show.
    const denied = await server.api('POST', path, { body: { returnTo: `${server.url}/wizard` } });
    const state = new URL(denied.body.authorizeUrl).searchParams.get('state') ?? '';
    const refusal = await fetch(
      `${server.url}/oauth2/callback?error=access_denied&error_description=${encodeURIComponent('User said no')}&state=${state}`,
      { redirect: 'manual' },
    );
    expect(refusal.status).toBe(302);
    const refusedAt = new URL(refusal.headers.get('location') ?? '');
    expect(refusedAt.searchParams.get('status')).toBe('error');
    expect(refusedAt.searchParams.get('message')).toContain('User said no');
    // The connection says why it is not authorized; authorizing again puts it right.
    expect(await connectionOf(instanceId)).toMatchObject({ status: 'error' });
    expect((await connectionOf(instanceId)).statusMessage).toContain('User said no');
    const again = await server.api('POST', path, { body: {} });
    expect((await fetch(await provider.approve(again.body.authorizeUrl))).status).toBe(200);
    expect(await connectionOf(instanceId)).toMatchObject({ status: 'connected' });
  });

  it("an instance's flow calls the protected API with the token", async () => {
    const hits = api.hits;
    const execution = await run(instanceId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect(api.hits).toBe(hits + 1);
    expect(execution.steps.getResource).toMatchObject({ ok: true, client_id: client.clientId });
  });

  it('renews the token before it expires, and stores the rotated refresh token', async () => {
    const before = await storedToken(instanceId);
    const refreshes = provider.tokenRequests.refresh_token;
    await sleep(tokenTtlSeconds * 1000 + 200);
    const execution = await run(instanceId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect(provider.tokenRequests.refresh_token).toBe(refreshes + 1);
    const after = await storedToken(instanceId);
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    // The old refresh token was rotated out: only the stored one works from now on.
    expect((await provider.introspect(after.access_token)).active).toBe(true);
  });

  it('renews once and runs the step again when the API answers 401', async () => {
    const refreshes = provider.tokenRequests.refresh_token;
    const unauthorized = api.unauthorized;
    api.distrust((await storedToken(instanceId)).access_token);
    const execution = await run(instanceId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect(api.unauthorized).toBe(unauthorized + 1);
    expect(provider.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect(execution.logs.map((line: { message: string }) => line.message).join('\n')).toContain('refreshed');
  });

  it('executions that need a renewal at the same moment, in two processes, renew exactly once', async () => {
    // A second worker process: the renewal is single-flight across processes (the connection's row lock).
    const second = new WorkerProcess(server.databaseUrl, { WEFT_WORKER_CONCURRENCY: '4' });
    try {
      await second.ready();
      await sleep(tokenTtlSeconds * 1000 + 200);
      const refreshes = provider.tokenRequests.refresh_token;
      const ids = await Promise.all(
        Array.from({ length: 12 }, () => testRun(server, instanceId, 'Call API')),
      );
      const executions = await Promise.all(
        ids.map((id) => waitForExecution(server, id, { timeoutMs: 30_000 })),
      );
      expect(executions.map((execution) => execution.status)).toEqual(Array(12).fill('succeeded'));
      expect(provider.tokenRequests.refresh_token).toBe(refreshes + 1);
      const [workers] = await sqlQuery<{ owners: number }>(
        server,
        'select count(distinct lease_owner)::int as owners from executions where id = any($1::uuid[])',
        [ids],
      );
      expect(workers!.owners).toBe(2);
    } finally {
      second.kill('SIGTERM');
      await second.exited;
    }
  });

  it('a revoked refresh token puts the connection in the error state and the flow fails naming it', async () => {
    await provider.revoke((await storedToken(instanceId)).refresh_token!, client);
    await sleep(tokenTtlSeconds * 1000 + 200);
    const execution = await run(instanceId);
    expect(execution.status).toBe('failed');
    expect(execution.error.code).toBe('CONNECTION_UNAVAILABLE');
    expect(execution.error.message).toContain("'Acme OAuth'");
    expect(execution.error.message).toContain('invalid_grant');
    const connection = await connectionOf(instanceId);
    expect(connection.status).toBe('error');
    expect(connection.statusMessage).toContain('authorize it again');

    // Authorizing again brings it back.
    const started = await server.api(
      'POST',
      `/api/instances/${instanceId}/connections/Acme%20OAuth/authorize`,
      { body: {} },
    );
    expect((await fetch(await provider.approve(started.body.authorizeUrl))).status).toBe(200);
    expect((await connectionOf(instanceId)).status).toBe('connected');
    expect((await run(instanceId)).status).toBe('succeeded');
  });
});

describe('OAuth 2.0 client credentials connection', () => {
  it('gets a token on first use and requests a new one once it expired', async () => {
    const instanceId = await instanceOf(server, yaml(api.url, 'oauth2ClientCredentials'), 'Service Customer');
    await configure(instanceId, {
      tokenUrl: provider.tokenUrl,
      clientId: service.clientId,
      clientSecret: service.clientSecret,
      scopes: 'read',
    });
    const requests = provider.tokenRequests.client_credentials;
    expect((await run(instanceId)).status).toBe('succeeded');
    expect((await run(instanceId)).status).toBe('succeeded');
    expect(provider.tokenRequests.client_credentials).toBe(requests + 1);
    await sleep(tokenTtlSeconds * 1000 + 200);
    const execution = await run(instanceId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect(provider.tokenRequests.client_credentials).toBe(requests + 2);

    const tested = await server.api('POST', `/api/instances/${instanceId}/connections/Acme%20OAuth/test`, {
      body: { url: api.url },
    });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ ok: true });
    expect(tested.text).not.toContain(service.clientSecret);
  });
});
