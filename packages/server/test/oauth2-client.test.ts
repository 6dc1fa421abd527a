// The OAuth 2.0 client against a real authorization server (oidc-provider on loopback): the authorization code
// flow with PKCE, refresh token rotation and revocation, the client credentials grant, token expiry, and the
// failures a connection must tell apart (permanent or not) without leaking a secret into an error message.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Egress, egressPolicy } from '@weft/egress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  requestClientCredentialsToken as clientCredentialsToken,
  exchangeAuthorizationCode as exchangeCode,
  isExpired,
  OAuth2Error,
  type OAuth2Settings,
  refreshAccessToken as refresh,
  type TokenSet,
} from '../src/connections/oauth2-client.js';
import {
  type OAuthProvider,
  type ProtectedApi,
  startOAuthProvider,
  startProtectedApi,
} from './support/oauth-provider.js';

/**
 * The provider and the servers of these tests listen on 127.0.0.1, which the egress guard refuses by default: the
 * token requests below go out under a policy that opens 127.0.0.1 (as WEFT_EGRESS_ALLOW=127.0.0.1 would), except
 * in the guard's own test, which calls without it.
 */
const loopbackEgress = new Egress(egressPolicy('127.0.0.1'));
const exchangeAuthorizationCode: typeof exchangeCode = (settings, exchange, options = {}) =>
  exchangeCode(settings, exchange, { egress: loopbackEgress, ...options });
const refreshAccessToken: typeof refresh = (settings, refreshToken, options = {}) =>
  refresh(settings, refreshToken, { egress: loopbackEgress, ...options });
const requestClientCredentialsToken: typeof clientCredentialsToken = (settings, options = {}) =>
  clientCredentialsToken(settings, { egress: loopbackEgress, ...options });

const app = { clientId: 'weft-app', clientSecret: 'app-secret-4f9c2e7d1b' };
const machine = { clientId: 'weft-machine', clientSecret: 'machine-secret-8a3d6f0c5e' };
const basicMachine = { clientId: 'weft-basic-machine', clientSecret: 'basic/secret+with:odd=chars' };
const registeredRedirectUri = 'http://127.0.0.1:8080/oauth2/callback';
// Another port than the registered one: the test's callback server would pick any free port.
const redirectUri = 'http://127.0.0.1:41999/oauth2/callback';

let provider: OAuthProvider;
let api: ProtectedApi;

beforeAll(async () => {
  provider = await startOAuthProvider({
    clients: [
      { ...app, redirectUris: [registeredRedirectUri], scope: 'read write' },
      { ...machine, grantTypes: ['client_credentials'], scope: 'read' },
      { ...basicMachine, grantTypes: ['client_credentials'], scope: 'read', authentication: 'basic' },
    ],
  });
  api = await startProtectedApi(provider);
});

afterAll(async () => {
  await api?.stop();
  await provider?.stop();
  await loopbackEgress.close();
});

function codeSettings(overrides: Partial<OAuth2Settings> = {}): OAuth2Settings {
  return {
    grantType: 'authorization_code',
    authorizeUrl: provider.authorizeUrl,
    tokenUrl: provider.tokenUrl,
    ...app,
    scopes: 'read write',
    pkceMethod: 'S256',
    ...overrides,
  };
}

function machineSettings(overrides: Partial<OAuth2Settings> = {}): OAuth2Settings {
  return {
    grantType: 'client_credentials',
    tokenUrl: provider.tokenUrl,
    ...machine,
    scopes: 'read',
    ...overrides,
  };
}

/** The whole authorization code flow: the user approves, the callback's code is exchanged. */
async function connect(settings = codeSettings()): Promise<TokenSet> {
  const { url, codeVerifier } = authorizationRequest(settings, { redirectUri, state: 'state-1' });
  const callback = new URL(await provider.approve(url));
  return exchangeAuthorizationCode(settings, {
    code: callback.searchParams.get('code')!,
    redirectUri,
    ...(codeVerifier ? { codeVerifier } : {}),
  });
}

async function callApi(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(api.url, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function oauthError(promise: Promise<unknown>): Promise<OAuth2Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OAuth2Error);
  return error as OAuth2Error;
}

