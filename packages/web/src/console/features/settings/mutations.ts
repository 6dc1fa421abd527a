import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import type { paths } from '@weft/client';
import { type ApiSchema, answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { eventWebhookKeys, logStreamKeys, settingsKeys } from './keys.js';

type Role = ApiSchema<'User'>['role'];
type EmbedTheme = ApiSchema<'EmbedTheme'>;

/**
 * A change whose failure its own form or dialog shows (at the field, or above the buttons), so the global
 * "unhandled mutation error" toast stays quiet; success invalidates what it changed, waits for that, then toasts.
 */
function useSettingsMutation<Variables, Answer>({
  run,
  invalidates,
  success,
}: {
  run: (variables: Variables) => Promise<Answer>;
  invalidates: (variables: Variables, answer: Answer) => QueryKey[];
  success?: (variables: Variables, answer: Answer) => string | undefined;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: async (answer, variables) => {
      await Promise.all(
        invalidates(variables, answer).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
      const message = success?.(variables, answer);
      if (message) toast({ kind: 'success', message });
    },
    onError: () => {},
  });
}

export function useRenameOrganization() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (name: string) => answerOf(api.PATCH('/api/organization', { body: { name } })),
    invalidates: () => [settingsKeys.organization()],
    success: () => 'Organization renamed. Everyone sees the new name when they next load the console.',
  });
}

export function useInviteUser() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: { email: string; name: string; role: Role }) => answerOf(api.POST('/api/users', { body })),
    invalidates: () => [settingsKeys.users()],
    success: (body) => `Invited ${body.email}.`,
  });
}

export function useChangeUserRole() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: ({ id, role }: { id: string; role: Role; email: string }) =>
      answerOf(api.PATCH('/api/users/{id}', { params: { path: { id } }, body: { role } })),
    invalidates: () => [settingsKeys.users(), settingsKeys.tokens()],
    success: ({ email, role }) => `${email} is now ${role}.`,
  });
}

export function useResendInvitation() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.POST('/api/users/{id}/invitation', { params: { path: { id } } })),
    invalidates: () => [settingsKeys.users()],
  });
}

export function useRemoveUser() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.DELETE('/api/users/{id}', { params: { path: { id } } })),
    invalidates: () => [settingsKeys.users(), settingsKeys.tokens()],
    success: (_id, user) => `Removed ${user.email}.`,
  });
}

export function useCreateOrgToken() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: { name: string; role: Role; forMe?: boolean; userId?: string | null }) =>
      answerOf(api.POST('/api/tokens', { body })),
    invalidates: () => [settingsKeys.tokens()],
  });
}

export function useRevokeOrgToken() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    invalidates: () => [settingsKeys.tokens()],
    success: (_id, token) => `Revoked the token “${token.name}”. It stopped working.`,
  });
}

export function useCreateMyToken() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: { name: string; role?: Role }) => answerOf(api.POST('/api/users/me/tokens', { body })),
    invalidates: () => [settingsKeys.tokens()],
  });
}

export function useRevokeMyToken() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.DELETE('/api/users/me/tokens/{id}', { params: { path: { id } } })),
    invalidates: () => [settingsKeys.tokens()],
    success: (_id, token) => `Revoked the token “${token.name}”. It stopped working.`,
  });
}

export function useGenerateSigningKey() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (bits: 2048 | 4096) => answerOf(api.POST('/api/signing-keys', { body: { bits } })),
    invalidates: () => [settingsKeys.signingKeys(), settingsKeys.organization()],
  });
}

export function useImportSigningKey() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (publicKey: string) => answerOf(api.POST('/api/signing-keys/import', { body: { publicKey } })),
    invalidates: () => [settingsKeys.signingKeys(), settingsKeys.organization()],
    success: () => 'Public key imported. JWTs signed with its private key are accepted now.',
  });
}

export function useDeactivateSigningKey() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) =>
      answerOf(api.POST('/api/signing-keys/{id}/deactivate', { params: { path: { id } } })),
    invalidates: () => [settingsKeys.signingKeys(), settingsKeys.organization()],
    success: () => 'Signing key deactivated. JWTs signed with it are refused from now on.',
  });
}

export function useSaveEmbedding() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: { allowedOrigins?: string[]; theme?: EmbedTheme }) =>
      answerOf(api.PUT('/api/organization/embedding', { body })),
    invalidates: () => [settingsKeys.embedding()],
    success: () => 'Embedding settings saved. Embedded pages use them from their next load.',
  });
}

export function useSaveSso() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: {
      issuer: string;
      clientId: string;
      clientSecret?: string | null;
      defaultRole: Role;
      allowedDomains: string[];
      enabled: boolean;
    }) => answerOf(api.PUT('/api/organization/sso', { body })),
    invalidates: () => [settingsKeys.sso()],
    success: () => 'Single sign-on settings saved.',
  });
}

