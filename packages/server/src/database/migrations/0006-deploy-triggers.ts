import { type Kysely, sql } from 'kysely';

/**
 * What running instances need: deployment (the live version, when it went live), webhook endpoints (a token per
 * instance flow, kept across redeploys and upgrades through the flow's stable key, and one per instance for
 * instance-specific endpoints), API keys, registered schedules with their next tick, and on executions: how they
 * were triggered, retry/replay/invocation links, the worker lease, the schedule tick they fire for (unique, so a
 * tick is one execution), and large step results stored once by content hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table instances
      add column deployed_version_id uuid references integration_versions (id),
      add column deployed_at timestamptz(3),
      add column webhook_token text not null default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
      add column api_keys text[] not null default '{}';
    create unique index instances_webhook_token_key on instances (webhook_token);

    create table instance_flows (
      instance_id uuid not null references instances (id) on delete cascade,
      flow_stable_key text not null,
      webhook_token text not null default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
      primary key (instance_id, flow_stable_key)
    );
    create unique index instance_flows_webhook_token_key on instance_flows (webhook_token);

    create table instance_schedules (
      instance_id uuid not null references instances (id) on delete cascade,
      flow_stable_key text not null,
      org_id uuid not null references organizations (id) on delete cascade,
      cron text not null,
      time_zone text not null default 'UTC',
      singleton boolean not null default false,
      next_fire_at timestamptz(3) not null,
      last_fired_at timestamptz(3),
      last_execution_id uuid,
      primary key (instance_id, flow_stable_key)
    );
    create index instance_schedules_due_idx on instance_schedules (next_fire_at);

    alter table executions
      add column trigger_kind text not null default 'test'
        check (trigger_kind in ('webhook', 'schedule', 'deploy', 'remove', 'test', 'crossFlow', 'retry', 'replay')),
      add column retry_of_id uuid references executions (id) on delete set null,
      add column retry_number integer not null default 0,
      add column replay_of_id uuid references executions (id) on delete set null,
      add column invoked_by_id uuid references executions (id) on delete set null,
      add column scheduled_for timestamptz(3),
      add column lease_owner text,
      add column lease_expires_at timestamptz(3),
      add column is_synchronous boolean not null default false;
    create unique index executions_schedule_tick_key on executions (instance_id, flow_stable_key, scheduled_for)
      where scheduled_for is not null;
    create index executions_customer_idx on executions (org_id, customer_id, queued_at desc, id);
    create index executions_integration_idx on executions (org_id, integration_id, queued_at desc, id);
    create index executions_retry_of_idx on executions (retry_of_id) where retry_of_id is not null;
    create index executions_replay_of_idx on executions (replay_of_id) where replay_of_id is not null;
    create index executions_lease_idx on executions (lease_expires_at) where status = 'running';
    create index executions_finished_idx on executions (finished_at) where finished_at is not null;

    create table execution_blobs (
      sha256 text primary key,
      content jsonb not null,
      size_bytes integer not null,
      created_at timestamptz(3) not null default now()
    );
    alter table execution_steps
      add column result_sha256 text references execution_blobs (sha256),
      add column iteration integer;
    create index execution_steps_blob_idx on execution_steps (result_sha256) where result_sha256 is not null;
    create index execution_logs_execution_at_idx on execution_logs (execution_id, at);
  `.execute(db);
}
