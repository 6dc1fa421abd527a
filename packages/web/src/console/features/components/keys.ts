/** Query keys of the custom components section (every input of a query is in its key). */
export const componentKeys = {
  all: ['components'] as const,
  list: () => [...componentKeys.all, 'list'] as const,
  detail: (key: string) => [...componentKeys.all, 'detail', key] as const,
  versions: (key: string) => [...componentKeys.detail(key), 'versions'] as const,
  version: (key: string, version: number | 'LATEST') =>
    [...componentKeys.detail(key), 'version', version] as const,
  usage: (key: string) => [...componentKeys.detail(key), 'usage'] as const,
};
