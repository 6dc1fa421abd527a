/**
 * The public event catalog of event webhooks (seed 003, "Available event types"): every type an event webhook may
 * subscribe to, grouped as the seed groups them, with a label and a description. The one source: the API validates
 * subscriptions against it, `GET /api/event-types` answers it, the outbox consumer delivers only these types.
 *
 * Weft has no workflows, so the seed's `workflow.*` events are not offered. Internal outbox types
 * (`execution.*`, `connection.failed`, `connection.recovered`) feed alert monitors and log streams only.
 */

export interface EventTypeEntry {
  type: string;
  group: string;
  label: string;
  description: string;
}

const entries = [
  [
    'Instance',
    'instance.created',
    'Instance Created',
    'A new instance of an integration was created for a customer',
  ],
  [
    'Instance',
    'instance.updated',
    'Instance Updated',
    "An instance's name, description, labels, configuration, version or API keys changed",
  ],
  ['Instance', 'instance.deleted', 'Instance Deleted', 'An instance was removed'],
  [
    'Instance',
    'instance.deployed',
    'Instance Deployed',
    'An instance was deployed (its configured version runs)',
  ],
  ['Instance', 'instance.enabled', 'Instance Enabled', 'A paused instance was unpaused'],
  ['Instance', 'instance.disabled', 'Instance Disabled', 'An instance was paused'],
  ['Customer', 'customer.created', 'Customer Created', 'A new customer was added'],
  [
    'Customer',
    'customer.updated',
    'Customer Updated',
    "A customer's name, external id, description or labels changed",
  ],
  ['Customer', 'customer.deleted', 'Customer Deleted', 'A customer was removed'],
  ['User', 'user.created', 'User Created', 'A user (of the organization or of a customer) was added'],
  ['User', 'user.updated', 'User Updated', "A user's name, email or role changed"],
  ['User', 'user.deleted', 'User Deleted', 'A user was removed'],
  ['Integration', 'integration.created', 'Integration Created', 'A new integration was created'],
  [
    'Integration',
    'integration.updated',
    'Integration Updated',
    "An integration's draft (definition, name, description, category, labels or documentation) changed",
  ],
  ['Integration', 'integration.deleted', 'Integration Deleted', 'An integration was removed'],
  [
    'Integration',
    'integration.published',
    'Integration Published',
    'A new version of an integration was published',
  ],
  [
    'Component',
    'component.published',
    'Component Published',
    'A version of a custom component was published',
  ],
  [
    'Component',
    'component.deleted',
    'Component Deleted',
    'A custom component was removed (its last version)',
  ],
  ['Connection', 'connection.updated', 'Connection Updated', "A connection's credentials were changed"],
  ['Connection', 'connection.deleted', 'Connection Deleted', 'A connection was removed'],
  [
    'Alert & Monitoring',
    'alert_monitor.created',
    'Alert Monitor Created',
    'A new alert monitor was configured',
  ],
  [
    'Alert & Monitoring',
    'alert_monitor.updated',
    'Alert Monitor Updated',
    "An alert monitor's settings changed",
  ],
  ['Alert & Monitoring', 'alert_monitor.deleted', 'Alert Monitor Deleted', 'An alert monitor was removed'],
  ['Alert & Monitoring', 'alert_group.created', 'Alert Group Created', 'A new alert group was created'],
  [
    'Alert & Monitoring',
    'alert_group.updated',
    'Alert Group Updated',
    "An alert group's configuration changed",
  ],
  ['Alert & Monitoring', 'alert_group.deleted', 'Alert Group Deleted', 'An alert group was removed'],
  ['Log Stream', 'log_stream.created', 'Log Stream Created', 'A new log stream was configured'],
  ['Log Stream', 'log_stream.updated', 'Log Stream Updated', "A log stream's settings changed"],
  ['Log Stream', 'log_stream.deleted', 'Log Stream Deleted', 'A log stream was removed'],
  [
    'OAuth2',
    'oauth2.authorization_completed',
    'OAuth2 Authorization Completed',
    'An OAuth 2.0 connection was authorized',
  ],
  [
    'OAuth2',
    'oauth2.authorization_failed',
    'OAuth2 Authorization Failed',
    'An OAuth 2.0 authorization failed',
  ],
  [
    'OAuth2',
    'oauth2.token_refreshed',
    'OAuth2 Token Refreshed',
    "An OAuth 2.0 connection's token was refreshed",
  ],
  [
    'OAuth2',
    'oauth2.token_refresh_failed',
    'OAuth2 Token Refresh Failed',
    "Refreshing an OAuth 2.0 connection's token failed",
  ],
  [
    'System',
    'webhook.test',
    'Test',
    'Sent when an event webhook is tested (`POST /api/event-webhooks/{id}/test`)',
  ],
] as const;

export const eventCatalog: readonly EventTypeEntry[] = entries.map(([group, type, label, description]) => ({
  type,
  group,
  label,
  description,
}));

export type EventType = (typeof entries)[number][1];

/** The type sent by the test route; a subscription may name it, but only the test route sends it. */
export const testEventType = 'webhook.test';

const known = new Set<string>(eventCatalog.map((entry) => entry.type));

export function isPublicEventType(type: string): type is EventType {
  return known.has(type);
}

/** The seed's workflow events, which Weft (no workflows) never sends: named in the refusal of one. */
export const notEmittedPrefixes = ['workflow.'];
