import { useMutation, useQueryClient } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { instanceKeys } from './keys.js';

/** After a change to one instance: its page (facts, flows, connections) and every list show the new state. */
function useInvalidateInstance() {
  const queryClient = useQueryClient();
  return (id: string) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: instanceKeys.detail(id) }),
      queryClient.invalidateQueries({ queryKey: instanceKeys.lists() }),
      queryClient.invalidateQueries({ queryKey: ['wizard', id] }),
    ]);
}

export interface CreateInstanceInput {
  customerId: string;
  integrationId: string;
  versionNumber?: number;
  name: string;
  description?: string;
}

export function useCreateInstance() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: (body: CreateInstanceInput) => answerOf(api.POST('/api/instances', { body })),
    onSuccess: async (instance) => {
      await queryClient.invalidateQueries({ queryKey: instanceKeys.lists() });
      toast({ kind: 'success', message: `Created ${instance.name} for ${instance.customer.name}` });
    },
  });
}

export function useDeployInstance() {
  const { api } = useConsole();
  const invalidate = useInvalidateInstance();
  const toast = useToast();
  return useMutation({
    mutationFn: (id: string) =>
      answerOf(api.POST('/api/instances/{id}/deploy', { params: { path: { id } } })),
    onSuccess: async (outcome, id) => {
      await invalidate(id);
      toast({ kind: 'success', message: `Deployed version ${outcome.deployedVersionNumber}` });
    },
  });
}

export function useSetPaused() {
  const { api } = useConsole();
  const invalidate = useInvalidateInstance();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ id, paused }: { id: string; paused: boolean }) =>
      answerOf(
        paused
          ? api.POST('/api/instances/{id}/pause', { params: { path: { id } } })
          : api.POST('/api/instances/{id}/unpause', { params: { path: { id } } }),
      ),
    onSuccess: async (instance, { id, paused }) => {
      await invalidate(id);
      toast({ kind: 'success', message: paused ? `Paused ${instance.name}` : `Unpaused ${instance.name}` });
    },
  });
}

export function useUpgradeInstance() {
  const { api } = useConsole();
  const invalidate = useInvalidateInstance();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ id, versionNumber }: { id: string; versionNumber?: number }) =>
      answerOf(
        api.POST('/api/instances/{id}/upgrade', {
          params: { path: { id } },
          body: versionNumber ? { versionNumber } : {},
        }),
      ),
    onSuccess: async (outcome, { id }) => {
      await invalidate(id);
      toast({
        kind: 'success',
        message: outcome.deployed
          ? `Upgraded to version ${outcome.instance.versionNumber} and deployed`
          : `Set to version ${outcome.instance.versionNumber}`,
      });
    },
    // A new variable without a value: the version is set but not deployed, so the page must show that too.
    onError: async (_error, { id }) => {
      await invalidate(id);
    },
  });
}

export function useDeleteInstance() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ id }: { id: string; name: string }) =>
      answerOf(api.DELETE('/api/instances/{id}', { params: { path: { id } } })),
    onSuccess: async (_outcome, { id, name }) => {
      queryClient.removeQueries({ queryKey: instanceKeys.detail(id) });
      await queryClient.invalidateQueries({ queryKey: instanceKeys.lists() });
      toast({ kind: 'success', message: `Deleted ${name}` });
    },
  });
}

export function useSetApiKeys() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ id, apiKeys }: { id: string; apiKeys: string[] | 'rotate' }) =>
      answerOf(
        apiKeys === 'rotate'
          ? api.POST('/api/instances/{id}/api-keys/rotate', { params: { path: { id } } })
          : api.PUT('/api/instances/{id}/api-keys', { params: { path: { id } }, body: { apiKeys } }),
      ),
    onSuccess: async (_answer, { id, apiKeys }) => {
      await queryClient.invalidateQueries({ queryKey: instanceKeys.flows(id) });
      toast({ kind: 'success', message: apiKeys === 'rotate' ? 'API key rotated' : 'API keys saved' });
    },
  });
}

export interface TestRunInput {
  id: string;
  flow: string;
  payload: unknown;
  contentType: string;
  headers: Record<string, string>;
  encoding?: 'base64';
}

export function useTestRun() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, flow, payload, contentType, headers, encoding }: TestRunInput) =>
      answerOf(
        api.POST('/api/instances/{id}/flows/{flowName}/test', {
          params: { path: { id, flowName: flow } },
          body: { payload, contentType, headers, ...(encoding ? { encoding } : {}) },
        }),
      ),
    onSuccess: async (_queued, { id }) => {
      await queryClient.invalidateQueries({ queryKey: [...instanceKeys.detail(id), 'executions'] });
    },
  });
}