async function startServer(handler: http.RequestListener): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('authorization request', () => {
  it('keeps the authorize URL’s own parameters and adds a PKCE S256 challenge of a random verifier', () => {
    const settings = codeSettings({
      authorizeUrl: 'https://auth.example.com/oauth2/authorize?token_access_type=offline',
      extraAuthParams: { prompt: 'consent', client_id: 'not-this-one' },
    });
    const first = authorizationRequest(settings, { redirectUri, state: 'xyz' });
    const second = authorizationRequest(settings, { redirectUri, state: 'xyz' });
    const url = new URL(first.url);

    expect(url.origin + url.pathname).toBe('https://auth.example.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      token_access_type: 'offline',
      prompt: 'consent',
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: redirectUri,
      scope: 'read write',
      state: 'xyz',
      code_challenge: createHash('sha256').update(first.codeVerifier!).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(first.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });

  it('adds no PKCE parameters without a pkceMethod, and the verifier itself as a plain challenge', () => {
    const none = authorizationRequest(codeSettings({ pkceMethod: undefined }), { redirectUri, state: 's' });
    expect(none.codeVerifier).toBeUndefined();
    expect(new URL(none.url).searchParams.has('code_challenge')).toBe(false);

    const plain = authorizationRequest(codeSettings({ pkceMethod: 'plain' }), { redirectUri, state: 's' });
    expect(new URL(plain.url).searchParams.get('code_challenge')).toBe(plain.codeVerifier);
    expect(new URL(plain.url).searchParams.get('code_challenge_method')).toBe('plain');
  });

  it('refuses settings without an authorize URL', () => {
    expect(() =>
      authorizationRequest(codeSettings({ authorizeUrl: undefined }), { redirectUri, state: 's' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_settings', permanent: true }));
  });
});

describe('authorization code grant', () => {
  it('exchanges the approved code for tokens the resource server accepts', async () => {
    const settings = codeSettings();
    const { url, codeVerifier } = authorizationRequest(settings, { redirectUri, state: 'state-42' });
    const callback = new URL(await provider.approve(url, 'alice'));

    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe('state-42');
    const before = provider.tokenRequests.authorization_code;
    const startedAt = Date.now();
    const tokens = await exchangeAuthorizationCode(settings, {
      code: callback.searchParams.get('code')!,
      redirectUri,
      codeVerifier: codeVerifier!,
    });

    expect(provider.tokenRequests.authorization_code).toBe(before + 1);
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'read write', expires_in: 3600 });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(Date.parse(tokens.expires_at!) - startedAt).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(isExpired(tokens, 60_000)).toBe(false);
    expect(await provider.introspect(tokens.access_token)).toMatchObject({
      active: true,
      client_id: app.clientId,
      scope: 'read write',
      sub: 'alice',
    });
    expect(await callApi(tokens.access_token)).toEqual({
      status: 200,
      body: { ok: true, client_id: app.clientId, scope: 'read write' },
    });
    expect(api.lastAuthorization).toBe(`Bearer ${tokens.access_token}`);
  });

  it('is refused with invalid_grant when the code verifier does not match the challenge', async () => {
    const settings = codeSettings();
    const { url } = authorizationRequest(settings, { redirectUri, state: 's' });
    const code = new URL(await provider.approve(url)).searchParams.get('code')!;
    const otherVerifier = authorizationRequest(settings, { redirectUri, state: 's' }).codeVerifier!;
    const before = provider.tokenRequests.authorization_code;

    const error = await oauthError(
      exchangeAuthorizationCode(settings, { code, redirectUri, codeVerifier: otherVerifier }),
    );

    expect(error).toMatchObject({ code: 'invalid_grant', status: 400, permanent: true });
    expect(error.message).not.toContain(code);
    expect(error.message).not.toContain(otherVerifier);
    expect(provider.tokenRequests.authorization_code).toBe(before + 1);
  });

  it('is refused with invalid_grant when a code was issued for a PKCE challenge and no verifier is sent', async () => {
    const settings = codeSettings();
    const { url } = authorizationRequest(settings, { redirectUri, state: 's' });
    const code = new URL(await provider.approve(url)).searchParams.get('code')!;

    const error = await oauthError(exchangeAuthorizationCode(settings, { code, redirectUri }));

    expect(error).toMatchObject({ code: 'invalid_grant', permanent: true });
  });
});

describe('refresh token grant', () => {
  it('answers a new access token and a new refresh token, and the used refresh token stops working', async () => {
    const first = await connect();
    const before = provider.tokenRequests.refresh_token;

    const second = await refreshAccessToken(codeSettings(), first.refresh_token!);

    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await callApi(second.access_token)).status).toBe(200);

    const reuse = await oauthError(refreshAccessToken(codeSettings(), first.refresh_token!));
    expect(reuse).toMatchObject({ code: 'invalid_grant', status: 400, permanent: true });
    expect(reuse.message).not.toContain(first.refresh_token!);
    expect(provider.tokenRequests.refresh_token).toBe(before + 2);
  });

  it('keeps the refresh token it used when the provider does not rotate', async () => {
    const steady = await startOAuthProvider({
      clients: [{ ...app, redirectUris: [registeredRedirectUri], scope: 'read' }],
      rotateRefreshTokens: false,
    });
    try {
      const settings = codeSettings({
        authorizeUrl: steady.authorizeUrl,
        tokenUrl: steady.tokenUrl,
        scopes: 'read',
      });
      const { url, codeVerifier } = authorizationRequest(settings, { redirectUri, state: 's' });
      const code = new URL(await steady.approve(url)).searchParams.get('code')!;
      const first = await exchangeAuthorizationCode(settings, {
        code,
        redirectUri,
        codeVerifier: codeVerifier!,
      });

      const second = await refreshAccessToken(settings, first.refresh_token!);
      const third = await refreshAccessToken(settings, second.refresh_token!);

      expect(second.refresh_token).toBe(first.refresh_token);
      expect(third.access_token).not.toBe(second.access_token);
    } finally {
      await steady.stop();
    }
  });

  it('uses refreshUrl instead of tokenUrl when it is set', async () => {
    const tokens = await connect();
    const settings = codeSettings({ tokenUrl: 'http://127.0.0.1:9/unused', refreshUrl: provider.tokenUrl });

    const refreshed = await refreshAccessToken(settings, tokens.refresh_token!);

    expect((await callApi(refreshed.access_token)).status).toBe(200);
  });

  it('fails with a permanent invalid_grant once the refresh token is revoked', async () => {
    const tokens = await connect();
    await provider.revoke(tokens.refresh_token!, app);

    const error = await oauthError(refreshAccessToken(codeSettings(), tokens.refresh_token!));

    expect(error).toMatchObject({ code: 'invalid_grant', status: 400, permanent: true });
  });
});

describe('client credentials grant', () => {
  it('gets a token for the client itself that the resource server accepts', async () => {
    const before = provider.tokenRequests.client_credentials;

    const tokens = await requestClientCredentialsToken(machineSettings());

    expect(provider.tokenRequests.client_credentials).toBe(before + 1);
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'read', expires_in: 3600 });
    expect(tokens.refresh_token).toBeUndefined();
    expect(await callApi(tokens.access_token)).toEqual({
      status: 200,
      body: { ok: true, client_id: machine.clientId, scope: 'read' },
    });
  });

  it('authenticates with HTTP Basic when asked, form-encoding the credentials', async () => {
    const tokens = await requestClientCredentialsToken(
      machineSettings({ ...basicMachine, clientAuthentication: 'basic' }),
    );

    expect((await callApi(tokens.access_token)).body).toMatchObject({ client_id: basicMachine.clientId });
  });

  it('fails with a permanent invalid_client and no secret in the message when the secret is wrong', async () => {
    const wrongSecret = 'wrong-secret-31d9aa7c';
    const tokenUrl = `${provider.tokenUrl}?tenant=acme`;

    const error = await oauthError(
      requestClientCredentialsToken(machineSettings({ clientSecret: wrongSecret, tokenUrl })),
    );

    expect(error).toMatchObject({ code: 'invalid_client', status: 401, permanent: true });
    expect(error.message).toContain(`${provider.tokenUrl} `);
    expect(error.message).toContain('invalid_client');
    expect(error.message).not.toContain(wrongSecret);
    expect(error.message).not.toContain('tenant=acme');
  });
});

