/** Query keys of the integrations section: every input of a query is in its key (filters included). */
export interface IntegrationFilters {
  search: string;
  category: string;
  labels: string[];
}

export const integrationKeys = {
  all: ['integrations'] as const,
  lists: () => [...integrationKeys.all, 'list'] as const,
  list: (filters: IntegrationFilters) => [...integrationKeys.lists(), filters] as const,
  detail: (id: string) => [...integrationKeys.all, 'detail', id] as const,
  versions: (id: string) => [...integrationKeys.detail(id), 'versions'] as const,
  version: (id: string, versionNumber: number) =>
    [...integrationKeys.detail(id), 'versions', versionNumber] as const,
  marketplace: (id: string) => [...integrationKeys.detail(id), 'marketplace'] as const,
  /** The draft's YAML as exported (a starting point for importing a new draft). */
  draftYaml: (id: string) => [...integrationKeys.detail(id), 'export', 'draft'] as const,
};
