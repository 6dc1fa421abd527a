import type { Static } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import { refuseWhileWebhooksRegistered } from '../database/registered-webhooks.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { customerNotFound, WeftError } from '../errors.js';
import type {
  Customer,
  CustomerCreate,
  CustomerListQuery,
  CustomerPage,
  CustomerUpdate,
  ExternalIdParams,
  IdParams,
} from './customer-schemas.js';

/** The SQL behind the customers API. Every function takes the caller's organization and never reads past it. */

/**
 * How a customer is named in a request: its Weft id, or the id it has in the organization's own app (the path
 * parameters of `/customers/:id` and `/customers/by-external-id/:externalId`).
 */
export type CustomerRef = Static<typeof IdParams> | Static<typeof ExternalIdParams>;

const columns = ['id', 'name', 'external_id', 'description', 'labels', 'created_at', 'updated_at'] as const;
type CustomerRow = {
  id: string;
  name: string;
  external_id: string | null;
  description: string;
  labels: string[];
  created_at: Date;
  updated_at: Date;
};

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    externalId: row.external_id,
    description: row.description,
    labels: row.labels,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Labels are matched case-insensitively, so they are stored lower-cased, trimmed and without repeats. */
export function normalizeLabels(labels: string[]): string[] {
  return [...new Set(labels.map((label) => label.trim().toLowerCase()).filter(Boolean))];
}

function describe(ref: CustomerRef): string {
  return 'id' in ref ? `id '${ref.id}'` : `externalId '${ref.externalId}'`;
}

/** Translates the unique indexes' violations into the 409 a user can act on. */
function conflictFrom(error: unknown, input: CustomerUpdate): never {
  const index = violatedUniqueIndex(error);
  if (index === 'customers_external_id_key') {
    throw new WeftError(
      'CUSTOMER_EXTERNAL_ID_TAKEN',
      `Another customer already has externalId '${input.externalId}'.`,
      {
        field: 'externalId',
      },
    );
  }
  if (index === 'customers_name_key') {
    throw new WeftError('CUSTOMER_NAME_TAKEN', `Another customer is already named '${input.name}'.`, {
      field: 'name',
    });
  }
  throw error;
}

export async function createCustomer(
  db: Kysely<Database>,
  orgId: string,
  input: CustomerCreate,
): Promise<Customer> {
  try {
    const row = await db
      .insertInto('customers')
      .values({
        org_id: orgId,
        name: input.name.trim(),
        external_id: input.externalId ?? null,
        description: input.description ?? '',
        labels: normalizeLabels(input.labels ?? []),
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toCustomer(row);
  } catch (error) {
    conflictFrom(error, input);
  }
}

export async function getCustomer(db: Kysely<Database>, orgId: string, ref: CustomerRef): Promise<Customer> {
  const row =
    'id' in ref && !isUuid(ref.id)
      ? undefined
      : await db
          .selectFrom('customers')
          .select(columns)
          .where('org_id', '=', orgId)
          .where('id' in ref ? 'id' : 'external_id', '=', 'id' in ref ? ref.id : ref.externalId)
          .executeTakeFirst();
  if (!row) throw customerNotFound(describe(ref));
  return toCustomer(row);
}

export async function updateCustomer(
  db: Kysely<Database>,
  orgId: string,
  ref: CustomerRef,
  changes: CustomerUpdate,
): Promise<Customer> {
  const current = await getCustomer(db, orgId, ref);
  try {
    const row = await db
      .updateTable('customers')
      .set({
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.labels !== undefined ? { labels: normalizeLabels(changes.labels) } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', current.id)
      .returning(columns)
      .executeTakeFirst();
    if (!row) throw customerNotFound(describe(ref));
    return toCustomer(row);
  } catch (error) {
    conflictFrom(error, changes);
  }
}

export async function deleteCustomer(
  db: Kysely<Database>,
  orgId: string,
  ref: CustomerRef,
): Promise<Customer> {
  const current = await getCustomer(db, orgId, ref);
  await refuseWhileWebhooksRegistered(db, orgId, { customerId: current.id }, `customer '${current.name}'`);
  const row = await db
    .deleteFrom('customers')
    .where('org_id', '=', orgId)
    .where('id', '=', current.id)
    .returning(columns)
    .executeTakeFirst();
  if (!row) throw customerNotFound(describe(ref));
  return toCustomer(row);
}

/**
 * Oldest first, so a page walk sees customers added during the walk at its end instead of skipping rows. Every
 * label given must be on the customer.
 */
export async function listCustomers(
  db: Kysely<Database>,
  orgId: string,
  query: CustomerListQuery,
): Promise<CustomerPage> {
  const limit = query.limit ?? 100;
  // One counting subquery per row of the page (instances_customer_idx), so the list shows it without N+1 calls.
  let select = db
    .selectFrom('customers')
    .select(columns)
    .select((eb) =>
      eb
        .selectFrom('instances')
        .select(eb.fn.countAll<string>().as('count'))
        .whereRef('instances.customer_id', '=', 'customers.id')
        .as('instance_count'),
    )
    .where('org_id', '=', orgId);
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) =>
      eb.or([
        eb('name', 'ilike', pattern),
        eb('external_id', 'ilike', pattern),
        eb('description', 'ilike', pattern),
      ]),
    );
  }
  const labels = normalizeLabels(query.label ?? []);
  if (labels.length > 0) select = select.where('labels', '@>', sql<string[]>`${labels}::text[]`);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, (row) => ({
    ...toCustomer(row),
    instanceCount: Number(row.instance_count ?? 0),
  }));
}

