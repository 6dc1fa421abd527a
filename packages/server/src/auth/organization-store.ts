import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { Organization } from './organization-schemas.js';

/** The SQL behind `/api/organization`: the caller's own organization, never another. */

async function toOrganization(
  db: Kysely<Database>,
  row: { id: string; name: string; created_at: Date },
): Promise<Organization> {
  const { count } = await db
    .selectFrom('signing_keys')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('org_id', '=', row.id)
    .where('deactivated_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), activeSigningKeys: count };
}

function gone(orgId: string): WeftError {
  // Only when the organization was deleted under a live credential.
  return new WeftError(
    'AUTH_TOKEN_INVALID',
    `The organization '${orgId}' of this credential no longer exists.`,
  );
}

export async function getOrganization(db: Kysely<Database>, orgId: string): Promise<Organization> {
  const row = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'created_at'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!row) throw gone(orgId);
  return toOrganization(db, row);
}

export async function renameOrganization(
  db: Kysely<Database>,
  orgId: string,
  name: string,
): Promise<Organization> {
  const row = await db
    .updateTable('organizations')
    .set({ name: name.trim() })
    .where('id', '=', orgId)
    .returning(['id', 'name', 'created_at'])
    .executeTakeFirst();
  if (!row) throw gone(orgId);
  return toOrganization(db, row);
}
