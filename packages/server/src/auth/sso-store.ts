import type { Kysely, Selectable } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database, OrganizationSsoTable } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import type { SsoSettings, SsoSettingsPut } from './sso-schemas.js';

/** The SQL behind an organization's single sign-on settings. The client secret is sealed with the keyring. */

export type SsoRow = Selectable<OrganizationSsoTable>;

const secretOf = (orgId: string) => secretContext('organization_sso', 'client_secret_sealed', orgId);
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The routes people are sent to and come back on, given the URL callers reach this server at. */
export function oidcUrls(baseUrl: string, orgId: string): { redirectUri: string; signInUrl: string } {
  return {
    redirectUri: `${baseUrl}/api/auth/oidc/callback`,
    signInUrl: `${baseUrl}/api/auth/oidc/start?organization=${orgId}`,
  };
}

export function toSsoSettings(row: SsoRow, baseUrl: string): SsoSettings {
  return {
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretSet: row.client_secret_sealed !== null,
    defaultRole: row.default_role as SsoSettings['defaultRole'],
    allowedDomains: row.allowed_domains,
    enabled: row.enabled,
    ...oidcUrls(baseUrl, row.org_id),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * An issuer Weft will talk to: https, or http on this machine only (a development provider). No query or fragment:
 * an issuer identifier has none (OpenID Connect Discovery, section 3).
 */
function checkedIssuer(issuer: string): string {
  const trimmed = issuer.trim();
  const url = URL.parse(trimmed);
  const ok =
    url !== null &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname)));
  if (!ok) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      `The issuer '${trimmed.slice(0, 200)}' is not an https URL without query or fragment (http is allowed only for localhost).`,
      { field: 'issuer' },
    );
  }
  return trimmed;
}

export async function getSsoRow(db: Kysely<Database>, orgId: string): Promise<SsoRow | undefined> {
  if (!isUuid(orgId)) return undefined;
  return db.selectFrom('organization_sso').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export function ssoNotConfigured(orgId: string): WeftError {
  return new WeftError(
    'SSO_NOT_CONFIGURED',
    `Organization '${orgId}' has no single sign-on set up, or it is disabled.`,
  );
}

/** Creates or replaces the settings; a client secret left out keeps the stored one. */
export async function putSsoSettings(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  input: SsoSettingsPut,
): Promise<SsoRow> {
  const issuer = checkedIssuer(input.issuer);
  const sealed =
    input.clientSecret === undefined
      ? undefined
      : input.clientSecret === null
        ? null
        : await keyring.seal(input.clientSecret, secretOf(orgId));
  const values = {
    issuer,
    client_id: input.clientId.trim(),
    default_role: input.defaultRole ?? 'viewer',
    allowed_domains: [...new Set((input.allowedDomains ?? []).map((domain) => domain.toLowerCase()))],
    enabled: input.enabled ?? true,
    updated_at: new Date(),
  };
  return db
    .insertInto('organization_sso')
    .values({ org_id: orgId, ...values, client_secret_sealed: sealed ?? null })
    .onConflict((oc) =>
      oc
        .column('org_id')
        .doUpdateSet({ ...values, ...(sealed !== undefined ? { client_secret_sealed: sealed } : {}) }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteSsoSettings(db: Kysely<Database>, orgId: string): Promise<boolean> {
  const result = await db.deleteFrom('organization_sso').where('org_id', '=', orgId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The stored client secret, opened; undefined for a public client. */
export async function openClientSecret(keyring: Keyring, row: SsoRow): Promise<string | undefined> {
  if (row.client_secret_sealed === null) return undefined;
  return keyring.open<string>(row.client_secret_sealed, secretOf(row.org_id), 'the SSO client secret');
}
