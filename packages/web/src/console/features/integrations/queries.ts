import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type IntegrationFilters, integrationKeys } from './keys.js';

const pageSize = 50;

/** The integrations, a page at a time (the list asks for the next page as the reader scrolls near its end). */
export function useIntegrationList(filters: IntegrationFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: integrationKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/integrations', {
          params: {
            query: {
              limit: pageSize,
              ...(filters.search ? { search: filters.search } : {}),
              ...(filters.category ? { category: filters.category } : {}),
              ...(filters.labels.length > 0 ? { label: filters.labels } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useIntegration(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: integrationKeys.detail(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/integrations/{id}', { params: { path: { id } }, signal })),
  });
}

export function useIntegrationVersions(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: integrationKeys.versions(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/integrations/{id}/versions', { params: { path: { id } }, signal })),
  });
}

/** One published version with its definition (for drawing its flows); off while no version is picked. */
export function useIntegrationVersion(id: string, versionNumber: number | null) {
  const { api } = useConsole();
  return useQuery({
    queryKey: integrationKeys.version(id, versionNumber ?? 0),
    enabled: versionNumber !== null,
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/integrations/{id}/versions/{versionNumber}', {
          params: { path: { id, versionNumber: versionNumber ?? 0 } },
          signal,
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY, // a published version never changes, except its availability (not used here)
  });
}

export function useMarketplaceSettings(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: integrationKeys.marketplace(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/integrations/{id}/marketplace', { params: { path: { id } }, signal })),
  });
}
