import { type Kysely, sql } from 'kysely';

/**
 * Webhook registrations (Spectral's `webhookLifecycleHandlers`): one row per instance flow whose trigger registers
 * its webhook URL at the provider. It says whether the flow is registered there, for which URL and inputs (a hash),
 * by which integration and component version, and the last error of its create or delete; the inputs it was
 * registered with are kept sealed (`params_secret`) so that it is removed with the very inputs it was created with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table instance_webhook_registrations (
      id uuid primary key default gen_random_uuid(),
      instance_id uuid not null references instances (id) on delete cascade,
      flow_stable_key text not null,
      flow_name text not null,
      status text not null check (status in ('registered', 'failed', 'removed')),
      trigger text not null,
      config_hash text,
      webhook_url text,
      integration_version_id uuid references integration_versions (id) on delete set null,
      version_number integer,
      component_version integer,
      params_secret text,
      registered_at timestamptz,
      removed_at timestamptz,
      last_error jsonb,
      updated_at timestamptz not null default now(),
      unique (instance_id, flow_stable_key)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table instance_webhook_registrations`.execute(db);
}
