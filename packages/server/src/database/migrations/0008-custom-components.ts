import { type Kysely, sql } from 'kysely';

/**
 * Custom components: each publish of an organization's component is a new immutable version, its bundle (the
 * CommonJS file `weft components:publish` builds) stored with the manifest read from it in a sandbox.
 * Executions record which version of each custom component they ran (`component_versions`, key → version), since
 * a definition may say LATEST.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table component_versions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      key text not null,
      version integer not null check (version > 0),
      label text not null,
      description text not null default '',
      comment text not null default '',
      manifest jsonb not null,
      bundle bytea not null,
      bundle_sha256 text not null,
      size_bytes integer not null,
      published_at timestamptz(3) not null default now(),
      published_by_token_id uuid references api_tokens (id) on delete set null,
      unique (org_id, key, version)
    );
    create index component_versions_latest on component_versions (org_id, key, version desc);

    alter table executions add column component_versions jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table executions drop column component_versions;
    drop table component_versions;
  `.execute(db);
}