export function useRemoveSso() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: () => answerOf(api.DELETE('/api/organization/sso')),
    invalidates: () => [settingsKeys.sso()],
    success: () => 'Single sign-on removed. Linked users sign in with a password, if they have one.',
  });
}

export function useRotateEncryptionKeys() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: () => answerOf(api.POST('/api/encryption-keys/rotate')),
    invalidates: () => [settingsKeys.encryptionKeys()],
    success: (_v, rotation) =>
      `Rotated: ${rotation.newDataKeyId} is active; ${rotation.reEncryptedValues} values re-encrypted.`,
  });
}

export function useChangePassword() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: { currentPassword?: string; newPassword: string }) =>
      answerOf(api.PUT('/api/users/me/password', { body })),
    invalidates: () => [settingsKeys.me()],
    success: () => 'Password changed. Your other sessions have ended.',
  });
}

export function useSignOutEverywhere() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: () => answerOf(api.POST('/api/auth/sign-out-everywhere')),
    invalidates: () => [],
  });
}

type JsonBody<Path extends keyof paths, Method extends 'post' | 'patch'> = paths[Path][Method] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
export type EventWebhookCreateBody = JsonBody<'/api/event-webhooks', 'post'>;
export type EventWebhookUpdateBody = JsonBody<'/api/event-webhooks/{id}', 'patch'>;
export type LogStreamCreateBody = JsonBody<'/api/log-streams', 'post'>;
export type LogStreamUpdateBody = JsonBody<'/api/log-streams/{id}', 'patch'>;

export function useCreateEventWebhook() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: EventWebhookCreateBody) => answerOf(api.POST('/api/event-webhooks', { body })),
    invalidates: () => [eventWebhookKeys.list()],
    success: (_body, created) => `Event webhook “${created.name}” created.`,
  });
}

export function useUpdateEventWebhook() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: ({ id, body }: { id: string; body: EventWebhookUpdateBody }) =>
      answerOf(api.PATCH('/api/event-webhooks/{id}', { params: { path: { id } }, body })),
    invalidates: ({ id }) => [eventWebhookKeys.list(), eventWebhookKeys.detail(id)],
    success: (_v, webhook) => `Event webhook “${webhook.name}” saved.`,
  });
}

/** Only the list is read again: the deleted webhook's own page is being left, and reading it would 404. */
export function useDeleteEventWebhook() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.DELETE('/api/event-webhooks/{id}', { params: { path: { id } } })),
    invalidates: () => [eventWebhookKeys.list()],
    success: (_id, webhook) => `Event webhook “${webhook.name}” deleted.`,
  });
}

/** Answers the test delivery; its outcome is shown where the button is, so no toast. */
export function useTestEventWebhook() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.POST('/api/event-webhooks/{id}/test', { params: { path: { id } } })),
    invalidates: (id) => [eventWebhookKeys.deliveries(id)],
  });
}

export function useRetryEventWebhookDelivery() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: ({ id, deliveryId }: { id: string; deliveryId: string }) =>
      answerOf(
        api.POST('/api/event-webhooks/{id}/deliveries/{deliveryId}/retry', {
          params: { path: { id, deliveryId } },
        }),
      ),
    invalidates: ({ id }) => [eventWebhookKeys.deliveries(id)],
    success: (_v, delivery) => `The ${delivery.eventType} delivery is queued again, with fresh attempts.`,
  });
}

export function useCreateLogStream() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (body: LogStreamCreateBody) => answerOf(api.POST('/api/log-streams', { body })),
    invalidates: () => [logStreamKeys.list()],
    success: (_body, created) => `Log stream “${created.name}” created.`,
  });
}

export function useUpdateLogStream() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: ({ id, body }: { id: string; body: LogStreamUpdateBody }) =>
      answerOf(api.PATCH('/api/log-streams/{id}', { params: { path: { id } }, body })),
    invalidates: ({ id }) => [logStreamKeys.list(), logStreamKeys.detail(id)],
    success: (_v, stream) => `Log stream “${stream.name}” saved.`,
  });
}

/** Only the list is read again: the deleted stream's own page is being left, and reading it would 404. */
export function useDeleteLogStream() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.DELETE('/api/log-streams/{id}', { params: { path: { id } } })),
    invalidates: () => [logStreamKeys.list()],
    success: (_id, stream) => `Log stream “${stream.name}” deleted. Its backlog was dropped with it.`,
  });
}

/** A delivered test retries the stream's backlog at once, so its status is read again. */
export function useTestLogStream() {
  const { api } = useConsole();
  return useSettingsMutation({
    run: (id: string) => answerOf(api.POST('/api/log-streams/{id}/test', { params: { path: { id } } })),
    invalidates: (id) => [logStreamKeys.list(), logStreamKeys.detail(id)],
  });
}