describe('token expiry', () => {
  it('makes the resource server answer 401 once a short-lived access token expires', async () => {
    const shortLived = await startOAuthProvider({
      clients: [{ ...machine, grantTypes: ['client_credentials'], scope: 'read' }],
      accessTokenTtlSeconds: 2,
    });
    const shortLivedApi = await startProtectedApi(shortLived);
    try {
      const tokens = await requestClientCredentialsToken(machineSettings({ tokenUrl: shortLived.tokenUrl }));
      const call = (token: string) =>
        fetch(shortLivedApi.url, { headers: { authorization: `Bearer ${token}` } }).then(
          (response) => response.status,
        );

      expect(tokens.expires_in).toBe(2);
      expect(isExpired(tokens, 0)).toBe(false);
      expect(isExpired(tokens, 5_000)).toBe(true);
      expect(await call(tokens.access_token)).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 3_100));

      expect(isExpired(tokens, 0)).toBe(true);
      expect(await call(tokens.access_token)).toBe(401);
      expect(shortLivedApi.unauthorized).toBe(1);
      const renewed = await requestClientCredentialsToken(machineSettings({ tokenUrl: shortLived.tokenUrl }));
      expect(await call(renewed.access_token)).toBe(200);
    } finally {
      await shortLivedApi.stop();
      await shortLived.stop();
    }
  });

  it('treats a token without a known expiry as not expired', () => {
    expect(isExpired({ access_token: 'a' }, 60_000)).toBe(false);
    const expiresAt = '2030-01-01T00:00:00.000Z';
    const now = Date.parse(expiresAt);
    expect(isExpired({ access_token: 'a', expires_at: expiresAt }, 0, now - 1)).toBe(false);
    expect(isExpired({ access_token: 'a', expires_at: expiresAt }, 10, now - 1)).toBe(true);
  });
});