/** A customer as other answers name it: the marketplace's, a customer user's own. */
export interface CustomerSummary {
  id: string;
  externalId: string | null;
  name: string;
}

const summaryColumns = ['id', 'external_id', 'name'] as const;

function toSummary(row: { id: string; external_id: string | null; name: string }): CustomerSummary {
  return { id: row.id, externalId: row.external_id, name: row.name };
}

/** The organization's customer with Weft id `id` (undefined when there is none). */
export async function customerSummaryOf(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<CustomerSummary | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom('customers')
    .select(summaryColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toSummary(row) : undefined;
}

/**
 * Every customer of the organization `value` could name: the one whose Weft id it is (when it is a UUID) and the
 * one whose externalId it is (externalIds are unique in an organization), so at most two. With `externalIdOnly`,
 * the value is an externalId only.
 */
async function customersNamedBy(
  db: Kysely<Database>,
  orgId: string,
  value: string,
  externalIdOnly = false,
): Promise<CustomerSummary[]> {
  const rows = await db
    .selectFrom('customers')
    .select(summaryColumns)
    .where('org_id', '=', orgId)
    .where((eb) =>
      !externalIdOnly && isUuid(value)
        ? eb.or([eb('id', '=', value), eb('external_id', '=', value)])
        : eb('external_id', '=', value),
    )
    .execute();
  return rows.map(toSummary);
}

/** The ids of the organization's customers a filter names: by id or by externalId (none when it names nobody). */
export async function customerIdsFor(
  db: Kysely<Database>,
  orgId: string,
  customer: string,
): Promise<string[]> {
  return (await customersNamedBy(db, orgId, customer)).map((named) => named.id);
}

/**
 * The customer a path or a parameter names by Weft id or, failing that, by externalId: an id that is also another
 * customer's externalId names the customer it is the id of. Undefined when it names nobody.
 */
export async function customerNamedBy(
  db: Kysely<Database>,
  orgId: string,
  value: string,
  externalIdOnly = false,
): Promise<CustomerSummary | undefined> {
  const named = await customersNamedBy(db, orgId, value, externalIdOnly);
  return named.find((candidate) => candidate.id === value) ?? named[0];
}

/** The customer that owns an instance, an execution or a customer user (undefined when `id` names none). */
export async function owningCustomerId(
  db: Kysely<Database>,
  orgId: string,
  table: 'instances' | 'executions' | 'customer_users',
  id: string,
): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom(table)
    .select('customer_id')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.customer_id;
}
