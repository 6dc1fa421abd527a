import { type Kysely, sql } from 'kysely';

/**
 * Executions: one row per run of an instance flow, queued in the same transaction as its graphile-worker job; its
 * step results, log lines, and the state stores flows keep between executions (per flow and instance-wide in
 * `instance_state`, per integration in `integration_state`; execution state lives only as long as the run).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table executions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      instance_id uuid not null references instances (id) on delete cascade,
      customer_id uuid not null,
      integration_id uuid not null,
      integration_version_id uuid not null,
      flow_name text not null,
      flow_stable_key text not null,
      status text not null default 'queued'
        check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      trigger jsonb not null default '{}',
      error jsonb,
      response jsonb,
      attempt integer not null default 1,
      queued_at timestamptz(3) not null default now(),
      started_at timestamptz(3),
      finished_at timestamptz(3),
      duration_ms integer
    );
    create index executions_instance_idx on executions (org_id, instance_id, queued_at desc, id);
    create index executions_status_idx on executions (org_id, status, queued_at desc, id);
    create index executions_time_idx on executions (org_id, queued_at desc, id);

    create table execution_steps (
      execution_id uuid not null references executions (id) on delete cascade,
      seq integer not null,
      step_key text not null,
      step_name text not null,
      status text not null,
      result jsonb,
      attempts jsonb not null default '[]',
      iterations integer,
      branch text,
      primary key (execution_id, seq)
    );

    create table execution_logs (
      execution_id uuid not null references executions (id) on delete cascade,
      seq integer not null,
      at timestamptz(3) not null,
      level text not null,
      message text not null,
      step_key text,
      primary key (execution_id, seq)
    );
    create index execution_logs_at_idx on execution_logs (at);

    create table instance_state (
      instance_id uuid not null references instances (id) on delete cascade,
      scope text not null check (scope = 'crossFlow' or scope like 'flow:%'),
      state jsonb not null default '{}',
      primary key (instance_id, scope)
    );

    create table integration_state (
      org_id uuid not null references organizations (id) on delete cascade,
      integration_id uuid not null references integrations (id) on delete cascade,
      state jsonb not null default '{}',
      primary key (org_id, integration_id)
    );
  `.execute(db);
}
