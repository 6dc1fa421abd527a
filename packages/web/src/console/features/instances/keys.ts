/** Query keys of the instances section: hierarchical, every input of a query in its key. */

export interface InstanceFilters {
  customer?: string;
  integration?: string;
  status?: InstanceStatusFilter;
  search?: string;
}

/** The list's status filter: what the API's `enabled` and `deployed` filters can answer. */
export type InstanceStatusFilter = 'deployed' | 'paused' | 'unconfigured' | 'active';

export const instanceKeys = {
  all: ['instances'] as const,
  lists: () => [...instanceKeys.all, 'list'] as const,
  list: (filters: InstanceFilters) => [...instanceKeys.lists(), filters] as const,
  detail: (id: string) => [...instanceKeys.all, 'detail', id] as const,
  flows: (id: string) => [...instanceKeys.detail(id), 'flows'] as const,
  connections: (id: string) => [...instanceKeys.detail(id), 'connections'] as const,
  executions: (id: string, limit: number) => [...instanceKeys.detail(id), 'executions', limit] as const,
  testRun: (executionId: string) => [...instanceKeys.all, 'test-run', executionId] as const,
};

/** Other sections' data this section reads (the pickers and the "new version" marker). */
export const pickerKeys = {
  integrations: (search: string) => ['instances-pickers', 'integrations', search] as const,
  integrationIndex: () => ['instances-pickers', 'integration-index'] as const,
  versions: (integrationId: string) => ['instances-pickers', 'versions', integrationId] as const,
  customers: (search: string) => ['instances-pickers', 'customers', search] as const,
  customer: (id: string) => ['instances-pickers', 'customer', id] as const,
  integration: (id: string) => ['instances-pickers', 'integration', id] as const,
};
