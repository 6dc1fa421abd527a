import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      created_at timestamptz(3) not null default now()
    );

    create table api_tokens (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      role text not null check (role in ('owner', 'admin', 'integrator', 'support', 'viewer')),
      token_hash bytea not null unique,
      token_prefix text not null,
      created_by_token_id uuid references api_tokens (id) on delete set null,
      created_at timestamptz(3) not null default now(),
      last_used_at timestamptz(3),
      revoked_at timestamptz(3)
    );
    create index api_tokens_org_idx on api_tokens (org_id, created_at, id);

    create table customers (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      external_id text,
      description text not null default '',
      labels text[] not null default '{}',
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create unique index customers_external_id_key on customers (org_id, external_id);
    create unique index customers_name_key on customers (org_id, lower(name));
    create index customers_page_idx on customers (org_id, created_at, id);
    create index customers_labels_idx on customers using gin (labels);
  `.execute(db);
}
