import type { ColumnType, Generated } from 'kysely';

/**
 * The tables Weft owns, as Kysely sees them. Every tenant-owned table carries `org_id`, and every query on one
 * filters by the caller's organization: that is how one database serves many organizations.
 */
export interface Database {
  organizations: OrganizationsTable;
  api_tokens: ApiTokensTable;
  customers: CustomersTable;
  integrations: IntegrationsTable;
  integration_bundles: IntegrationBundlesTable;
  integration_versions: IntegrationVersionsTable;
  integration_attachments: IntegrationAttachmentsTable;
  instances: InstancesTable;
  instance_flows: InstanceFlowsTable;
  instance_schedules: InstanceSchedulesTable;
  execution_blobs: ExecutionBlobsTable;
  execution_files: ExecutionFilesTable;
  execution_file_refs: ExecutionFileRefsTable;
  executions: ExecutionsTable;
  execution_steps: ExecutionStepsTable;
  execution_logs: ExecutionLogsTable;
  instance_state: InstanceStateTable;
  instance_webhook_registrations: InstanceWebhookRegistrationsTable;
  integration_state: IntegrationStateTable;
  encryption_keys: EncryptionKeysTable;
  scoped_connections: ScopedConnectionsTable;
  connections: ConnectionsTable;
  oauth_authorizations: OAuthAuthorizationsTable;
  component_versions: ComponentVersionsTable;
  webhook_dedupe: WebhookDedupeTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  sign_in_attempts: SignInAttemptsTable;
  organization_sso: OrganizationSsoTable;
  customer_users: CustomerUsersTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  monitoring_events: MonitoringEventsTable;
  alert_webhooks: AlertWebhooksTable;
  alert_groups: AlertGroupsTable;
  alert_group_users: AlertGroupUsersTable;
  alert_group_webhooks: AlertGroupWebhooksTable;
  alert_monitors: AlertMonitorsTable;
  alert_monitor_groups: AlertMonitorGroupsTable;
  alert_events: AlertEventsTable;
  event_webhooks: EventWebhooksTable;
  notification_deliveries: NotificationDeliveriesTable;
  log_streams: LogStreamsTable;
  log_stream_backlog: LogStreamBacklogTable;
}

type CreatedAt = ColumnType<Date, never, never>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** Origins of the organization's own app that may frame the embedded pages (scheme://host[:port]). */
  embed_allowed_origins: Generated<string[]>;
  /** The embedded pages' theme (`EmbedTheme` of `@weft/embed`), validated when set. */
  embed_theme: Generated<Record<string, string>>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  role: string;
  /** SHA-256 of the token; the token itself is shown once at creation and never stored. */
  token_hash: Buffer;
  /** The first characters of the token, so people can tell their tokens apart in a list. */
  token_prefix: string;
  created_by_token_id: string | null;
  /** The user the token belongs to; null for a token of the organization (CI, the bootstrap owner token). */
  user_id: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface CustomersTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  external_id: string | null;
  description: string;
  labels: string[];
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface IntegrationBundlesTable {
  org_id: string;
  /** Hex SHA-256 of `content`: versions and drafts with the same bundle share one row. */
  sha256: string;
  content: Buffer;
  size_bytes: number;
  created_at: CreatedAt;
}

export interface IntegrationsTable {
  id: Generated<string>;
  org_id: string;
  /** Mirrors the draft definition's name; unique in the organization without regard to case. */
  name: string;
  description: string;
  category: string | null;
  labels: string[];
  documentation: string | null;
  is_code_native: boolean;
  /** The draft: the flow model (`Integration` of @weft/definition) as JSON. */
  definition: ColumnType<unknown, string, string>;
  bundle_sha256: string | null;
  /** The catalog entry of a code-native integration's generated component (`CatalogComponent`). */
  component_manifest: ColumnType<unknown, string | null, string | null>;
  icon: Buffer | null;
  icon_content_type: string | null;
  /** Kept by PostgreSQL from `definition` (generated columns). */
  flow_count: ColumnType<number, never, never>;
  config_var_count: ColumnType<number, never, never>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  draft_updated_at: Generated<Date>;
  /** The integration's shared webhook endpoint (`shared_instance` endpoint type): `/trigger/<token>`. */
  shared_webhook_token: Generated<string>;
  /** Marketplace settings: listed or not, the overview customers read, whether they may activate it themselves. */
  marketplace_listed: Generated<boolean>;
  marketplace_overview: Generated<string>;
  customer_deployable: Generated<boolean>;
  allow_multiple_instances: Generated<boolean>;
  /** The version customers get on activation; null: the latest available one. */
  marketplace_version: number | null;
}

