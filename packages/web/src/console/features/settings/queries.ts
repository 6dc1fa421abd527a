import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { answerOf, WeftApiError } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type AuditFilters, settingsKeys, type UserFilters } from './keys.js';

const pageSize = 50;

export function useOrganization() {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.organization(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/organization', { signal })),
  });
}

export function useEmbeddingSettings() {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.embedding(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/organization/embedding', { signal })),
  });
}

/** The single sign-on settings, or null while none are set up (the API answers 404 SSO_NOT_CONFIGURED then). */
export function useSsoSettings() {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.sso(),
    queryFn: async ({ signal }) => {
      try {
        return await answerOf(api.GET('/api/organization/sso', { signal }));
      } catch (error) {
        if (error instanceof WeftApiError && error.code === 'SSO_NOT_CONFIGURED') return null;
        throw error;
      }
    },
  });
}

/** The team, in pages as the list scrolls (the API pages with cursor). */
export function useUsers(filters: UserFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: settingsKeys.userList(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/users', {
          params: {
            query: {
              limit: pageSize,
              ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
              ...(filters.role ? { role: filters.role as 'viewer' } : {}),
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

export function useMe(enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.me(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/users/me', { signal })),
    enabled,
  });
}

export function useOrgTokens(includeRevoked: boolean) {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.tokenList(includeRevoked),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/tokens', { params: { query: { includeRevoked } }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useMyTokens(includeRevoked: boolean, enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.myTokenList(includeRevoked),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/users/me/tokens', { params: { query: { includeRevoked } }, signal })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useSigningKeys() {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.signingKeys(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/signing-keys', { signal })),
  });
}

export function useEncryptionKeys() {
  const { api } = useConsole();
  return useQuery({
    queryKey: settingsKeys.encryptionKeys(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/encryption-keys', { signal })),
  });
}

/** A local date-time input's value ("2026-01-31T09:30") as the ISO instant the API takes. */
function instantOf(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function useAuditEvents(filters: AuditFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: settingsKeys.auditList(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) => {
      const since = instantOf(filters.since);
      const until = instantOf(filters.until);
      return answerOf(
        api.GET('/api/audit-events', {
          params: {
            query: {
              limit: pageSize,
              ...(filters.actor.trim() ? { actor: filters.actor.trim() } : {}),
              ...(filters.action.trim() ? { action: filters.action.trim() } : {}),
              ...(filters.targetType.trim() ? { targetType: filters.targetType.trim() } : {}),
              ...(since ? { since } : {}),
              ...(until ? { until } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      );
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}
