import { connectionAuthentication } from '@weft/components';
import { defaultEgress, egressRefusalIn } from '@weft/egress';
import type { ExtraComponents } from '../integrations/component-catalog.js';
import { type ConnectionDefinition, connectionFields } from './connection-definitions.js';
import type { ConnectionTestResult } from './connection-schemas.js';
import { type ConnectionRow, openFields, openToken } from './connection-store.js';
import { freshToken, type TokenDeps } from './connection-tokens.js';

/**
 * "Does this connection work?": its inputs are complete, an OAuth 2.0 connection can get a working token (renewed
 * if needed, which proves the refresh token and client credentials), and, when a URL is given, an authenticated GET
 * of it answers 2xx. Never throws for a failing connection: the answer says what failed. The GET goes through the
 * server's egress policy like any request made on a user's behalf: a refused address fails the check with the
 * guard's message, and nothing is sent.
 */
export async function testConnection(
  deps: TokenDeps,
  row: ConnectionRow,
  definition: ConnectionDefinition,
  options: { url?: string; generated?: ExtraComponents; label: string },
): Promise<ConnectionTestResult> {
  const checks: ConnectionTestResult['checks'] = [];
  const done = () => ({ ok: checks.every((check) => check.ok), checks, checkedAt: new Date().toISOString() });
  let fields: Record<string, unknown>;
  try {
    fields = await openFields(deps.keyring, row);
  } catch (error) {
    checks.push({ check: 'inputs', ok: false, message: (error as Error).message });
    return done();
  }
  const { problems } = connectionFields(definition, fields);
  checks.push({
    check: 'inputs',
    ok: problems.length === 0,
    message: problems.length === 0 ? 'every required input has a value' : problems.join('; '),
  });
  if (problems.length > 0) return done();

  let token: Record<string, unknown> | undefined;
  if (definition.oauth2Type) {
    try {
      const stored = await openToken(deps.keyring, row);
      token =
        definition.oauth2Type === 'client_credentials' || stored
          ? await freshToken(deps, { id: row.id, label: options.label }, definition, fields)
          : undefined;
      checks.push(
        token
          ? {
              check: 'token',
              ok: true,
              message: `a working access token${typeof token.expires_at === 'string' ? ` (expires ${token.expires_at})` : ''}`,
            }
          : { check: 'token', ok: false, message: 'not authorized yet: authorize it in a browser first' },
      );
    } catch (error) {
      checks.push({ check: 'token', ok: false, message: (error as Error).message });
    }
    if (!token) return done();
  }

  if (options.url) {
    try {
      const auth = connectionAuthentication({ key: definition.key, fields, ...(token ? { token } : {}) });
      const url = new URL(options.url);
      const query = (auth as { query?: Record<string, string> }).query ?? {};
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      const response = await (deps.egress ?? defaultEgress()).fetch(url, {
        headers: auth.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      await response.body?.cancel();
      checks.push({
        check: 'request',
        ok: response.ok,
        message: `GET ${url.origin}${url.pathname} answered ${response.status}`,
      });
    } catch (error) {
      // fetch says only "fetch failed": the reason is its cause (a refusal carries its own explanation).
      const refusal = egressRefusalIn(error);
      const cause = (error as Error).cause;
      const reason = refusal
        ? `${refusal.code}: ${refusal.message}`
        : cause instanceof Error
          ? cause.message
          : (error as Error).message;
      checks.push({
        check: 'request',
        ok: false,
        message: `GET ${options.url.split('?')[0]} failed: ${reason}`,
      });
    }
  }
  return done();
}
