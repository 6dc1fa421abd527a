import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type {
  EmbeddedContext,
  EmbeddingSettings,
  EmbeddingSettingsUpdate,
  EmbedTheme,
} from './embedding-schemas.js';

/** The SQL behind the embedding settings: the caller's own organization, never another. */

function settingsOf(
  row: { embed_allowed_origins: string[]; embed_theme: Record<string, string> },
  serverAllowedOrigins: readonly string[],
): EmbeddingSettings {
  return {
    allowedOrigins: row.embed_allowed_origins,
    effectiveAllowedOrigins: [...new Set([...row.embed_allowed_origins, ...serverAllowedOrigins])],
    theme: row.embed_theme as EmbedTheme,
  };
}

function gone(orgId: string): WeftError {
  return new WeftError(
    'AUTH_TOKEN_INVALID',
    `The organization '${orgId}' of this credential no longer exists.`,
  );
}

export async function getEmbeddingSettings(
  db: Kysely<Database>,
  orgId: string,
  serverAllowedOrigins: readonly string[],
): Promise<EmbeddingSettings & { organizationName: string }> {
  const row = await db
    .selectFrom('organizations')
    .select(['name', 'embed_allowed_origins', 'embed_theme'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!row) throw gone(orgId);
  return { ...settingsOf(row, serverAllowedOrigins), organizationName: row.name };
}

export async function updateEmbeddingSettings(
  db: Kysely<Database>,
  orgId: string,
  update: EmbeddingSettingsUpdate,
  serverAllowedOrigins: readonly string[],
): Promise<EmbeddingSettings> {
  const row = await db
    .updateTable('organizations')
    .set({
      ...(update.allowedOrigins !== undefined
        ? { embed_allowed_origins: update.allowedOrigins.map((origin) => new URL(origin).origin) }
        : {}),
      ...(update.theme !== undefined ? { embed_theme: JSON.stringify(update.theme) as never } : {}),
    })
    .where('id', '=', orgId)
    .returning(['embed_allowed_origins', 'embed_theme'])
    .executeTakeFirst();
  if (!row) throw gone(orgId);
  return settingsOf(row, serverAllowedOrigins);
}

/**
 * Every origin any organization lets frame the embedded pages: the pages' `frame-ancestors`. The page is served
 * before anyone signs in, so it cannot know the organization yet; once signed in, the page itself talks only to a
 * parent on its own organization's list (`GET /api/embedded/context`).
 */
export async function allEmbeddingOrigins(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('organizations')
    .select('embed_allowed_origins')
    .where(sql<boolean>`cardinality(embed_allowed_origins) > 0`)
    .execute();
  return [...new Set(rows.flatMap((row) => row.embed_allowed_origins))];
}

/** Who an embedded page is signed in as: the customer user and their customer, or an organization user or token. */
export async function embeddedIdentity(
  db: Kysely<Database>,
  caller: Caller,
): Promise<Pick<EmbeddedContext, 'customer' | 'user'>> {
  if (caller.kind === 'customer') {
    const row = await db
      .selectFrom('customer_users as u')
      .innerJoin('customers as c', 'c.id', 'u.customer_id')
      .select([
        'u.id as userId',
        'u.external_id as userExternalId',
        'u.name as userName',
        'c.id as customerId',
        'c.external_id as customerExternalId',
        'c.name as customerName',
      ])
      .where('u.id', '=', caller.customerUserId)
      .where('u.org_id', '=', caller.orgId)
      .executeTakeFirst();
    if (!row) throw new WeftError('AUTH_TOKEN_INVALID', 'This customer user no longer exists.');
    return {
      customer: {
        id: row.customerId,
        externalId: row.customerExternalId ?? row.customerId,
        name: row.customerName,
      },
      user: {
        id: row.userId,
        externalId: row.userExternalId,
        name: row.userName,
        role: caller.role,
        kind: 'customer',
      },
    };
  }
  return {
    customer: null,
    user: {
      id: caller.userId ?? caller.tokenId ?? caller.orgId,
      externalId: null,
      name: caller.actorName,
      role: caller.role,
      kind: 'organization',
    },
  };
}
