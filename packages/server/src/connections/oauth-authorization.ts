import { createHash, randomBytes } from 'node:crypto';
import type { CatalogComponent, Integration } from '@weft/definition';
import type { Egress } from '@weft/egress';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { connectionComponents } from '../components/component-store.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { findConnectionDefinition, oauth2SettingsOf } from './connection-definitions.js';
import type { ConnectionAuthorization } from './connection-schemas.js';
import { markConnectionFailed, openFields, storeToken } from './connection-store.js';
import { authorizationRequest, exchangeAuthorizationCode, OAuth2Error } from './oauth2-client.js';

/**
 * The OAuth 2.0 authorization code flow. `startAuthorization` makes the provider URL for one connection, with a
 * state bound to that connection (stored only as its SHA-256: until used it is a bearer secret) and a PKCE
 * verifier (sealed). The provider sends the browser to `/oauth2/callback`, where `completeAuthorization` spends
 * the state (single use, 10 minutes), exchanges the code and stores the token sealed.
 */
export const authorizationLifetimeMs = 10 * 60_000;
export const callbackPath = '/oauth2/callback';

const verifierContext = (stateHash: Buffer) =>
  secretContext('oauth_authorizations', 'code_verifier_secret', stateHash.toString('hex'));

export interface AuthorizationDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
  /** The code exchange goes out under it (the server's egress policy). */
  egress?: Egress;
}

export async function startAuthorization(
  deps: AuthorizationDeps,
  request: {
    orgId: string;
    connectionId: string;
    redirectUri: string;
    returnTo?: string;
    generated?: unknown;
  },
): Promise<ConnectionAuthorization> {
  const row = await deps.db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', request.orgId)
    .where('id', '=', request.connectionId)
    .executeTakeFirst();
  if (!row) throw new WeftError('CONNECTION_NOT_FOUND', `No connection with id '${request.connectionId}'.`);
  const manifest = await componentManifestFor(deps.db, row.instance_id);
  const definition = findConnectionDefinition(row.component_key, row.connection_key, manifest);
  const settings = definition ? oauth2SettingsOf(definition, await openFields(deps.keyring, row)) : undefined;
  if (settings?.grantType !== 'authorization_code') {
    throw new WeftError(
      'CONNECTION_NOT_AUTHORIZABLE',
      `Connection ${row.component_key}/${row.connection_key} is not an OAuth 2.0 authorization code connection.`,
    );
  }
  const state = randomBytes(32).toString('base64url');
  const stateHash = createHash('sha256').update(state).digest();
  const { url, codeVerifier } = authorizationRequest(settings, { redirectUri: request.redirectUri, state });
  const expiresAt = new Date(Date.now() + authorizationLifetimeMs);
  await deps.db
    .insertInto('oauth_authorizations')
    .values({
      state_hash: stateHash,
      connection_id: row.id,
      org_id: request.orgId,
      code_verifier_secret: codeVerifier
        ? await deps.keyring.seal(codeVerifier, verifierContext(stateHash))
        : null,
      redirect_uri: request.redirectUri,
      return_to: request.returnTo ?? null,
      expires_at: expiresAt,
    })
    .execute();
  // Spent and expired states are of no use to anyone: clear them as new ones are made.
  await deps.db
    .deleteFrom('oauth_authorizations')
    .where('expires_at', '<', new Date(Date.now() - authorizationLifetimeMs))
    .execute();
  return { authorizeUrl: url, expiresAt: expiresAt.toISOString() };
}

export async function completeAuthorization(
  deps: AuthorizationDeps,
  query: { state?: string; code?: string; error?: string; error_description?: string },
): Promise<{ connectionId: string; returnTo: string | null }> {
  if (!query.state) throw stateInvalid('the callback has no state parameter');
  const stateHash = createHash('sha256').update(query.state).digest();
  // Spent first, in its own statement: a state is single use even when the exchange below fails.
  const pending = await deps.db
    .updateTable('oauth_authorizations')
    .set({ used_at: new Date() })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returningAll()
    .executeTakeFirst();
  if (!pending) throw stateInvalid('the state is unknown, already used, or expired');
  const row = await deps.db
    .selectFrom('connections')
    .selectAll()
    .where('id', '=', pending.connection_id)
    .executeTakeFirst();
  if (!row) throw stateInvalid('the connection it was for no longer exists');

  if (query.error) {
    const message = `the provider refused the authorization: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`;
    await markConnectionFailed(deps.db, row.id, message);
    throw new WeftError('OAUTH2_AUTHORIZATION_FAILED', `Authorization failed: ${message}.`, {
      providerError: query.error,
      connectionId: row.id,
      returnTo: pending.return_to,
    });
  }
  if (!query.code) throw stateInvalid('the callback has no code parameter');
  const manifest = await componentManifestFor(deps.db, row.instance_id);
  const definition = findConnectionDefinition(row.component_key, row.connection_key, manifest);
  const settings = definition ? oauth2SettingsOf(definition, await openFields(deps.keyring, row)) : undefined;
  if (!settings) throw stateInvalid('the connection is no longer an OAuth 2.0 connection');
  const codeVerifier = pending.code_verifier_secret
    ? await deps.keyring.open<string>(
        pending.code_verifier_secret,
        verifierContext(stateHash),
        'the PKCE verifier',
      )
    : undefined;
  try {
    const token = await exchangeAuthorizationCode(
      settings,
      {
        code: query.code,
        redirectUri: pending.redirect_uri,
        ...(codeVerifier ? { codeVerifier } : {}),
      },
      deps.egress ? { egress: deps.egress } : {},
    );
    await storeToken(deps.db, deps.keyring, row.id, token);
  } catch (error) {
    if (!(error instanceof OAuth2Error)) throw error;
    await markConnectionFailed(deps.db, row.id, `the authorization code exchange failed: ${error.message}`);
    throw new WeftError('OAUTH2_AUTHORIZATION_FAILED', `Authorization failed: ${error.message}.`, {
      providerError: error.code,
      connectionId: row.id,
      returnTo: pending.return_to,
    });
  }
  deps.log.info({ connectionId: row.id }, 'connection authorized');
  return { connectionId: row.id, returnTo: pending.return_to };
}

