import { type Kysely, sql } from 'kysely';

/**
 * Instances as the API creates and configures them: description, labels, the enabled (unpaused) flag, the config
 * values keyed by each config variable's stable key (so a value survives a rename of its variable in a later
 * version), who created it and when it last changed. Names are unique per customer, without regard to case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table instances
      add column description text not null default '',
      add column labels text[] not null default '{}',
      add column enabled boolean not null default true,
      add column config_values jsonb not null default '{}' check (jsonb_typeof(config_values) = 'object'),
      add column created_by_token_id uuid references api_tokens (id) on delete set null,
      add column updated_at timestamptz(3) not null default now();

    create unique index instances_name_key on instances (org_id, customer_id, lower(name));
    create index instances_page_idx on instances (org_id, created_at, id);
    create index instances_labels_idx on instances using gin (labels);
  `.execute(db);
}
