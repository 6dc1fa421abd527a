/**
 * Query keys of the customers section, hierarchical so one invalidation reaches a customer and everything under it
 * (`['customers', id, 'users', filters]`). Every input of a query is part of its key.
 */
export interface CustomerUserFilters {
  search: string;
  role: string;
}

export const customerKeys = {
  all: () => ['customers'] as const,
  list: (search: string) => ['customers', 'list', { search }] as const,
  detail: (id: string) => ['customers', id] as const,
  users: (id: string) => ['customers', id, 'users'] as const,
  userList: (id: string, filters: CustomerUserFilters) => ['customers', id, 'users', filters] as const,
  instances: (id: string) => ['customers', id, 'instances'] as const,
};
