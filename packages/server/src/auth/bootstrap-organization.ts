import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { createApiToken } from './token-store.js';

export interface BootstrapResult {
  orgId: string;
  /** The owner token's secret when this call created the organization; undefined when it already existed. */
  ownerToken: string | undefined;
}

/**
 * On the first start of a fresh database, creates the organization and its owner token. Several processes may
 * start at once against one database: a transaction-scoped advisory lock makes exactly one of them do it.
 */
export async function bootstrapOrganization(
  db: Kysely<Database>,
  options: { name?: string; ownerToken?: string } = {},
): Promise<BootstrapResult> {
  return db.transaction().execute(async (tx) => {
    // 2003133044 = 0x77656674, 'weft': an arbitrary constant that names this lock.
    await sql`select pg_advisory_xact_lock(2003133044, 1)`.execute(tx);
    const existing = await tx
      .selectFrom('organizations')
      .select('id')
      .orderBy('created_at')
      .executeTakeFirst();
    if (existing) return { orgId: existing.id, ownerToken: undefined };
    return createOrganization(tx, {
      name: options.name ?? 'My organization',
      ownerToken: options.ownerToken,
    });
  });
}

/** Creates an organization with one owner token. Used by the first start, and by tests that need a second tenant. */
export async function createOrganization(
  db: Kysely<Database>,
  input: { name: string; ownerToken?: string | undefined },
): Promise<{ orgId: string; ownerToken: string }> {
  const org = await db
    .insertInto('organizations')
    .values({ name: input.name })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { secret } = await createApiToken(db, {
    orgId: org.id,
    name: 'owner (created on first start)',
    role: 'owner',
    createdByTokenId: null,
    ...(input.ownerToken ? { secret: input.ownerToken } : {}),
  });
  return { orgId: org.id, ownerToken: secret };
}

/**
 * For an operator who lost every owner token: a new owner token for the first organization, made directly in the
 * database (having database access already means having full control, so this grants nothing new).
 */
export async function recoverOwnerToken(
  db: Kysely<Database>,
  name: string,
): Promise<{ orgId: string; ownerToken: string }> {
  const org = await db.selectFrom('organizations').select('id').orderBy('created_at').executeTakeFirst();
  if (!org) {
    throw new WeftError(
      'DATABASE_NOT_INITIALIZED',
      'This database has no organization yet, so there is no owner to recover.',
    );
  }
  const { secret } = await createApiToken(db, { orgId: org.id, name, role: 'owner', createdByTokenId: null });
  return { orgId: org.id, ownerToken: secret };
}
