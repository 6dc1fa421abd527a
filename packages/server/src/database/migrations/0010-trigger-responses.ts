import { type Kysely, sql } from 'kysely';

/**
 * Executions of asynchronous flows whose trigger may set the HTTP response (a challenge echo, an ACK): the caller
 * waits for the trigger step only. `awaits_trigger_response` marks them at ingest; the worker stores the trigger's
 * response (`trigger_response`, null when it set none) and `triggered_at` as soon as the trigger step ran.
 * `preprocess` keeps the run of the preprocess flow that routed a request to this execution.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table executions
      add column awaits_trigger_response boolean not null default false,
      add column trigger_response jsonb,
      add column triggered_at timestamptz(3),
      add column preprocess jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table executions
      drop column awaits_trigger_response,
      drop column trigger_response,
      drop column triggered_at,
      drop column preprocess;
  `.execute(db);
}
