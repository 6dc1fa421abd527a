import type { LogFilters } from './filters.js';

/** Query keys of the logs section: every input of a query is in its key. */
export const logKeys = {
  all: ['logs'] as const,
  searches: () => [...logKeys.all, 'search'] as const,
  search: (filters: LogFilters) => [...logKeys.searches(), filters] as const,
};
