import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiSchema } from '../../../shared/api.js';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { integrationKeys } from './keys.js';

export type MarketplaceUpdate = ApiSchema<'MarketplaceSettingsUpdate'>;

/**
 * The section's changes. Each awaits the invalidation of what it changed (the integration and the lists) before it
 * resolves, so the screen that navigates or closes a dialog next already shows the new state.
 */
function useInvalidate() {
  const queryClient = useQueryClient();
  return async (id?: string) => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: integrationKeys.lists() }),
      id ? queryClient.invalidateQueries({ queryKey: integrationKeys.detail(id) }) : undefined,
    ]);
  };
}

/** Imports YAML: creates an integration, or replaces the draft of `integrationId`. */
export function useImportIntegration() {
  const { api } = useConsole();
  const invalidate = useInvalidate();
  const toast = useToast();
  return useMutation({
    mutationFn: (input: { definition: string; fileName?: string; integrationId?: string }) =>
      answerOf(api.POST('/api/integrations/import', { body: input })),
    // The screen shows the error where it happened (the form, the dialog): no toast as well.
    onError: () => {},
    onSuccess: async (answer) => {
      await invalidate(answer.id);
      toast({
        kind: 'success',
        message: answer.created ? `Imported ${answer.name}` : `Replaced the draft of ${answer.name}`,
      });
    },
  });
}

export function usePublishIntegration(id: string) {
  const { api } = useConsole();
  const invalidate = useInvalidate();
  const toast = useToast();
  return useMutation({
    mutationFn: (comment: string) =>
      answerOf(api.POST('/api/integrations/{id}/publish', { params: { path: { id } }, body: { comment } })),
    // The screen shows the error where it happened (the form, the dialog): no toast as well.
    onError: () => {},
    onSuccess: async (version) => {
      await invalidate(id);
      toast({ kind: 'success', message: `Published version ${version.versionNumber}` });
    },
  });
}

export function useSetVersionAvailable(id: string) {
  const { api } = useConsole();
  const invalidate = useInvalidate();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ versionNumber, available }: { versionNumber: number; available: boolean }) =>
      answerOf(
        api.PATCH('/api/integrations/{id}/versions/{versionNumber}', {
          params: { path: { id, versionNumber } },
          body: { available },
        }),
      ),
    onSuccess: async (version) => {
      await invalidate(id);
      toast({
        kind: 'success',
        message: `Version ${version.versionNumber} is now ${version.available ? 'available' : 'unavailable'}`,
      });
    },
    onError: (error) => toast({ kind: 'error', message: error.message }),
  });
}

export function useForkIntegration(id: string) {
  const { api } = useConsole();
  const invalidate = useInvalidate();
  const toast = useToast();
  return useMutation({
    mutationFn: (body: { name: string; description?: string }) =>
      answerOf(api.POST('/api/integrations/{id}/fork', { params: { path: { id } }, body })),
    // The screen shows the error where it happened (the form, the dialog): no toast as well.
    onError: () => {},
    onSuccess: async (fork) => {
      await invalidate();
      toast({ kind: 'success', message: `Forked into ${fork.name}` });
    },
  });
}

export function useDeleteIntegration(id: string) {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ force }: { force: boolean; name: string }) =>
      answerOf(
        api.DELETE('/api/integrations/{id}', { params: { path: { id }, query: force ? { force } : {} } }),
      ),
    // The screen shows the error where it happened (the form, the dialog): no toast as well.
    onError: () => {},
    onSuccess: async (_answer, { name }) => {
      queryClient.removeQueries({ queryKey: integrationKeys.detail(id) });
      await queryClient.invalidateQueries({ queryKey: integrationKeys.lists() });
      toast({ kind: 'success', message: `Deleted ${name}` });
    },
  });
}

export function useUpdateMarketplace(id: string) {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const invalidate = useInvalidate();
  const toast = useToast();
  return useMutation({
    mutationFn: (body: MarketplaceUpdate) =>
      answerOf(api.PUT('/api/integrations/{id}/marketplace', { params: { path: { id } }, body })),
    // The screen shows the error where it happened (the form, the dialog): no toast as well.
    onError: () => {},
    onSuccess: async (settings) => {
      queryClient.setQueryData(integrationKeys.marketplace(id), settings);
      await invalidate(id);
      toast({ kind: 'success', message: 'Saved the marketplace settings' });
    },
  });
}

/** The YAML of the draft (no version) or of a published version, as the export route answers it. */
export function useExportYaml(id: string) {
  const { api } = useConsole();
  return (version?: number) =>
    answerOf(
      api.GET('/api/integrations/{id}/export', {
        params: { path: { id }, query: version ? { version } : {} },
        parseAs: 'text',
      }),
    ) as Promise<string>;
}
