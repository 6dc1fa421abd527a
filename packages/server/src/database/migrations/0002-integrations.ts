import { type Kysely, sql } from 'kysely';

/**
 * Integrations: the editable draft, its icon and attachments, the immutable numbered versions published from it, the
 * code-native bundles both point at (stored once per organization and content hash), and the first shape of
 * instances (the instances issue extends it) so that deleting an integration can already refuse or take them along.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table integration_bundles (
      org_id uuid not null references organizations (id) on delete cascade,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      content bytea not null,
      size_bytes integer not null,
      created_at timestamptz(3) not null default now(),
      primary key (org_id, sha256)
    );

    create table integrations (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      description text not null default '',
      category text,
      labels text[] not null default '{}',
      documentation text,
      is_code_native boolean not null default false,
      definition jsonb not null,
      bundle_sha256 text,
      component_manifest jsonb,
      icon bytea,
      icon_content_type text,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      draft_updated_at timestamptz(3) not null default now(),
      foreign key (org_id, bundle_sha256) references integration_bundles (org_id, sha256),
      check ((icon is null) = (icon_content_type is null))
    );
    create unique index integrations_name_key on integrations (org_id, lower(name));
    create index integrations_page_idx on integrations (org_id, created_at, id);

    create table integration_versions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      integration_id uuid not null references integrations (id) on delete cascade,
      version_number integer not null check (version_number > 0),
      comment text not null default '',
      available boolean not null default true,
      definition jsonb not null,
      bundle_sha256 text,
      component_manifest jsonb,
      is_code_native boolean not null,
      published_at timestamptz(3) not null default now(),
      published_by_token_id uuid references api_tokens (id) on delete set null,
      foreign key (org_id, bundle_sha256) references integration_bundles (org_id, sha256),
      unique (integration_id, version_number)
    );

    create table integration_attachments (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      integration_id uuid not null references integrations (id) on delete cascade,
      name text not null,
      content_type text not null,
      size_bytes integer not null,
      content bytea not null,
      created_at timestamptz(3) not null default now()
    );
    create index integration_attachments_integration_idx on integration_attachments (integration_id, created_at, id);

    create table instances (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      integration_id uuid not null references integrations (id),
      integration_version_id uuid not null references integration_versions (id),
      name text not null,
      created_at timestamptz(3) not null default now()
    );
    create index instances_integration_idx on instances (integration_id);
    create index instances_version_idx on instances (integration_version_id);
    create index instances_customer_idx on instances (customer_id);
  `.execute(db);
}
