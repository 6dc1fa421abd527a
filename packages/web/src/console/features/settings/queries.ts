import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { answerOf, WeftApiError } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import {
  type AuditFilters,
  type EventWebhookDeliveryStatus,
  eventWebhookKeys,
  logStreamKeys,
  settingsKeys,
  type UserFilters,
} from './keys.js';

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

/** Event webhooks are few: pages of 100, the next on request. */
export function useEventWebhooks() {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: eventWebhookKeys.list(),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/event-webhooks', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useEventWebhook(id: string, enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: eventWebhookKeys.detail(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/event-webhooks/{id}', { params: { path: { id } }, signal })),
    enabled,
  });
}

/** The catalog of event types: fixed for a server's life, so read once per session. */
export function useEventTypes() {
  const { api } = useConsole();
  return useQuery({
    queryKey: eventWebhookKeys.eventTypes(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/event-types', { signal })),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * A webhook's delivery log, newest first, in pages as the list scrolls. While a delivery on screen is pending
 * (waiting for a retry, or for a worker), the log is read again every few seconds so its outcome shows up.
 */
export function useEventWebhookDeliveries(id: string, status: EventWebhookDeliveryStatus) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: eventWebhookKeys.deliveryList(id, status),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/event-webhooks/{id}/deliveries', {
          params: {
            path: { id },
            query: {
              limit: pageSize,
              ...(status ? { status } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((item) => item.status === 'pending'))
        ? 5_000
        : false,
  });
}

export function useLogStreams() {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: logStreamKeys.list(),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/log-streams', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // The status (backlog, delivered lines) moves as executions finish: keep the figures fresh while shown.
    refetchInterval: 15_000,
  });
}

export function useLogStream(id: string, { enabled = true, live = true } = {}) {
  const { api } = useConsole();
  return useQuery({
    queryKey: logStreamKeys.detail(id),
    queryFn: ({ signal }) => answerOf(api.GET('/api/log-streams/{id}', { params: { path: { id } }, signal })),
    enabled,
    // Its status moves as executions finish; a form editing it reads it once (`live: false`).
    refetchInterval: live ? 10_000 : false,
  });
}

export function useLogStreamPresets() {
  const { api } = useConsole();
  return useQuery({
    queryKey: logStreamKeys.presets(),
    queryFn: ({ signal }) => answerOf(api.GET('/api/log-streams/presets', { signal })),
    staleTime: Number.POSITIVE_INFINITY,
  });
}