function stateInvalid(reason: string): WeftError {
  return new WeftError('OAUTH2_STATE_INVALID', `This authorization cannot be completed: ${reason}.`);
}

/** An instance connection may be defined by its code-native integration's own component, or a custom one. */
export async function componentManifestFor(db: Kysely<Database>, instanceId: string | null) {
  if (!instanceId) return null;
  const row = await db
    .selectFrom('instances as n')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .select(['n.org_id', 'v.definition', 'v.component_manifest'])
    .where('n.id', '=', instanceId)
    .executeTakeFirst();
  if (!row) return null;
  return connectionComponents(
    db,
    row.org_id,
    row.definition as Integration,
    (row.component_manifest as CatalogComponent | null) ?? null,
  );
}

/** Where a config wizard's popup lands after the callback when the wizard gave no returnTo of its own. */
export const landingPath = '/oauth2/complete';

/** The outcome of an authorization, as the landing page reports it to the window that opened the popup. */
export interface AuthorizationOutcome {
  connectionId: string | null;
  status: 'connected' | 'error';
  message: string | null;
}

/**
 * The page a popup lands on once the provider answered: it tells the window that opened it (the config wizard)
 * through `postMessage` — `{type: 'weft:connection-authorization', connectionId, status, message}`, sent only to
 * the given origins (Weft's own, and the allowed ones) — and says the window can be closed. `nonce` is the one
 * inline script's, which the page's Content-Security-Policy allows alone.
 */
export function authorizationLandingPage(
  outcome: AuthorizationOutcome,
  origins: string[],
  nonce: string,
): string {
  const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  // JSON inside a script element: `<` escaped so that no value can close the element.
  const data = JSON.stringify({ type: 'weft:connection-authorization', ...outcome }).replace(/</g, '\\u003c');
  const targets = JSON.stringify(origins).replace(/</g, '\\u003c');
  const title = outcome.status === 'connected' ? 'Connected' : 'Authorization failed';
  const sentence =
    outcome.status === 'connected'
      ? 'The connection is authorized. You can close this window.'
      : `The connection was not authorized${outcome.message ? `: ${outcome.message}` : ''}. You can close this window and try again.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title></head>
<body><p id="outcome" data-status="${html(outcome.status)}">${html(sentence)}</p>
<script nonce="${html(nonce)}">
(function () {
  var data = ${data};
  var origins = ${targets};
  if (!window.opener) return;
  for (var i = 0; i < origins.length; i++) {
    try { window.opener.postMessage(data, origins[i]); } catch (e) {}
  }
  // The page that opened this popup has its answer: a script-opened window may close itself.
  setTimeout(function () { window.close(); }, 300);
})();
</script></body></html>
`;
}

/**
 * Where the callback sends the browser back: `returnTo` with the outcome added (`connectionId`, `status`, and on
 * failure `message`). `details.returnTo` of an OAUTH2_AUTHORIZATION_FAILED error is the returnTo of the failed
 * authorization, so that the callback can send the browser back with the failure too.
 */
export function returnUrlFor(returnTo: string, outcome: AuthorizationOutcome): string {
  const target = new URL(returnTo);
  if (outcome.connectionId) target.searchParams.set('connectionId', outcome.connectionId);
  target.searchParams.set('status', outcome.status);
  if (outcome.message) target.searchParams.set('message', outcome.message);
  return target.toString();
}

/** What callers reach Weft at, and the other origins an authorization may return the browser to. */
export interface ReturnOrigins {
  /** WEFT_PUBLIC_URL, else the request's own origin. */
  baseUrl: string;
  /** Other origins a wizard may return to (the organization's app embedding the marketplace). */
  allowedOrigins: string[];
}

/** The origins a returnTo (and the landing page's postMessage) may target, Weft's own first. */
export function returnOrigins(origins: ReturnOrigins): string[] {
  const all = [origins.baseUrl, ...origins.allowedOrigins].flatMap((url) => {
    try {
      return [new URL(url).origin];
    } catch {
      return [];
    }
  });
  return [...new Set(all)];
}

/**
 * The checked returnTo of an authorization, or the landing page when none is given. A returnTo must be an http(s)
 * URL on Weft's public origin or an allowed one, so that an authorization link never sends a person to a site of
 * an attacker's choosing: OAUTH2_RETURN_TO_NOT_ALLOWED otherwise.
 */
export function returnToFor(given: string | undefined, origins: ReturnOrigins): string {
  if (given === undefined) return `${origins.baseUrl.replace(/\/+$/, '')}${landingPath}`;
  const allowed = returnOrigins(origins);
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    !allowed.includes(url.origin)
  ) {
    throw new WeftError(
      'OAUTH2_RETURN_TO_NOT_ALLOWED',
      `returnTo '${given.length > 200 ? `${given.slice(0, 200)}…` : given}' is not on an allowed origin (${allowed.join(', ')}): return to a page of Weft or of an allowed origin, or leave returnTo out to land on a page that tells the opening window.`,
      { field: 'returnTo', allowedOrigins: allowed },
    );
  }
  return url.toString();
}
