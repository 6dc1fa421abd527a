import type { ExecutionFilters } from './filters.js';

/** Query keys of the executions section: every input of a query is in its key. */
export const executionKeys = {
  all: ['executions'] as const,
  lists: () => [...executionKeys.all, 'list'] as const,
  /** The newest page, polled while "Live" is on. */
  head: (filters: ExecutionFilters) => [...executionKeys.lists(), 'head', filters] as const,
  /** Older pages, from the cursor the first newest page ended at. */
  older: (filters: ExecutionFilters, from: string) =>
    [...executionKeys.lists(), 'older', filters, from] as const,
  details: () => [...executionKeys.all, 'detail'] as const,
  detail: (id: string) => [...executionKeys.details(), id] as const,
};

/** Names for the filter pickers, by what they search. */
export const pickerKeys = {
  search: (kind: string, text: string) => ['pickers', kind, 'search', text] as const,
  one: (kind: string, id: string) => ['pickers', kind, 'one', id] as const,
};
