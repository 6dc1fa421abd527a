import { useMutation, useQueryClient } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { executionKeys } from './keys.js';

/** Replays an execution with its original request; answers the new execution's id. */
export function useReplayExecution(executionId: string) {
  const { api } = useConsole();
  const client = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: (options: { sameVersion: boolean }) =>
      answerOf(
        api.POST('/api/executions/{id}/replay', {
          params: { path: { id: executionId }, query: options.sameVersion ? { sameVersion: true } : {} },
        }),
      ),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: executionKeys.detail(executionId) }),
        client.invalidateQueries({ queryKey: executionKeys.lists() }),
      ]);
      toast({ kind: 'success', message: 'Replay queued' });
    },
  });
}

export function useCancelExecution(executionId: string) {
  const { api } = useConsole();
  const client = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: () =>
      answerOf(api.POST('/api/executions/{id}/cancel', { params: { path: { id: executionId } } })),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: executionKeys.detail(executionId) }),
        client.invalidateQueries({ queryKey: executionKeys.lists() }),
      ]);
      toast({ kind: 'success', message: 'Execution cancelled' });
    },
  });
}