export interface IntegrationVersionsTable {
  id: Generated<string>;
  org_id: string;
  integration_id: string;
  version_number: number;
  comment: string;
  available: Generated<boolean>;
  /** Never updated once written: a version is an immutable snapshot. */
  definition: ColumnType<unknown, string, never>;
  bundle_sha256: ColumnType<string | null, string | null, never>;
  component_manifest: ColumnType<unknown, string | null, never>;
  is_code_native: ColumnType<boolean, boolean, never>;
  published_at: CreatedAt;
  published_by_token_id: string | null;
  /** The signed-in person who published (a console session), when no token did. */
  published_by_user_id: string | null;
}

export interface IntegrationAttachmentsTable {
  id: Generated<string>;
  org_id: string;
  integration_id: string;
  name: string;
  content_type: string;
  size_bytes: number;
  content: Buffer;
  created_at: CreatedAt;
}

/** An integration version deployed to one customer, with its config values. */
export interface InstancesTable {
  id: Generated<string>;
  org_id: string;
  customer_id: string;
  integration_id: string;
  integration_version_id: string;
  /** Unique per customer without regard to case. */
  name: string;
  description: Generated<string>;
  /** Lower-cased, trimmed, without repeats. */
  labels: Generated<string[]>;
  /** False while paused. */
  enabled: Generated<boolean>;
  /** Values by config variable stable key (JSON object). */
  config_values: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_by_token_id: string | null;
  created_by_customer_user_id: Generated<string | null>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** The version that runs: set by deploy (null until the first deploy). */
  deployed_version_id: string | null;
  deployed_at: Date | null;
  /** The instance's one webhook endpoint (instance-specific endpoint types): `/trigger/<token>`. */
  webhook_token: Generated<string>;
  /** Accepted in the `Api-Key` header by flows secured with API keys. */
  api_keys: Generated<string[]>;
}

/** A webhook endpoint per instance flow, kept across redeploys and upgrades through the flow's stable key. */
export interface InstanceFlowsTable {
  instance_id: string;
  flow_stable_key: string;
  webhook_token: Generated<string>;
}

/** A deployed schedule-triggered flow and its next tick. */
export interface InstanceSchedulesTable {
  instance_id: string;
  flow_stable_key: string;
  org_id: string;
  cron: string;
  time_zone: Generated<string>;
  /** Skip a tick while the previous execution of this schedule is still queued or running. */
  singleton: Generated<boolean>;
  next_fire_at: Date;
  last_fired_at: Date | null;
  last_execution_id: string | null;
}

/**
 * Whether a flow's webhook is registered at the provider by its trigger's `webhookCreate` (migration 0014): for
 * which URL and inputs (`config_hash`), by which versions, with the inputs it was created with (sealed), and the
 * last error of a create or delete.
 */
export interface InstanceWebhookRegistrationsTable {
  id: Generated<string>;
  instance_id: string;
  flow_stable_key: string;
  flow_name: string;
  status: 'registered' | 'failed' | 'removed';
  /** `component/trigger` that registered it. */
  trigger: string;
  config_hash: string | null;
  webhook_url: string | null;
  integration_version_id: string | null;
  version_number: number | null;
  component_version: number | null;
  params_secret: string | null;
  registered_at: Date | null;
  removed_at: Date | null;
  last_error: NullableJson<{ operation: 'create' | 'delete'; message: string; at: string }>;
  updated_at: Generated<Date>;
}