describe('providers that bend the spec', () => {
  let stub: { url: string; stop(): Promise<void> };
  let answer: { status: number; contentType: string; body: string };
  let lastRequest: { headers: http.IncomingHttpHeaders; form: URLSearchParams } | undefined;

  beforeAll(async () => {
    stub = await startServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        lastRequest = { headers: request.headers, form: new URLSearchParams(body) };
        response.writeHead(answer.status, { 'content-type': answer.contentType });
        response.end(answer.body);
      });
    });
  });
  afterAll(() => stub?.stop());

  const settings = () =>
    machineSettings({ tokenUrl: `${stub.url}/token`, extraTokenParams: { audience: 'api' } });
  const json = (status: number, body: unknown) => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });

  it('accepts form-encoded answers, any token_type case and no expires_in, keeping every field', async () => {
    answer = {
      status: 200,
      contentType: 'application/x-www-form-urlencoded',
      body: 'access_token=gho_abc&token_type=bearer&scope=repo&team_id=T1',
    };

    const tokens = await requestClientCredentialsToken(settings());

    expect(tokens).toEqual({ access_token: 'gho_abc', token_type: 'bearer', scope: 'repo', team_id: 'T1' });
    expect(isExpired(tokens, 60_000)).toBe(false);
    expect(Object.fromEntries(lastRequest!.form)).toEqual({
      audience: 'api',
      grant_type: 'client_credentials',
      scope: 'read',
      client_id: machine.clientId,
      client_secret: machine.clientSecret,
    });
  });

  it('reads expires_in sent as a string', async () => {
    answer = json(200, { access_token: 'a', expires_in: '120' });

    const tokens = await requestClientCredentialsToken(settings());

    expect(tokens.expires_in).toBe(120);
    expect(isExpired(tokens, 119_000)).toBe(false);
    expect(isExpired(tokens, 121_000)).toBe(true);
  });

  it('stores a lifetime too long for a date (expires_in 1e12) as ten years, a date the API can show', async () => {
    answer = json(200, { access_token: 'a', expires_in: 1e12 });

    const tokens = await requestClientCredentialsToken(settings());

    expect(tokens.expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const years = (Date.parse(tokens.expires_at as string) - Date.now()) / (365 * 24 * 3600 * 1000);
    expect(Math.round(years)).toBe(10);
  });

  it('treats an HTTP 200 error answer (Slack, GitHub) as an error', async () => {
    answer = json(200, { ok: false, error: 'invalid_refresh_token' });
    const slack = await oauthError(refreshAccessToken(settings(), 'xoxe-1-refresh'));
    expect(slack).toMatchObject({ code: 'invalid_refresh_token', status: 200, permanent: true });

    answer = json(200, { ok: false });
    expect(await oauthError(requestClientCredentialsToken(settings()))).toMatchObject({
      code: 'invalid_response',
    });
  });

  it('reads an HTTP 401 without an OAuth error as invalid_client', async () => {
    answer = { status: 401, contentType: 'text/plain', body: '' };

    expect(await oauthError(requestClientCredentialsToken(settings()))).toMatchObject({
      code: 'invalid_client',
      status: 401,
      permanent: true,
    });
  });

  it('redacts secrets and tokens a provider echoes in its error description', async () => {
    const refreshToken = 'refresh-token-9c1e55ab';
    answer = json(400, {
      error: 'invalid_request',
      error_description: `bad refresh_token ${refreshToken} for secret ${machine.clientSecret}`,
    });

    const error = await oauthError(refreshAccessToken(settings(), refreshToken));

    expect(error).toMatchObject({ code: 'invalid_request', status: 400, permanent: false });
    for (const text of [error.message, error.description!]) {
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(refreshToken);
      expect(text).not.toContain(machine.clientSecret);
    }
  });

  it('fails with invalid_response on a success without an access token or a non-OAuth error page', async () => {
    answer = json(200, { token_type: 'Bearer' });
    expect(await oauthError(requestClientCredentialsToken(settings()))).toMatchObject({
      code: 'invalid_response',
      status: 200,
      permanent: false,
    });

    answer = { status: 502, contentType: 'text/html', body: '<html>Bad gateway</html>' };
    expect(await oauthError(requestClientCredentialsToken(settings()))).toMatchObject({
      code: 'invalid_response',
      status: 502,
      permanent: false,
    });
  });
});

