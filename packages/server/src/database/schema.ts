import type { ColumnType, Generated } from 'kysely';

/**
 * The tables Weft owns, as Kysely sees them. Every tenant-owned table carries `org_id`, and every query on one
 * filters by the caller's organization: that is how one database serves many organizations.
 */
export interface Database {
  organizations: OrganizationsTable;
  api_tokens: ApiTokensTable;
  customers: CustomersTable;
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
