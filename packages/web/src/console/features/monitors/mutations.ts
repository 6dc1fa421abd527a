import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { alertKeys } from './keys.js';
import type { AlertGroup, AlertMonitor, AlertWebhook, PresetKey } from './queries.js';

/**
 * A change whose failure its own form or dialog shows (at the field, or above the buttons), so the global error
 * toast stays quiet; success awaits the invalidation of what it changed (detail and lists), then toasts.
 */
function useAlertMutation<Variables, Answer>({
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

// Monitors ---------------------------------------------------------------------------------------------------

export interface MonitorSettings {
  name: string;
  flow: string | null;
  triggers: string[];
  groups: string[];
  durationThresholdMs: number | null;
  overdueIntervalSeconds: number | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | null;
  enabled?: boolean;
}

export interface MonitorScope {
  instance: string | null;
  integration: string | null;
  customer: string | null;
}

export function useCreateMonitor() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (body: MonitorSettings & MonitorScope) => answerOf(api.POST('/api/alert-monitors', { body })),
    invalidates: () => [alertKeys.monitors(), alertKeys.groups()],
    success: (_body, monitor) => `Created monitor ${monitor.name}.`,
  });
}

export function useUpdateMonitor(id: string) {
  const { api } = useConsole();
  return useAlertMutation({
    run: (body: Partial<MonitorSettings>) =>
      answerOf(api.PATCH('/api/alert-monitors/{id}', { params: { path: { id } }, body })),
    invalidates: () => [alertKeys.monitor(id), alertKeys.monitors(), alertKeys.groups()],
    success: (body, monitor) =>
      body.enabled !== undefined && Object.keys(body).length === 1
        ? `${monitor.enabled ? 'Enabled' : 'Disabled'} ${monitor.name}.`
        : `Saved ${monitor.name}.`,
  });
}

export function useDeleteMonitor() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  return useAlertMutation({
    run: async (monitor: AlertMonitor) => {
      await answerOf(api.DELETE('/api/alert-monitors/{id}', { params: { path: { id: monitor.id } } }));
      return monitor;
    },
    invalidates: (monitor) => {
      queryClient.removeQueries({ queryKey: alertKeys.monitor(monitor.id) });
      return [alertKeys.monitors(), alertKeys.events(), alertKeys.groups()];
    },
    success: (monitor) => `Deleted monitor ${monitor.name}.`,
  });
}

/** Clears every open event of a monitor ("someone is on it"). */
export function useClearMonitor() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (monitor: AlertMonitor) =>
      answerOf(api.POST('/api/alert-monitors/{id}/clear', { params: { path: { id: monitor.id } } })),
    invalidates: () => [alertKeys.monitors(), alertKeys.events()],
    success: (monitor, answer) =>
      `Cleared ${answer.cleared} event${answer.cleared === 1 ? '' : 's'} of ${monitor.name}.`,
  });
}

export function useClearEvent() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (eventId: string) =>
      answerOf(api.POST('/api/alert-events/{id}/clear', { params: { path: { id: eventId } } })),
    invalidates: () => [alertKeys.events(), alertKeys.monitors()],
    success: () => 'Cleared the event.',
  });
}

/** Sends a failed delivery again now; its event or webhook log shows the new outcome. */
export function useRetryDelivery() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (deliveryId: string) =>
      answerOf(api.POST('/api/alert-deliveries/{id}/retry', { params: { path: { id: deliveryId } } })),
    invalidates: () => [alertKeys.events(), alertKeys.webhooks()],
    success: (_id, delivery) =>
      delivery.status === 'delivered'
        ? 'Delivered.'
        : delivery.status === 'pending'
          ? 'Queued the delivery again.'
          : 'The retry failed too: see its error.',
  });
}

// Groups -----------------------------------------------------------------------------------------------------

export interface GroupFields {
  name: string;
  users: string[];
  webhooks: string[];
}

export function useSaveGroup(group?: AlertGroup) {
  const { api } = useConsole();
  return useAlertMutation({
    run: (body: GroupFields) =>
      group
        ? answerOf(api.PATCH('/api/alert-groups/{id}', { params: { path: { id: group.id } }, body }))
        : answerOf(api.POST('/api/alert-groups', { body })),
    invalidates: () => [alertKeys.groups(), alertKeys.monitors()],
    success: (_body, saved) => (group ? `Saved ${saved.name}.` : `Created alert group ${saved.name}.`),
  });
}

export function useDeleteGroup() {
  const { api } = useConsole();
  return useAlertMutation({
    run: async (group: AlertGroup) => {
      await answerOf(api.DELETE('/api/alert-groups/{id}', { params: { path: { id: group.id } } }));
      return group;
    },
    invalidates: () => [alertKeys.groups(), alertKeys.monitors()],
    success: (group) => `Deleted alert group ${group.name}.`,
  });
}

/** A sample alert to a group's people and webhooks; the answer (each delivery's outcome) is shown where asked. */
export function useTestGroup() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (id: string) => answerOf(api.POST('/api/alert-groups/{id}/test', { params: { path: { id } } })),
    invalidates: () => [alertKeys.webhooks()],
  });
}

// Webhooks ---------------------------------------------------------------------------------------------------

export interface WebhookFields {
  name?: string;
  url?: string;
  preset?: PresetKey;
  payloadTemplate?: string;
  headers?: Record<string, string> | null;
  signingSecret?: string | null;
  generateSigningSecret?: boolean;
}

export function useSaveWebhook(webhook?: AlertWebhook) {
  const { api } = useConsole();
  return useAlertMutation({
    run: (body: WebhookFields) =>
      webhook
        ? answerOf(api.PATCH('/api/alert-webhooks/{id}', { params: { path: { id: webhook.id } }, body }))
        : answerOf(
            api.POST('/api/alert-webhooks', {
              body: {
                name: body.name ?? '',
                url: body.url ?? '',
                ...(body.preset ? { preset: body.preset } : {}),
                ...(body.payloadTemplate ? { payloadTemplate: body.payloadTemplate } : {}),
                ...(body.headers ? { headers: body.headers } : {}),
                ...(body.signingSecret ? { signingSecret: body.signingSecret } : {}),
                ...(body.generateSigningSecret ? { generateSigningSecret: true } : {}),
              },
            }),
          ),
    invalidates: () => [alertKeys.webhooks(), alertKeys.groups()],
    success: (_body, saved) => (webhook ? `Saved ${saved.name}.` : `Created alert webhook ${saved.name}.`),
  });
}

export function useDeleteWebhook() {
  const { api } = useConsole();
  return useAlertMutation({
    run: async (webhook: AlertWebhook) => {
      await answerOf(api.DELETE('/api/alert-webhooks/{id}', { params: { path: { id: webhook.id } } }));
      return webhook;
    },
    invalidates: () => [alertKeys.webhooks(), alertKeys.groups()],
    success: (webhook) => `Deleted alert webhook ${webhook.name}.`,
  });
}

export function useTestWebhook() {
  const { api } = useConsole();
  return useAlertMutation({
    run: (id: string) => answerOf(api.POST('/api/alert-webhooks/{id}/test', { params: { path: { id } } })),
    invalidates: (id) => [alertKeys.webhookDeliveries(id)],
  });
}
