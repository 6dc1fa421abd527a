import type { Egress } from '@weft/egress';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { type ConnectionDefinition, oauth2SettingsOf } from './connection-definitions.js';
import { type ConnectionRow, markConnectionFailed, openToken, storeToken } from './connection-store.js';
import {
  OAuth2Error,
  refreshAccessToken,
  requestClientCredentialsToken,
  type TokenSet,
} from './oauth2-client.js';

/**
 * Keeping OAuth 2.0 tokens fresh. A token is renewed ahead of its expiry, and on demand when an API refused it
 * (once per step). Renewal is single-flight per connection across every process: the renewer holds the
 * connection's row lock while it talks to the provider, so a process that wanted the same renewal waits, then
 * finds the new token and uses it. A rotated refresh token is stored in the same transaction as the access token.
 * `invalid_grant` (revoked, expired refresh token) or repeated failures put the connection in the error state.
 */

/** Renew when less than this is left, or half the token's lifetime for short-lived tokens. */
const refreshAheadMs = 5 * 60_000;
/** Transient renewal failures in a row before the connection is marked as failing. */
const maxRefreshFailures = 3;

export interface TokenDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
  /** Token requests and connection tests go out under it (the server's egress policy). */
  egress?: Egress;
}

/** A connection that cannot give a working token; the execution fails with its message. */
export class ConnectionUnavailableError extends Error {
  readonly code = 'CONNECTION_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionUnavailableError';
  }
}

export function needsRenewal(
  row: Pick<ConnectionRow, 'token_expires_at' | 'refreshed_at'>,
  now = Date.now(),
): boolean {
  if (!row.token_expires_at) return false;
  const expires = row.token_expires_at.getTime();
  const lifetime = row.refreshed_at ? expires - row.refreshed_at.getTime() : refreshAheadMs * 2;
  const ahead = Math.min(refreshAheadMs, Math.max(lifetime / 2, 0));
  return expires - now <= ahead;
}

const inFlight = new Map<string, Promise<TokenSet>>();

function tokenRequestOptions(deps: TokenDeps): { egress?: Egress } {
  return deps.egress ? { egress: deps.egress } : {};
}

/**
 * A working token for an OAuth 2.0 connection: the stored one while it is fresh, else a renewed one. `rejected`
 * is the access token an API just refused: renew unless another process already replaced it.
 */
export function freshToken(
  deps: TokenDeps,
  connection: { id: string; label: string },
  definition: ConnectionDefinition,
  fields: Record<string, unknown>,
  options: { rejected?: string } = {},
): Promise<TokenSet> {
  const running = inFlight.get(connection.id);
  if (running) return running;
  const renewal = renew(deps, connection, definition, fields, options).finally(() =>
    inFlight.delete(connection.id),
  );
  inFlight.set(connection.id, renewal);
  return renewal;
}

async function renew(
  deps: TokenDeps,
  connection: { id: string; label: string },
  definition: ConnectionDefinition,
  fields: Record<string, unknown>,
  options: { rejected?: string },
): Promise<TokenSet> {
  const settings = oauth2SettingsOf(definition, fields);
  if (!settings)
    throw new ConnectionUnavailableError(`connection ${connection.label} is not an OAuth 2.0 connection`);
  let failure: Error | undefined;
  const token = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('connections')
      .select(['id', 'token_secret', 'token_expires_at', 'refreshed_at', 'status', 'refresh_failures'])
      .where('id', '=', connection.id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new ConnectionUnavailableError(`connection ${connection.label} no longer exists`);
    const current = await openToken(deps.keyring, row);
    // Someone renewed it while we waited for the lock (or it is still fresh): use theirs.
    const stillGood =
      current &&
      (options.rejected === undefined ? !needsRenewal(row) : current.access_token !== options.rejected);
    if (stillGood) return current;

    let next: TokenSet;
    try {
      if (settings.grantType === 'client_credentials') {
        next = await requestClientCredentialsToken(settings, tokenRequestOptions(deps));
      } else {
        const refreshToken = typeof current?.refresh_token === 'string' ? current.refresh_token : undefined;
        if (!refreshToken) {
          const message = `connection ${connection.label} has ${current ? 'an expired token and the provider gave no refresh token' : 'not been authorized yet'}: authorize it${current ? ' again' : ''}`;
          if (current) await markConnectionFailed(trx, connection.id, message);
          failure = new ConnectionUnavailableError(message);
          return undefined;
        }
        next = await refreshAccessToken(settings, refreshToken, tokenRequestOptions(deps));
      }
    } catch (error) {
      const permanent = error instanceof OAuth2Error && error.permanent;
      const failures = row.refresh_failures + 1;
      const reason = (error as Error).message;
      if (permanent || failures >= maxRefreshFailures) {
        const message = `connection ${connection.label} could not renew its token (${reason}); it is now in the error state: ${permanent ? 'authorize it again' : 'check the provider, then authorize it again'}`;
        await markConnectionFailed(trx, connection.id, message);
        await trx
          .updateTable('connections')
          .set({ refresh_failures: failures })
          .where('id', '=', connection.id)
          .execute();
        failure = new ConnectionUnavailableError(message);
      } else {
        await trx
          .updateTable('connections')
          .set({ refresh_failures: failures })
          .where('id', '=', connection.id)
          .execute();
        failure = new ConnectionUnavailableError(
          `connection ${connection.label} could not renew its token (${reason}); attempt ${failures} of ${maxRefreshFailures}`,
        );
      }
      deps.log.warn(
        { connectionId: connection.id, error: reason, permanent, failures },
        'connection token renewal failed',
      );
      return undefined;
    }
    await storeToken(trx, deps.keyring, connection.id, next);
    deps.log.info({ connectionId: connection.id, grant: settings.grantType }, 'connection token renewed');
    return next;
  });
  if (!token) throw failure ?? new ConnectionUnavailableError(`connection ${connection.label} has no token`);
  return token;
}
