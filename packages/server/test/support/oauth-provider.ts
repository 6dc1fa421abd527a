import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OAuth 2.0 authorization server for tests: panva's oidc-provider on loopback, with its development
 * login and consent pages, which `approve()` fills in over plain HTTP the way a person's browser would.
 */

type TokenGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

export interface OAuthProviderClient {
  clientId: string;
  clientSecret: string;
  /** Loopback http URIs match on any port (RFC 8252 section 7.3): tests pick theirs at run time. */
  redirectUris?: string[];
  /** Default: authorization_code and refresh_token. */
  grantTypes?: TokenGrantType[];
  /** Space-delimited scopes the client may ask for. */
  scope?: string;
  /** How the client authenticates at the token, revocation and introspection endpoints. Default: body. */
  authentication?: 'body' | 'basic';
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface IntrospectionResult {
  active: boolean;
  client_id?: string;
  scope?: string;
  [claim: string]: unknown;
}

export interface OAuthProvider {
  /** http://127.0.0.1:<port> */
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  introspectUrl: string;
  /** Token-endpoint requests per grant type, failed ones included. */
  tokenRequests: Record<TokenGrantType, number>;
  /**
   * Plays the resource owner: follows the authorize URL, signs in as `account`, consents, and answers the URL
   * the provider sends the browser back to (redirect_uri?code=...&state=..., or ?error=... when it refuses the
   * request) without fetching it.
   */
  approve(authorizeUrl: string, account?: string): Promise<string>;
  /** Revokes a token at the revocation endpoint, as the client it was issued to. */
  revoke(token: string, client: ClientCredentials): Promise<void>;
  /** Introspects a token, as the given client or else as the provider's own resource-server client. */
  introspect(token: string, client?: ClientCredentials): Promise<IntrospectionResult>;
  stop(): Promise<void>;
}

export interface OAuthProviderOptions {
  clients: OAuthProviderClient[];
  /** Keep it short (2-5 s) in tests that need tokens to expire. Default 1 hour. */
  accessTokenTtlSeconds?: number;
  /** Default true: every refresh answers a new refresh token and the one used stops working. */
  rotateRefreshTokens?: boolean;
}

silenceProviderNotices();
// Imported after the console filter: the module warns on import that Node 20 is not a runtime it supports. It
// runs fine on Node 20.12 and later (node:crypto's hash() is the newest API it needs).
const { default: Provider } = await import('oidc-provider');

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startOAuthProvider(options: OAuthProviderOptions): Promise<OAuthProvider> {
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 3600;
  const rotateRefreshTokens = options.rotateRefreshTokens ?? true;
  const resourceServer: ClientCredentials = {
    clientId: 'test-resource-server',
    clientSecret: randomBytes(24).toString('base64url'),
  };
  const authentication = new Map<string, 'body' | 'basic'>([[resourceServer.clientId, 'body']]);
  for (const client of options.clients) authentication.set(client.clientId, client.authentication ?? 'body');

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clientScopes = options.clients.flatMap((client) => client.scope?.split(' ').filter(Boolean) ?? []);
  const configuration: Configuration = {
    clients: [
      ...options.clients.map(clientMetadata),
      {
        client_id: resourceServer.clientId,
        client_secret: resourceServer.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // Without a resource indicator oidc-provider grants only the scopes listed here; the clients' plain OAuth 2.0
    // scopes join them so that they end up on the access token.
    scopes: [...new Set(['openid', 'offline_access', ...clientScopes])],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, caller) => caller.clientAuthMethod !== 'none',
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, caller, token) => token.clientId === caller.clientId,
      },
      rpInitiatedLogout: { enabled: false },
    },
    // The default requires PKCE only for public clients; a code issued with a challenge is always checked
    // against its verifier, whoever the client is.
    pkce: { required: () => false },
    // The default issues refresh tokens only for the offline_access scope, which OpenID Connect drops unless
    // the request also says prompt=consent; connections are plain OAuth 2.0 and expect one whenever the client
    // may use the refresh_token grant.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    // The default rotates only for public clients.
    rotateRefreshToken: () => rotateRefreshTokens,
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Session: 3600,
      Interaction: 600,
      IdToken: 3600,
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientBasedCORS: () => false,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  };
  const provider = new Provider(issuer, configuration);

  const tokenRequests: Record<TokenGrantType, number> = {
    authorization_code: 0,
    refresh_token: 0,
    client_credentials: 0,
  };
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    try {
      await next();
    } finally {
      if (ctx.oidc?.route === 'token') {
        const grantType = ctx.oidc.params?.grant_type;
        if (typeof grantType === 'string' && grantType in tokenRequests) {
          tokenRequests[grantType as TokenGrantType] += 1;
        }
      }
    }
  });
  server.on('request', provider.callback());

  const endpoint = (path: string) => `${issuer}${path}`;
  const revokeUrl = endpoint('/token/revocation');
  const introspectUrl = endpoint('/token/introspection');

  async function clientPost(url: string, form: Record<string, string>, client: ClientCredentials) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams(form);
    if (authentication.get(client.clientId) === 'basic') {
      const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    } else {
      body.set('client_id', client.clientId);
      body.set('client_secret', client.clientSecret);
    }
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  return {
    issuer,
    authorizeUrl: endpoint('/auth'),
    tokenUrl: endpoint('/token'),
    revokeUrl,
    introspectUrl,
    tokenRequests,
    approve: (authorizeUrl, account = 'resource-owner') => approve(issuer, authorizeUrl, account),
    async revoke(token, client) {
      await clientPost(revokeUrl, { token, token_type_hint: 'refresh_token' }, client);
    },
    async introspect(token, client = resourceServer) {
      return (await clientPost(introspectUrl, { token }, client)) as IntrospectionResult;
    },
    stop: () => stopServer(server),
  };
}

