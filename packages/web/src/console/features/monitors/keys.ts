/**
 * Query keys of the monitors section (alerting), hierarchical under `alerts` so one invalidation reaches a monitor
 * and everything about it (its events, the lists it shows in). Every input of a query is part of its key.
 */
export interface MonitorFilters {
  instance?: string;
  /** Monitors watching this instance: its own and the defaults that cover it. */
  covering?: string;
  triggered?: boolean;
  search?: string;
}

export interface EventFilters {
  monitor?: string;
  open?: boolean;
}

export const alertKeys = {
  all: () => ['alerts'] as const,
  /** The trigger catalog and the webhook presets change only with Weft itself. */
  triggers: () => ['alerts', 'triggers'] as const,
  presets: () => ['alerts', 'presets'] as const,
  monitors: () => ['alerts', 'monitors'] as const,
  monitorList: (filters: MonitorFilters) => ['alerts', 'monitors', 'list', filters] as const,
  monitor: (id: string) => ['alerts', 'monitors', 'detail', id] as const,
  events: () => ['alerts', 'events'] as const,
  eventList: (filters: EventFilters) => ['alerts', 'events', 'list', filters] as const,
  event: (id: string) => ['alerts', 'events', 'detail', id] as const,
  groups: () => ['alerts', 'groups'] as const,
  groupList: () => ['alerts', 'groups', 'list'] as const,
  /** Every group by name, for the monitor form's choice (one answer of up to 500). */
  groupChoices: () => ['alerts', 'groups', 'choices'] as const,
  webhooks: () => ['alerts', 'webhooks'] as const,
  webhookList: () => ['alerts', 'webhooks', 'list'] as const,
  webhookChoices: () => ['alerts', 'webhooks', 'choices'] as const,
  webhook: (id: string) => ['alerts', 'webhooks', 'detail', id] as const,
  webhookDeliveries: (id: string) => ['alerts', 'webhooks', 'detail', id, 'deliveries'] as const,
};

/** Other sections' data the forms read (pickers, flows, users). */
export const monitorPickerKeys = {
  search: (kind: string, text: string) => ['monitors-pickers', kind, 'search', text] as const,
  instanceFlows: (id: string) => ['monitors-pickers', 'instance-flows', id] as const,
  integrationFlows: (id: string) => ['monitors-pickers', 'integration-flows', id] as const,
  users: () => ['monitors-pickers', 'users'] as const,
};
