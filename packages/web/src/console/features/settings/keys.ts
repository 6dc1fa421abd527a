/**
 * Query keys of the settings section, hierarchical so one invalidation reaches a list and everything under it.
 * Every input of a query (search, role, filters) is part of its key.
 */
export interface UserFilters {
  search: string;
  role: string;
}

export interface AuditFilters {
  actor: string;
  action: string;
  targetType: string;
  since: string;
  until: string;
}

export const settingsKeys = {
  organization: () => ['organization'] as const,
  embedding: () => ['organization', 'embedding'] as const,
  sso: () => ['organization', 'sso'] as const,
  users: () => ['users'] as const,
  userList: (filters: UserFilters) => ['users', 'list', filters] as const,
  me: () => ['users', 'me'] as const,
  tokens: () => ['tokens'] as const,
  tokenList: (includeRevoked: boolean) => ['tokens', 'list', { includeRevoked }] as const,
  myTokens: () => ['tokens', 'mine'] as const,
  myTokenList: (includeRevoked: boolean) => ['tokens', 'mine', { includeRevoked }] as const,
  signingKeys: () => ['signing-keys'] as const,
  encryptionKeys: () => ['encryption-keys'] as const,
  audit: () => ['audit-events'] as const,
  auditList: (filters: AuditFilters) => ['audit-events', 'list', filters] as const,
};

/** Event webhooks (monitoring): the list, each webhook, and its delivery log by status filter. */
export type EventWebhookDeliveryStatus = '' | 'pending' | 'delivered' | 'failed';

export const eventWebhookKeys = {
  all: () => ['event-webhooks'] as const,
  list: () => ['event-webhooks', 'list'] as const,
  detail: (id: string) => ['event-webhooks', 'detail', id] as const,
  deliveries: (id: string) => ['event-webhooks', 'detail', id, 'deliveries'] as const,
  deliveryList: (id: string, status: EventWebhookDeliveryStatus) =>
    ['event-webhooks', 'detail', id, 'deliveries', { status }] as const,
  // Outside 'event-webhooks': the catalog never changes with a webhook, so no invalidation should refetch it.
  eventTypes: () => ['event-types'] as const,
};

/** Log streams (monitoring): the list and each stream (its status included). */
export const logStreamKeys = {
  all: () => ['log-streams'] as const,
  list: () => ['log-streams', 'list'] as const,
  detail: (id: string) => ['log-streams', 'detail', id] as const,
  presets: () => ['log-stream-presets'] as const,
};
