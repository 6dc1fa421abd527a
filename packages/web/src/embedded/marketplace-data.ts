/** The marketplace's data: query keys, queries and mutations, and the event data the host hears about instances. */

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WeftClient } from '@weft/client';
import type { InstanceEventData, MarketplaceFilters } from '@weft/embed/protocol';
import { type ApiSchema, answerOf } from '../shared/api.js';
import { useEmbeddedApp } from './embedded-app-context.js';

export type MarketplaceIntegration = ApiSchema<'MarketplaceIntegration'>;
export type MarketplaceInstance = ApiSchema<'MarketplaceInstance'>;

export const marketplaceKeys = {
  all: ['marketplace'] as const,
  list: (filters: MarketplaceListFilters) => ['marketplace', 'list', filters] as const,
  item: (integrationId: string) => ['marketplace', 'item', integrationId] as const,
  icon: (iconUrl: string) => ['marketplace', 'icon', iconUrl] as const,
};

export type MarketplaceListFilters = MarketplaceFilters & { search?: string };

/** The marketplace list as the screen asks for it (also prefetched while the page signs in). */
export function fetchMarketplaceList(api: WeftClient, filters: MarketplaceListFilters, signal?: AbortSignal) {
  return answerOf(
    api.GET('/api/marketplace', {
      params: {
        query: {
          ...(filters.category ? { category: filters.category } : {}),
          ...(filters.labels?.length ? { label: filters.labels } : {}),
          ...(filters.search ? { search: filters.search } : {}),
          ...(filters.includeActive !== false ? { includeActive: true } : {}),
        },
      },
      ...(signal ? { signal } : {}),
    }),
  );
}

/** The filters the marketplace screen starts with, from the host's `filters`: its query key. */
export function initialMarketplaceFilters(filters: MarketplaceFilters | undefined): MarketplaceListFilters {
  return { ...(filters ?? {}), search: (filters?.search ?? '').trim() };
}

export function useMarketplaceList(filters: MarketplaceListFilters) {
  const { api } = useEmbeddedApp();
  return useQuery({
    queryKey: marketplaceKeys.list(filters),
    queryFn: ({ signal }) => fetchMarketplaceList(api, filters, signal),
    placeholderData: (previous) => previous,
  });
}

export function useMarketplaceItem(integrationId: string) {
  const { api } = useEmbeddedApp();
  return useQuery({
    queryKey: marketplaceKeys.item(integrationId),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/marketplace/{integrationId}', { params: { path: { integrationId } }, signal })),
  });
}

/** The icon as an object URL: icons need the session's credentials, which an `<img src>` cannot send. */
export function useIcon(iconUrl: string | null) {
  const { session } = useEmbeddedApp();
  return useQuery({
    queryKey: marketplaceKeys.icon(iconUrl ?? ''),
    enabled: iconUrl !== null,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async ({ signal }) => {
      const response = await fetch(iconUrl as string, {
        headers: { authorization: session.authorization() ?? '' },
        signal,
      });
      if (!response.ok) return null;
      return URL.createObjectURL(await response.blob());
    },
  });
}

export function useActivate() {
  const { api, emit, identity, readOnly } = useEmbeddedApp();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (integrationId: string) => {
      if (readOnly) throw new Error('read-only');
      return answerOf(
        api.POST('/api/marketplace/{integrationId}/activate', {
          params: { path: { integrationId } },
          body: {},
        }),
      );
    },
    onSuccess: async (activation) => {
      await queryClient.invalidateQueries({ queryKey: marketplaceKeys.all });
      emit('INSTANCE_CREATED', {
        customerId: activation.customer.id,
        customerName: activation.customer.name,
        integrationName: activation.integration.name,
        integrationVersionNumber: activation.instance.versionNumber,
        instanceId: activation.instance.id,
        instanceName: activation.instance.name,
        readOnly: false,
      });
      void identity;
    },
  });
}

/** Pause, unpause or deactivate (delete) an instance from the marketplace. */
export function useInstanceAction() {
  const { api, emit, identity } = useEmbeddedApp();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({
      action,
      instance,
      integration,
    }: {
      action: 'pause' | 'unpause' | 'delete' | 'upgrade';
      instance: MarketplaceInstance;
      integration: MarketplaceIntegration;
    }) => {
      const path = { params: { path: { id: instance.id } } };
      if (action === 'delete') await answerOf(api.DELETE('/api/instances/{id}', path));
      else if (action === 'pause') await answerOf(api.POST('/api/instances/{id}/pause', path));
      else if (action === 'unpause') await answerOf(api.POST('/api/instances/{id}/unpause', path));
      else await answerOf(api.POST('/api/instances/{id}/upgrade', { ...path, body: {} }));
      return { action, instance, integration };
    },
    onSuccess: async ({ action, instance, integration }) => {
      await queryClient.invalidateQueries({ queryKey: marketplaceKeys.all });
      if (action === 'delete') emit('INSTANCE_DELETED', instanceEventData(identity, integration, instance));
    },
  });
}

export function instanceEventData(
  identity: ReturnType<typeof useEmbeddedApp>['identity'],
  integration: { name: string },
  instance: { id: string; name: string; versionNumber: number },
  readOnly = false,
): InstanceEventData {
  return {
    customerId: identity.customer?.id ?? '',
    customerName: identity.customer?.name ?? '',
    integrationName: integration.name,
    integrationVersionNumber: instance.versionNumber,
    instanceId: instance.id,
    instanceName: instance.name,
    readOnly,
  };
}
