import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { customerIdsFor, owningCustomerId } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import type { CustomerCaller } from './caller.js';

/** What a path parameter may name on a route customers can reach; each kind knows which customer owns it. */
export type ScopedResource = 'instance' | 'execution' | 'customer' | 'customer-user' | 'customer-connection';

/** How a customer caller is confined on a route. A route without one is for the organization's team only. */
export interface CustomerScopeRule {
  /** Path parameters that name something the caller's customer must own; anything else is a 404. */
  params?: Readonly<Record<string, ScopedResource>>;
  /**
   * The handler narrows its answer to the caller's customer itself (with `customerScopeOf`): lists, the
   * marketplace. The route test in server/test checks each such route with two customers.
   */
  handlerNarrows?: true;
}

/** The table of each kind that belongs to exactly one customer. */
const ownedIn = {
  instance: 'instances',
  execution: 'executions',
  'customer-user': 'customer_users',
} as const;

/** The customers that own what `value` names, as the handlers would resolve it (none when it names nothing). */
async function ownersOf(
  db: Kysely<Database>,
  orgId: string,
  kind: ScopedResource,
  value: string,
): Promise<string[]> {
  switch (kind) {
    case 'instance':
    case 'execution':
    case 'customer-user': {
      const owner = await owningCustomerId(db, orgId, ownedIn[kind], value);
      return owner ? [owner] : [];
    }
    case 'customer':
      // Handlers accept an id or an externalId; every customer the value could name must be the caller's, so a
      // customer whose externalId happens to equal another's id cannot be reached through it.
      return customerIdsFor(db, orgId, value);
    case 'customer-connection': {
      // Integration-agnostic connections are defined by the organization; customers reach only the ones they
      // activate themselves, and only their own credentials of them (the handler adds the customer).
      const rows = await db
        .selectFrom('scoped_connections')
        .select('id')
        .where('org_id', '=', orgId)
        .where('kind', '=', 'customer_activated')
        .where((eb) =>
          isUuid(value)
            ? eb.or([eb('id', '=', value), eb('stable_key', '=', value)])
            : eb('stable_key', '=', value),
        )
        .execute();
      return rows.length > 0 ? ['*'] : [];
    }
  }
}

const notFoundCodes: Record<
  ScopedResource,
  [
    code:
      | 'INSTANCE_NOT_FOUND'
      | 'EXECUTION_NOT_FOUND'
      | 'CUSTOMER_NOT_FOUND'
      | 'CUSTOMER_USER_NOT_FOUND'
      | 'CONNECTION_NOT_FOUND',
    noun: string,
  ]
> = {
  instance: ['INSTANCE_NOT_FOUND', 'instance'],
  execution: ['EXECUTION_NOT_FOUND', 'execution'],
  customer: ['CUSTOMER_NOT_FOUND', 'customer'],
  'customer-user': ['CUSTOMER_USER_NOT_FOUND', 'customer user'],
  'customer-connection': ['CONNECTION_NOT_FOUND', 'connection'],
};

/**
 * Answers 404, exactly as for an id that does not exist, when a path parameter names something outside the
 * customer caller's customer: a customer never learns that another customer's instance exists.
 */
export async function confineToCustomer(
  db: Kysely<Database>,
  request: FastifyRequest,
  caller: CustomerCaller,
  rule: CustomerScopeRule,
): Promise<void> {
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  for (const [name, kind] of Object.entries(rule.params ?? {})) {
    const value = params[name];
    if (value === undefined) continue;
    const owners = await ownersOf(db, caller.orgId, kind, value);
    const yours = owners.length > 0 && owners.every((owner) => owner === '*' || owner === caller.customerId);
    if (!yours) {
      const [code, noun] = notFoundCodes[kind];
      throw new WeftError(code, `No ${noun} with id '${value}' in your organization.`);
    }
  }
}
