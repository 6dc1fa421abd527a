import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration } from 'oidc-provider';

/**
 * A real OpenID provider for single sign-on tests: panva's oidc-provider on loopback, with accounts whose email,
 * email_verified and name claims the test chooses, and its development sign-in and consent pages, which `Browser`
 * fills in over plain HTTP the way a person's browser would.
 */

export interface IdentityAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface IdentityProvider {
  /** http://127.0.0.1:<port> */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by subject (the login name typed on the sign-in page); change them at will. */
  accounts: Map<string, IdentityAccount>;
  stop(): Promise<void>;
}

silenceProviderNotices();
// Imported after the console filter: the module warns on import that Node 20 is not a runtime it supports.
const { default: Provider } = await import('oidc-provider');

export async function startIdentityProvider(options: { redirectUri: string }): Promise<IdentityProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'weft-console';
  const clientSecret = randomBytes(24).toString('base64url');
  const accounts = new Map<string, IdentityAccount>();
  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [options.redirectUri],
        // Loopback http redirect URIs are for native clients (RFC 8252).
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: false } },
    // Weft always sends a PKCE challenge; require it so a missing one would fail the test.
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientBasedCORS: () => false,
    findAccount: async (_ctx, sub) => {
      if (!accounts.has(sub)) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, ...accounts.get(sub) }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser's cookies and redirects, enough for a sign-in: cookies by name (the provider's and Weft's do not share
 * names; both run on 127.0.0.1, where cookies ignore the port), sent where their path matches.
 */
export class Browser {
  readonly cookies = new Map<string, StoredCookie>();

  cookieHeader(url: URL): string {
    return [...this.cookies]
      .filter(([, cookie]) => url.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  keep(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const attribute = (key: string) =>
        attributes
          .map((a) => a.trim())
          .find((a) => a.toLowerCase().startsWith(`${key}=`))
          ?.slice(key.length + 1);
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      const expired =
        value === '' ||
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) < Date.now());
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attribute('path') ?? '/' });
    }
  }

  async request(url: string, init: { method?: string; form?: URLSearchParams } = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = this.cookieHeader(target);
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: init.form } : {}),
    });
    this.keep(response);
    return response;
  }

  /**
   * Follows `startUrl` through the provider's sign-in (as `account`) and consent pages, back to Weft's callback and
   * on, until an answer that is not a redirect, or a redirect out of the provider and out of Weft's OIDC routes
   * (where the sign-in sends the browser afterwards). Answers that last response and where it was.
   */
  async signIn(
    startUrl: string,
    issuer: string,
    account: string,
  ): Promise<{ response: Response; url: string; location?: string }> {
    let request: { url: string; form?: URLSearchParams } = { url: startUrl };
    for (let step = 0; step < 25; step += 1) {
      const response = await this.request(request.url, request.form ? { form: request.form } : {});
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, request.url);
        if (next.origin !== issuer && !next.pathname.startsWith('/api/auth/oidc/')) {
          return { response, url: request.url, location: next.href };
        }
        request = { url: next.href };
        continue;
      }
      if (new URL(request.url).origin !== issuer) return { response, url: request.url };
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
    throw new Error('The sign-in never came back from the provider.');
  }
}

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
