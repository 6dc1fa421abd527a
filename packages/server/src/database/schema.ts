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
  executions: ExecutionsTable;
  execution_steps: ExecutionStepsTable;
  execution_logs: ExecutionLogsTable;
  instance_state: InstanceStateTable;
  integration_state: IntegrationStateTable;
}

type CreatedAt = ColumnType<Date, never, never>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
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
  created_at: CreatedAt;
  updated_at: Generated<Date>;
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
}

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
}

export interface ExecutionLogsTable {
  execution_id: string;
  seq: number;
  at: Date;
  level: string;
  message: string;
  step_key: string | null;
}

/** An instance's flow state (scope `flow:<flowStableKey>`) and cross-flow state (scope `crossFlow`). */
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