function clientMetadata(client: OAuthProviderClient): ClientMetadata {
  const grantTypes = client.grantTypes ?? ['authorization_code', 'refresh_token'];
  const redirectUris = client.redirectUris ?? [];
  const usesCodeFlow = grantTypes.includes('authorization_code');
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: grantTypes,
    response_types: usesCodeFlow ? ['code'] : [],
    redirect_uris: redirectUris,
    // Web clients must register the exact redirect URI, port included. Native clients may use http only on
    // loopback, and there the port is ignored when matching, which is what a test server on port 0 needs.
    application_type: redirectUris.length > 0 && redirectUris.every(isLoopbackHttp) ? 'native' : 'web',
    token_endpoint_auth_method:
      client.authentication === 'basic' ? 'client_secret_basic' : 'client_secret_post',
    ...(client.scope ? { scope: client.scope } : {}),
  };
}

function isLoopbackHttp(uri: string): boolean {
  const url = URL.parse(uri);
  return url?.protocol === 'http:' && loopbackHosts.has(url.hostname);
}

/**
 * Walks the authorize URL's redirects and the development interaction pages (sign-in, then consent) with a
 * cookie jar, until the provider redirects somewhere outside itself: the client's redirect URI.
 */
async function approve(issuer: string, authorizeUrl: string, account: string): Promise<string> {
  const cookies = new Map<string, string>();
  let request: { url: string; form?: URLSearchParams } = { url: authorizeUrl };
  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies.size > 0
          ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') }
          : {}),
        ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(request.form ? { body: request.form } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) keepCookie(cookies, cookie);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status <= 399 && location) {
      await response.body?.cancel();
      const next = new URL(location, request.url);
      if (next.origin !== issuer) return next.href;
      request = { url: next.href };
      continue;
    }

    const page = await response.text();
    const action = /<form[^>]*\saction="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt"\s+value="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action || !prompt) {
      throw new Error(
        `The provider answered HTTP ${response.status} with no sign-in or consent form:\n${page}`,
      );
    }
    const form =
      prompt === 'login'
        ? new URLSearchParams({ prompt, login: account, password: 'any password' })
        : new URLSearchParams({ prompt });
    request = { url: new URL(action, request.url).href, form };
  }
  throw new Error('The provider never redirected back to the client.');
}

function keepCookie(cookies: Map<string, string>, setCookie: string): void {
  const [pair = '', ...attributes] = setCookie.split(';');
  const separator = pair.indexOf('=');
  const name = pair.slice(0, separator).trim();
  const value = pair.slice(separator + 1).trim();
  const expired = attributes.some((attribute) => {
    const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim().toLowerCase());
    return (
      (key === 'max-age' && Number(setting) <= 0) || (key === 'expires' && Date.parse(setting) < Date.now())
    );
  });
  if (expired || value === '') cookies.delete(name);
  else cookies.set(name, value);
}

export interface ProtectedApi {
  url: string;
  /** Requests answered, authorized or not. */
  hits: number;
  unauthorized: number;
  lastAuthorization?: string;
  /**
   * Refuses every request with this access token with 401, active or not: an API that stopped honouring a token
   * before its expiry (revoked on its side, rotated keys), which the caller only learns from the 401.
   */
  distrust(token: string): void;
  stop(): Promise<void>;
}

/**
 * A resource server that accepts `Authorization: Bearer <token>` when introspection at the provider says the
 * token is active, as `resourceServer` (a client registered on the provider) or else as the provider's own.
 */
export async function startProtectedApi(
  provider: OAuthProvider,
  resourceServer?: ClientCredentials,
): Promise<ProtectedApi> {
  const server = http.createServer();
  const distrusted = new Set<string>();
  const api: ProtectedApi = {
    url: '',
    hits: 0,
    unauthorized: 0,
    distrust: (token) => distrusted.add(token),
    stop: () => stopServer(server),
  };
  server.on('request', (request, response) => {
    void (async () => {
      api.hits += 1;
      const authorization = request.headers.authorization;
      if (authorization !== undefined) api.lastAuthorization = authorization;
      const token = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      const introspection =
        token && !distrusted.has(token)
          ? await provider.introspect(token, resourceServer)
          : { active: false };
      if (!introspection.active) {
        api.unauthorized += 1;
        respondJson(
          response,
          401,
          { error: 'invalid_token' },
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
        return;
      }
      respondJson(response, 200, {
        ok: true,
        client_id: introspection.client_id,
        scope: introspection.scope,
      });
    })().catch((error: unknown) => respondJson(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return api;
}

function respondJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/**
 * oidc-provider prints a notice for each development default in use (in-memory storage, generated keys, dev
 * interactions) and for its runtime check; all of them are expected here and would bury the test output.
 */
function silenceProviderNotices(): void {
  const isProviderNotice = (args: unknown[]) =>
    typeof args[0] === 'string' && /oidc-provider (NOTICE|WARNING): /.test(args[0]);
  for (const level of ['info', 'warn'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      if (!isProviderNotice(args)) original.apply(console, args);
    };
  }
}
