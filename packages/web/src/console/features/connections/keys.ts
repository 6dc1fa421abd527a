/**
 * Query keys of the connections section, hierarchical so one invalidation reaches a connection and everything
 * under it (its customers' credentials, its usage). Every input of a query is part of its key.
 */
export const connectionKeys = {
  all: () => ['connections'] as const,
  list: () => ['connections', 'list'] as const,
  types: () => ['connection-types'] as const,
  detail: (id: string) => ['connections', id] as const,
  customers: (id: string) => ['connections', id, 'customers'] as const,
  usage: (id: string) => ['connections', id, 'usage'] as const,
  /** Under `connections` so a change to any connection refreshes every customer's view of them. */
  forCustomer: (customerId: string) => ['connections', 'for-customer', customerId] as const,
};