describe('network failures', () => {
  it('times out with code timeout when the token URL never answers', async () => {
    const silent = await startServer(() => {});
    try {
      const startedAt = Date.now();
      const error = await oauthError(
        requestClientCredentialsToken(machineSettings({ tokenUrl: `${silent.url}/token` }), {
          timeoutMs: 300,
        }),
      );

      expect(error).toMatchObject({ code: 'timeout', permanent: false });
      expect(error.message).toContain(`${silent.url}/token`);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    } finally {
      await silent.stop();
    }
  });

  it('stops with code aborted when the caller aborts', async () => {
    const silent = await startServer(() => {});
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await oauthError(
        requestClientCredentialsToken(machineSettings({ tokenUrl: `${silent.url}/token` }), {
          signal: controller.signal,
        }),
      );

      expect(error).toMatchObject({ code: 'aborted', permanent: false });
    } finally {
      await silent.stop();
    }
  });

  it('fails with network_error when nothing listens at the token URL', async () => {
    const closed = await startServer(() => {});
    await closed.stop();

    const error = await oauthError(
      requestClientCredentialsToken(machineSettings({ tokenUrl: `${closed.url}/token` })),
    );

    expect(error).toMatchObject({ code: 'network_error', permanent: false });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(machine.clientSecret);
  });

  it('refuses a token URL on a refused address (the egress guard) and sends nothing there', async () => {
    let requests = 0;
    const local = await startServer((_request, response) => {
      requests += 1;
      response.end('{}');
    });
    try {
      // No egress given: the guarded default, which refuses loopback.
      for (const tokenUrl of [
        `${local.url}/token`,
        `${local.url.replace('127.0.0.1', 'localhost')}/token`,
        'http://169.254.169.254/latest/api/token',
      ]) {
        const error = await oauthError(clientCredentialsToken(machineSettings({ tokenUrl })));
        expect(error).toMatchObject({ code: 'EGRESS_ADDRESS_REFUSED' });
        expect(error.message).toMatch(
          /^Token request to http:\/\/[^ ]+ was not sent: Refused to connect to /,
        );
        expect(error.message).toContain('WEFT_EGRESS_ALLOW');
        expect(error.message).not.toContain(machine.clientSecret);
      }
      expect(requests).toBe(0);
    } finally {
      await local.stop();
    }
  });
});