/** A step result too large to keep inline, stored once per content hash. */
export interface ExecutionBlobsTable {
  sha256: string;
  content: Json;
  size_bytes: number;
  created_at: CreatedAt;
}

/** Binary data of step results and responses, once per SHA-256 (migration 0013). */
export interface ExecutionFilesTable {
  sha256: string;
  content: Buffer;
  size_bytes: ColumnType<string, number, number>;
  created_at: CreatedAt;
}

export interface ExecutionFileRefsTable {
  execution_id: string;
  sha256: string;
  content_type: string | null;
}

type Json<T = unknown> = ColumnType<T, string, string>;
type NullableJson<T = unknown> = ColumnType<T | null, string | null | undefined, string | null>;

export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One run of an instance flow; inserted with its queue job in one transaction. */
export interface ExecutionsTable {
  id: Generated<string>;
  org_id: string;
  instance_id: string;
  customer_id: string;
  integration_id: string;
  integration_version_id: string;
  flow_name: string;
  flow_stable_key: string;
  status: Generated<ExecutionStatus>;
  /** The request: headers, queryParameters, body {data, contentType} (the engine's `TriggerRequest`). */
  trigger: Json;
  error: NullableJson;
  response: NullableJson;
  attempt: Generated<number>;
  queued_at: Generated<Date>;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  trigger_kind: Generated<TriggerKind>;
  /** The first execution of a retry chain; this one is its `retry_number`-th retry. */
  retry_of_id: string | null;
  retry_number: Generated<number>;
  /** The execution this one replays (same request). */
  replay_of_id: string | null;
  /** The execution whose step invoked this flow. */
  invoked_by_id: string | null;
  /** Schedule executions: the tick this fires for (unique per instance flow). */
  scheduled_for: Date | null;
  /** The worker running it and until when its lease holds; an expired lease means the worker died. */
  lease_owner: string | null;
  lease_expires_at: Date | null;
  is_synchronous: Generated<boolean>;
  /** The custom component versions its steps ran, by component key (a definition may say LATEST). */
  component_versions: NullableJson;
  /** Set at ingest when the flow is asynchronous and its trigger may set the HTTP response the caller waits for. */
  awaits_trigger_response: Generated<boolean>;
  /** The response the trigger set (null when it set none), stored once the trigger step ran (`triggered_at`). */
  trigger_response: NullableJson;
  triggered_at: Date | null;
  /** The preprocess flow run that routed the request to this execution (`PreprocessRecord`). */
  preprocess: NullableJson;
  /** The value at the flow's `retryConfig.uniqueRequestIdField` in its request (retries inherit it). */
  unique_request_id: string | null;
  /** A retry cancelled because a newer request carried the same unique request id: that request's execution. */
  cancelled_by_id: string | null;
  /** Keeps the test runs' flow state: a test run, or a retry or replay of one (migration 0016). */
  test_state: Generated<boolean>;
}

export type TriggerKind =
  | 'webhook'
  | 'schedule'
  | 'deploy'
  | 'remove'
  | 'test'
  | 'crossFlow'
  | 'retry'
  | 'replay';

/** One step record of an execution (a loop's child steps have one per iteration), in the order they ran. */
export interface ExecutionStepsTable {
  execution_id: string;
  seq: number;
  step_key: string;
  step_name: string;
  status: string;
  result: NullableJson;
  attempts: Json<unknown[]>;
  iterations: number | null;
  branch: string | null;
  /** Set when the result is stored in `execution_blobs` (then `result` is null). */
  result_sha256: string | null;
  /** A loop child's iteration index. */
  iteration: number | null;
}

export interface ExecutionLogsTable {
  execution_id: string;
  seq: number;
  at: Date;
  level: string;
  message: string;
  step_key: string | null;
}

/**
 * An instance's flow state (scope `flow:<flowStableKey>`; test runs' own `testFlow:<flowStableKey>`, see
 * worker/state-scopes.ts) and cross-flow state (scope `crossFlow`).
 */
export interface InstanceStateTable {
  instance_id: string;
  scope: string;
  state: Json<Record<string, unknown>>;
}

