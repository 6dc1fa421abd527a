import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type ApiSchema, answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { alertKeys, type EventFilters, type MonitorFilters, monitorPickerKeys } from './keys.js';

export type AlertTrigger = ApiSchema<'AlertTrigger'>;
export type AlertMonitor = ApiSchema<'AlertMonitor'>;
export type AlertEvent = ApiSchema<'AlertEvent'>;
export type AlertDelivery = ApiSchema<'AlertDelivery'>;
export type AlertGroup = ApiSchema<'AlertGroup'>;
export type AlertWebhook = ApiSchema<'AlertWebhook'>;
export type AlertWebhookPreset = ApiSchema<'AlertWebhookPreset'>;
export type PresetKey = AlertWebhookPreset['key'];

const monitorPage = 50;
const eventPage = 25;
const deliveryPage = 25;
/** Groups and webhooks are tens per organization: one answer of up to the API's maximum holds them all. */
const everything = 500;

export function useAlertTriggers() {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.triggers(),
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => answerOf(api.GET('/api/alert-triggers', { signal })),
  });
}

/** Trigger names by key, for lists that show a monitor's triggers. */
export function useTriggerNames(): (key: string) => string {
  const triggers = useAlertTriggers();
  return (key) => triggers.data?.find((trigger) => trigger.key === key)?.name ?? key;
}

export function useWebhookPresets() {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.presets(),
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => answerOf(api.GET('/api/alert-webhooks/presets', { signal })),
  });
}

export function useMonitorList(filters: MonitorFilters, enabled = true) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: alertKeys.monitorList(filters),
    enabled,
    // An alerting screen left open follows what fires and clears.
    refetchInterval: 30_000,
    initialPageParam: undefined as string | undefined,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/alert-monitors', {
          params: {
            query: {
              limit: monitorPage,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filters.instance ? { instance: filters.instance } : {}),
              ...(filters.covering ? { covering: filters.covering } : {}),
              ...(filters.triggered !== undefined ? { triggered: filters.triggered } : {}),
              ...(filters.search ? { search: filters.search } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useMonitor(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.monitor(id),
    refetchInterval: 30_000,
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/alert-monitors/{id}', { params: { path: { id } }, signal })),
  });
}

export function useEventList(filters: EventFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: alertKeys.eventList(filters),
    refetchInterval: 30_000,
    initialPageParam: undefined as string | undefined,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/alert-events', {
          params: {
            query: {
              limit: eventPage,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filters.monitor ? { monitor: filters.monitor } : {}),
              ...(filters.open !== undefined ? { open: filters.open } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** One event with its deliveries: asked for when the event is opened, not for every row. */
export function useAlertEvent(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.event(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/alert-events/{id}', { params: { path: { id } }, signal })),
    // A delivery still pending is retried in the background: follow it until it settles.
    refetchInterval: (query) =>
      query.state.data?.deliveries?.some((delivery) => delivery.status === 'pending') ? 3_000 : false,
  });
}

export function useGroupList() {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: alertKeys.groupList(),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/alert-groups', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useGroupChoices(enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.groupChoices(),
    enabled,
    queryFn: async ({ signal }) =>
      (await answerOf(api.GET('/api/alert-groups', { params: { query: { limit: everything } }, signal })))
        .items,
  });
}

export function useWebhookList() {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: alertKeys.webhookList(),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/alert-webhooks', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useWebhookChoices(enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: alertKeys.webhookChoices(),
    enabled,
    queryFn: async ({ signal }) =>
      (await answerOf(api.GET('/api/alert-webhooks', { params: { query: { limit: everything } }, signal })))
        .items,
  });
}

export function useWebhookDeliveries(id: string) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: alertKeys.webhookDeliveries(id),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/alert-webhooks/{id}/deliveries', {
          params: {
            path: { id },
            query: { limit: deliveryPage, ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((delivery) => delivery.status === 'pending'))
        ? 5_000
        : false,
  });
}

/** The organization's users, for alert group membership (tens of people: one answer). */
export function useOrgUsers(enabled = true) {
  const { api } = useConsole();
  return useQuery({
    queryKey: monitorPickerKeys.users(),
    enabled,
    staleTime: 60_000,
    queryFn: async ({ signal }) =>
      (await answerOf(api.GET('/api/users', { params: { query: { limit: everything } }, signal }))).items,
  });
}

/** The flows an instance runs (its deployed or configured version's). */
export function useInstanceFlowNames(instanceId: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: monitorPickerKeys.instanceFlows(instanceId ?? ''),
    enabled: Boolean(instanceId),
    staleTime: 60_000,
    queryFn: async ({ signal }) =>
      (
        await answerOf(
          api.GET('/api/instances/{id}/flows', { params: { path: { id: instanceId as string } }, signal }),
        )
      ).flows.map((flow) => flow.flow),
  });
}

/** The flows of an integration's draft: suggestions for a default monitor's flow. */
export function useIntegrationFlowNames(integrationId: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: monitorPickerKeys.integrationFlows(integrationId ?? ''),
    enabled: Boolean(integrationId),
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const integration = await answerOf(
        api.GET('/api/integrations/{id}', { params: { path: { id: integrationId as string } }, signal }),
      );
      const flows = (integration.definition as { flows?: Array<{ name?: unknown }> } | null)?.flows ?? [];
      return flows.map((flow) => flow.name).filter((name): name is string => typeof name === 'string');
    },
  });
}

export type PickerKind = 'instance' | 'integration' | 'customer';

/** The first matches for a picker's text. */
export function usePickerSearch(kind: PickerKind, text: string, enabled: boolean) {
  const { api } = useConsole();
  const query = useQuery({
    queryKey: monitorPickerKeys.search(kind, text),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    queryFn: async ({ signal }) => {
      const query = { limit: 8, ...(text ? { search: text } : {}) };
      if (kind === 'customer') {
        const page = await answerOf(api.GET('/api/customers', { params: { query }, signal }));
        return page.items.map((item) => ({ id: item.id, name: item.name, detail: item.externalId }));
      }
      if (kind === 'integration') {
        const page = await answerOf(api.GET('/api/integrations', { params: { query }, signal }));
        return page.items.map((item) => ({ id: item.id, name: item.name, detail: item.category }));
      }
      const page = await answerOf(api.GET('/api/instances', { params: { query }, signal }));
      return page.items.map((item) => ({ id: item.id, name: item.name, detail: item.customer.name }));
    },
  });
  return { items: query.data ?? [], isFetching: query.isFetching, error: query.error };
}
