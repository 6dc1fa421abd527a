import { type Kysely, sql } from 'kysely';
import type { CustomerRole } from '../auth/roles.js';
import { customerNamedBy, customerSummaryOf } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { customerNotFound, WeftError } from '../errors.js';
import type {
  CustomerUser,
  CustomerUserCreate,
  CustomerUserListQuery,
  CustomerUserPage,
  CustomerUserSelf,
  CustomerUserUpdate,
} from './customer-user-schemas.js';

/**
 * The SQL behind the customer users API. Every function takes the caller's organization and never reads past it;
 * confining a customer caller to its own customer is the authentication hook's (the routes' `customerScope`).
 */

const columns = [
  'id',
  'customer_id',
  'external_id',
  'email',
  'name',
  'role',
  'created_at',
  'updated_at',
  'last_sign_in_at',
] as const;

type CustomerUserRow = {
  id: string;
  customer_id: string;
  external_id: string | null;
  email: string | null;
  name: string;
  role: string;
  created_at: Date;
  updated_at: Date;
  last_sign_in_at: Date | null;
};

function toCustomerUser(row: CustomerUserRow): CustomerUser {
  return {
    id: row.id,
    customerId: row.customer_id,
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    role: row.role as CustomerRole,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastSignInAt: row.last_sign_in_at?.toISOString() ?? null,
  };
}

export function customerUserNotFound(id: string): WeftError {
  return new WeftError('CUSTOMER_USER_NOT_FOUND', `No customer user with id '${id}' in your organization.`);
}

/** The id of the customer a path names by Weft id or, failing that, by externalId. */
async function customerIdNamed(db: Kysely<Database>, orgId: string, customer: string): Promise<string> {
  const named = await customerNamedBy(db, orgId, customer);
  if (!named) throw customerNotFound(`id or externalId '${customer}'`);
  return named.id;
}

/** The unique indexes' violations as the 409 a user can act on. */
function conflictFrom(error: unknown, input: { email?: string | null; externalId?: string | null }): never {
  const index = violatedUniqueIndex(error);
  if (index === 'customer_users_email_key') {
    throw new WeftError(
      'CUSTOMER_USER_EMAIL_TAKEN',
      `Another user of this customer already has email '${input.email}'.`,
      { field: 'email' },
    );
  }
  if (index === 'customer_users_external_id_key') {
    throw new WeftError(
      'CUSTOMER_USER_EXTERNAL_ID_TAKEN',
      `Another user of this customer already has externalId '${input.externalId}'.`,
      { field: 'externalId' },
    );
  }
  throw error;
}

export async function createCustomerUser(
  db: Kysely<Database>,
  orgId: string,
  customer: string,
  input: CustomerUserCreate,
): Promise<CustomerUser> {
  if (input.email === undefined && input.externalId === undefined) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      'A customer user needs an email, or an externalId (the id their embedded sign-in JWT carries).',
      { field: 'email' },
    );
  }
  const customerId = await customerIdNamed(db, orgId, customer);
  try {
    const row = await db
      .insertInto('customer_users')
      .values({
        org_id: orgId,
        customer_id: customerId,
        name: input.name.trim(),
        email: input.email ?? null,
        external_id: input.externalId ?? null,
        role: input.role,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toCustomerUser(row);
  } catch (error) {
    conflictFrom(error, input);
  }
}

/** A customer's users, oldest first, in pages. */
export async function listCustomerUsers(
  db: Kysely<Database>,
  orgId: string,
  customer: string,
  query: CustomerUserListQuery,
): Promise<CustomerUserPage> {
  const customerId = await customerIdNamed(db, orgId, customer);
  const limit = query.limit ?? 100;
  let select = db
    .selectFrom('customer_users')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId);
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) =>
      eb.or([
        eb('name', 'ilike', pattern),
        eb('email', 'ilike', pattern),
        eb('external_id', 'ilike', pattern),
      ]),
    );
  }
  if (query.role) select = select.where('role', '=', query.role);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toCustomerUser);
}

export async function getCustomerUser(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<CustomerUser> {
  if (!isUuid(id)) throw customerUserNotFound(id);
  const row = await db
    .selectFrom('customer_users')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw customerUserNotFound(id);
  return toCustomerUser(row);
}

export async function updateCustomerUser(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  changes: CustomerUserUpdate,
): Promise<CustomerUser> {
  if (!isUuid(id)) throw customerUserNotFound(id);
  try {
    const row = await db
      .updateTable('customer_users')
      .set({
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst();
    if (!row) throw customerUserNotFound(id);
    return toCustomerUser(row);
  } catch (error) {
    conflictFrom(error, changes);
  }
}

/** Deletes a customer user; answers the deleted user. They come back on their next embedded sign-in. */
export async function deleteCustomerUser(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<CustomerUser> {
  if (!isUuid(id)) throw customerUserNotFound(id);
  const row = await db
    .deleteFrom('customer_users')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  if (!row) throw customerUserNotFound(id);
  return toCustomerUser(row);
}

/** A customer caller's own user and customer. */
export async function customerUserSelf(
  db: Kysely<Database>,
  orgId: string,
  customerUserId: string,
): Promise<CustomerUserSelf> {
  const user = await getCustomerUser(db, orgId, customerUserId);
  const customer = await customerSummaryOf(db, orgId, user.customerId);
  if (!customer) throw customerNotFound(`id '${user.customerId}'`);
  return { user, customer };
}