export interface IntegrationStateTable {
  org_id: string;
  integration_id: string;
  state: Json<Record<string, unknown>>;
}

/** A data key, stored wrapped under the master key. New values are sealed with the active one. */
export interface EncryptionKeysTable {
  id: string;
  /** Sealed envelope of the 32 key bytes (see `secrets/secret-box.ts`). */
  wrapped_key: string;
  master_key_id: string;
  state: 'active' | 'decrypt_only';
  created_at: CreatedAt;
}

export type ScopedConnectionKind = 'org_global' | 'org_customer' | 'customer_activated';

/** An integration-agnostic connection: defined once per organization, referenced by stable key from definitions. */
export interface ScopedConnectionsTable {
  id: Generated<string>;
  org_id: string;
  stable_key: string;
  kind: ScopedConnectionKind;
  name: string;
  description: Generated<string>;
  component_key: string;
  connection_key: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type ConnectionStatus = 'configured' | 'pending_authorization' | 'connected' | 'error';

/** Credentials: an instance connection config variable's, a global scoped connection's, or one customer's. */
export interface ConnectionsTable {
  id: Generated<string>;
  org_id: string;
  scoped_connection_id: string | null;
  customer_id: string | null;
  instance_id: string | null;
  config_var_stable_key: string | null;
  component_key: string;
  connection_key: string;
  /** Sealed JSON object of the input values by input key. */
  fields_secret: string;
  /** Sealed OAuth 2.0 token set (JSON), once one was obtained. */
  token_secret: string | null;
  token_expires_at: Date | null;
  status: Generated<ConnectionStatus>;
  status_message: string | null;
  status_changed_at: Generated<Date>;
  refresh_failures: Generated<number>;
  refreshed_at: Date | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** A pending OAuth 2.0 authorization code flow, keyed by the SHA-256 of its state. Single use. */
export interface OAuthAuthorizationsTable {
  state_hash: Buffer;
  connection_id: string;
  org_id: string;
  code_verifier_secret: string | null;
  redirect_uri: string;
  return_to: string | null;
  expires_at: Date;
  used_at: Date | null;
  created_at: CreatedAt;
}

/** One published version of an organization's custom component; never updated once written. */
export interface ComponentVersionsTable {
  id: Generated<string>;
  org_id: string;
  key: string;
  version: number;
  label: string;
  description: string;
  comment: string;
  /** The catalog entry read from the bundle (`CatalogComponent`). */
  manifest: ColumnType<unknown, string, never>;
  bundle: Buffer;
  bundle_sha256: string;
  size_bytes: number;
  published_at: CreatedAt;
  published_by_token_id: string | null;
  /** The signed-in person who published (a console session), when no token did. */
  published_by_user_id: string | null;
}

/** The execution a deduplication id started, per instance flow (`queueConfig.dedupeIdField`), and when. */
export interface WebhookDedupeTable {
  instance_id: string;
  flow_stable_key: string;
  dedupe_id: string;
  execution_id: string;
  received_at: Generated<Date>;
}

/** The organization's team: people who sign in to the console (password or SSO) and may own API tokens. */
export interface UsersTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  invitation_hash: Buffer | null;
  invitation_expires_at: Date | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  last_sign_in_at: Date | null;
  sessions_valid_after: Generated<Date>;
}

export interface UserSessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: Buffer;
  /** Set by the sign-in from its clock (tests move it), so expiry and sign-out-everywhere compare like with like. */
  created_at: ColumnType<Date, Date, never>;
  expires_at: Date;
  last_seen_at: Generated<Date>;
  idle_timeout_seconds: number;
  user_agent: string | null;
  ip: string | null;
}

export interface SignInAttemptsTable {
  key: string;
  failures: Generated<number>;
  window_started_at: Generated<Date>;
  locked_until: Date | null;
}

export interface OrganizationSsoTable {
  org_id: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  default_role: Generated<string>;
  allowed_domains: Generated<string[]>;
  enabled: Generated<boolean>;
  updated_at: Generated<Date>;
}

