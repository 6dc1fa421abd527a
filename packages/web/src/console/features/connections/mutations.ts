import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { connectionKeys } from './keys.js';
import type { Connection, ConnectionKind } from './queries.js';

type Values = Record<string, string | number | boolean | null>;

/**
 * A change whose failure its own form or dialog shows, so the global error toast stays quiet; success awaits the
 * invalidation of what it changed (detail and list), then toasts.
 */
function useConnectionMutation<Variables, Answer>({
  run,
  invalidates,
  success,
}: {
  run: (variables: Variables) => Promise<Answer>;
  invalidates: (variables: Variables, answer: Answer) => QueryKey[];
  success?: (variables: Variables, answer: Answer) => string;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: async (answer, variables) => {
      await Promise.all(
        invalidates(variables, answer).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
      if (success) toast({ kind: 'success', message: success(variables, answer) });
    },
    onError: () => {},
  });
}

export interface NewConnection {
  stableKey: string;
  kind: ConnectionKind;
  name: string;
  description: string;
  component: string;
  connection: string;
  values?: Values;
}

export function useCreateConnection() {
  const { api } = useConsole();
  return useConnectionMutation({
    run: (body: NewConnection) => answerOf(api.POST('/api/connections', { body })),
    invalidates: () => [connectionKeys.all()],
    success: (_body, connection) => `Created connection ${connection.name}.`,
  });
}

export function useUpdateConnection(id: string) {
  const { api } = useConsole();
  return useConnectionMutation({
    run: (body: { name?: string; description?: string; values?: Values }) =>
      answerOf(api.PATCH('/api/connections/{id}', { params: { path: { id } }, body })),
    invalidates: () => [connectionKeys.all()],
    success: (body, connection) =>
      body.values ? `Saved the credentials of ${connection.name}.` : `Saved ${connection.name}.`,
  });
}

export function useDeleteConnection() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  return useConnectionMutation({
    run: async (connection: Connection) => {
      await answerOf(api.DELETE('/api/connections/{id}', { params: { path: { id: connection.id } } }));
      return connection;
    },
    invalidates: (connection) => {
      queryClient.removeQueries({ queryKey: connectionKeys.detail(connection.id) });
      return [connectionKeys.list(), connectionKeys.all()];
    },
    success: (connection) => `Deleted connection ${connection.name}.`,
  });
}

/** Sets (or adds) a customer's credentials of a per-customer connection: sharing the connection with it. */
export function useSetCustomerCredentials(id: string) {
  const { api } = useConsole();
  return useConnectionMutation({
    run: ({ customer, values }: { customer: string; values: Values }) =>
      answerOf(
        api.PUT('/api/connections/{id}/customers/{customer}', {
          params: { path: { id, customer } },
          body: { values },
        }),
      ),
    invalidates: () => [connectionKeys.all()],
    success: (_variables, answer) => `Saved the credentials of ${answer.customer.name}.`,
  });
}

export function useRemoveCustomerCredentials(id: string) {
  const { api } = useConsole();
  return useConnectionMutation({
    run: async ({ customer }: { customer: string; name: string }) => {
      await answerOf(
        api.DELETE('/api/connections/{id}/customers/{customer}', { params: { path: { id, customer } } }),
      );
    },
    invalidates: () => [connectionKeys.all()],
    success: ({ name }) => `Removed the credentials of ${name}.`,
  });
}

/** "Does it work?": the answer is shown where the button is; a failing connection is an answer, not an error. */
export function useTestConnection(id: string) {
  const { api } = useConsole();
  return useConnectionMutation({
    run: ({ customer, url }: { customer?: string; url?: string }) =>
      answerOf(
        api.POST('/api/connections/{id}/test', {
          params: { path: { id } },
          body: { ...(customer ? { customer } : {}), ...(url ? { url } : {}) },
        }),
      ),
    // A test may refresh a token or mark the connection failed: its status changes.
    invalidates: () => [connectionKeys.all()],
  });
}

export function useStartAuthorization(id: string) {
  const { api } = useConsole();
  return useMutation({
    mutationFn: ({ customer }: { customer?: string }) =>
      answerOf(
        api.POST('/api/connections/{id}/authorize', {
          params: { path: { id } },
          // The landing page tells the opener (this window) how it went, then closes the popup.
          body: { ...(customer ? { customer } : {}), returnTo: `${window.location.origin}/oauth2/complete` },
        }),
      ),
    onError: () => {},
  });
}
