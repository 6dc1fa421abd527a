import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ApiSchema } from '../../../shared/api.js';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type InstanceFilters, instanceKeys, pickerKeys } from './keys.js';

export type Instance = ApiSchema<'Instance'>;
export type InstanceDetail = ApiSchema<'InstanceDetail'>;
export type InstanceEndpoints = ApiSchema<'InstanceEndpoints'>;
export type FlowEndpoint = ApiSchema<'FlowEndpoint'>;
export type InstanceConnection = ApiSchema<'InstanceConnection'>;
export type Integration = ApiSchema<'Integration'>;
export type IntegrationVersion = ApiSchema<'IntegrationVersion'>;
export type Customer = ApiSchema<'Customer'>;
export type Execution = ApiSchema<'Execution'>;
export type ExecutionSummary = ApiSchema<'ExecutionSummary'>;

const pageSize = 50;

/** The API's filters for the list's status choice (unconfigured: never deployed). */
function statusQuery(status: InstanceFilters['status']): { enabled?: boolean; deployed?: boolean } {
  switch (status) {
    case 'deployed':
      return { enabled: true, deployed: true };
    case 'paused':
      return { enabled: false };
    case 'unconfigured':
      return { deployed: false };
    case 'active':
      return { enabled: true };
    default:
      return {};
  }
}

export function useInstanceList(filters: InstanceFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: instanceKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/instances', {
          params: {
            query: {
              limit: pageSize,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filters.customer ? { customer: filters.customer } : {}),
              ...(filters.integration ? { integration: filters.integration } : {}),
              ...(filters.search ? { search: filters.search } : {}),
              ...statusQuery(filters.status),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useInstance(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: instanceKeys.detail(id),
    queryFn: ({ signal }) => answerOf(api.GET('/api/instances/{id}', { params: { path: { id } }, signal })),
  });
}

export function useInstanceFlows(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: instanceKeys.flows(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/instances/{id}/flows', { params: { path: { id } }, signal })),
  });
}

export function useInstanceConnections(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: instanceKeys.connections(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/instances/{id}/connections', { params: { path: { id } }, signal })),
  });
}

/** The instance's newest executions (the list route answers newest first). */
export function useRecentExecutions(id: string, limit = 5) {
  const { api } = useConsole();
  return useQuery({
    queryKey: instanceKeys.executions(id, limit),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/executions', { params: { query: { instance: id, limit } }, signal })),
  });
}

/** A test run's execution, polled until it ends (its steps are shown by ExecutionDetail; this is for the response). */
export function useTestRunExecution(executionId: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: instanceKeys.testRun(executionId ?? ''),
    enabled: executionId !== undefined,
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/executions/{id}', { params: { path: { id: executionId as string } }, signal })),
    refetchInterval: (query) => {
      if (query.state.status === 'error') return false;
      const status = query.state.data?.status;
      return status === 'queued' || status === 'running' || status === undefined ? 1_000 : false;
    },
  });
}

/**
 * Every integration of the organization, by id: names for the filter and the newest version of each for the
 * "new version available" marker. One request of up to 200 (organizations have tens, not thousands).
 */
export function useIntegrationIndex() {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.integrationIndex(),
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const page = await answerOf(
        api.GET('/api/integrations', { params: { query: { limit: 200 } }, signal }),
      );
      return new Map(page.items.map((integration) => [integration.id, integration]));
    },
  });
}

export function useIntegrationVersions(integrationId: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.versions(integrationId ?? ''),
    enabled: Boolean(integrationId),
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/integrations/{id}/versions', {
          params: { path: { id: integrationId as string } },
          signal,
        }),
      ),
  });
}

export function useCustomerSearch(search: string, enabled = true) {
  const { api } = useConsole();
  return useQuery({
    enabled,
    queryKey: pickerKeys.customers(search),
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/customers', {
          params: { query: { limit: 20, ...(search ? { search } : {}) } },
          signal,
        }),
      ),
  });
}

export function useCustomer(id: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.customer(id ?? ''),
    enabled: Boolean(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/customers/{id}', { params: { path: { id: id as string } }, signal })),
  });
}

export function useIntegrationSearch(search: string, enabled = true) {
  const { api } = useConsole();
  return useQuery({
    enabled,
    queryKey: pickerKeys.integrations(search),
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/integrations', {
          params: { query: { limit: 20, ...(search ? { search } : {}) } },
          signal,
        }),
      ),
  });
}

export function useIntegration(id: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.integration(id ?? ''),
    enabled: Boolean(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/integrations/{id}', { params: { path: { id: id as string } }, signal })),
  });
}