/** People of a customer: most arrive through embedded sign-in, a few are created by hand. */
export interface CustomerUsersTable {
  id: Generated<string>;
  org_id: string;
  customer_id: string;
  external_id: string | null;
  email: string | null;
  name: Generated<string>;
  role: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  last_sign_in_at: Date | null;
}

/** Public keys that verify embedded sign-in JWTs; a generated key's private half is shown once, never stored. */
export interface SigningKeysTable {
  id: Generated<string>;
  org_id: string;
  public_key_pem: string;
  fingerprint: string;
  private_key_last8: string | null;
  source: 'generated' | 'imported';
  created_at: CreatedAt;
  deactivated_at: Date | null;
}

/** Who changed what: one row per change made through the API (see audit/audit-actions.ts), kept for the retention. */
export interface AuditEventsTable {
  id: Generated<string>;
  org_id: string;
  at: Generated<Date>;
  actor_kind: 'user' | 'token' | 'customer-user' | 'system';
  actor_id: string | null;
  actor_token_id: string | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  customer_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
  request_id: string | null;
}

/** The outbox (migration 0020): changes and execution milestones, written in the transaction that made them. */
export interface MonitoringEventsTable {
  id: ColumnType<string, never, never>;
  org_id: string;
  type: string;
  subject_id: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  tx_id: ColumnType<string, never, never>;
  occurred_at: CreatedAt;
  dispatched_at: Date | null;
}

export interface AlertWebhooksTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  url: string;
  preset: 'custom' | 'slack' | 'pagerduty';
  payload_template: string;
  /** Sealed JSON object of header names to values. */
  headers_secret: string | null;
  /** Sealed HMAC-SHA256 key. */
  signing_secret: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AlertGroupsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AlertGroupUsersTable {
  group_id: string;
  user_id: string | null;
  customer_user_id: string | null;
}

export interface AlertGroupWebhooksTable {
  group_id: string;
  webhook_id: string;
}

export interface AlertMonitorsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  instance_id: string | null;
  integration_id: string | null;
  customer_id: string | null;
  flow_name: string | null;
  triggers: string[];
  duration_threshold_ms: number | null;
  overdue_interval_seconds: number | null;
  log_level: 'debug' | 'info' | 'warn' | 'error' | null;
  enabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AlertMonitorGroupsTable {
  monitor_id: string;
  group_id: string;
}

export interface AlertEventsTable {
  id: Generated<string>;
  org_id: string;
  monitor_id: string;
  trigger: string;
  message: string;
  instance_id: string | null;
  instance_name: string | null;
  customer_id: string | null;
  flow_name: string | null;
  execution_id: string | null;
  step_name: string | null;
  connection_id: string | null;
  log_level: string | null;
  log_message: string | null;
  created_at: Generated<Date>;
  cleared_at: Date | null;
  cleared_reason: string | null;
}

export interface EventWebhooksTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  url: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  event_types: string[];
  /** Sealed HMAC-SHA256 key. */
  signing_secret: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type NotificationChannel = 'alert-webhook' | 'alert-email' | 'event-webhook';

export interface NotificationDeliveriesTable {
  id: Generated<string>;
  org_id: string;
  channel: NotificationChannel;
  alert_webhook_id: string | null;
  event_webhook_id: string | null;
  /** The email address of an alert email. */
  recipient: string | null;
  alert_event_id: string | null;
  event_id: string | null;
  event_type: string | null;
  /** What is sent: the request body, or for an email its JSON {subject, text}. */
  body: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_status_code: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Date | null;
  updated_at: Generated<Date>;
}

export interface LogStreamsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  url: string;
  preset: 'custom' | 'datadog' | 'new-relic';
  payload_template: string;
  headers_secret: string | null;
  enabled: Generated<boolean>;
  backlog_limit: Generated<number>;
  dropped_executions: Generated<string>;
  delivered_lines: Generated<string>;
  last_delivered_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface LogStreamBacklogTable {
  stream_id: string;
  execution_id: string;
  queued_at: Generated<Date>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
}
