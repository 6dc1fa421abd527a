import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { componentKeys } from './keys.js';

/** Every custom component, by key (the route answers them all at once: an organization has tens, not thousands). */
export function useComponentList() {
  const { api } = useConsole();
  return useQuery({
    queryKey: componentKeys.list(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/components', { signal })),
  });
}

export function useComponentVersions(key: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: componentKeys.versions(key),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/components/{key}/versions', { params: { path: { key } }, signal })),
  });
}

/** One version with its manifest (what it declares); versions never change once published. */
export function useComponentVersion(key: string, version: number | 'LATEST') {
  const { api } = useConsole();
  return useQuery({
    queryKey: componentKeys.version(key, version),
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/components/{key}/versions/{version}', { params: { path: { key, version } }, signal }),
      ),
    staleTime: version === 'LATEST' ? 0 : Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  });
}

export function useComponentUsage(key: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: componentKeys.usage(key),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/components/{key}/usage', { params: { path: { key } }, signal })),
  });
}
