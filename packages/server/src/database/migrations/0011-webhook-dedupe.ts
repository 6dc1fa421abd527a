import { type Kysely, sql } from 'kysely';

/**
 * Message deduplication (`queueConfig.dedupeIdField`): the last execution each deduplication id started, per
 * instance flow, and when. A request whose id was seen less than 10 minutes earlier starts nothing; an older entry
 * is taken over by the new request. Inserted in the statement that stores the execution, so two requests with the
 * same id cannot both start one. An entry goes with its execution (pruned, or its instance deleted).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhook_dedupe (
      instance_id uuid not null references instances (id) on delete cascade,
      flow_stable_key text not null,
      dedupe_id text not null,
      execution_id uuid not null references executions (id) on delete cascade,
      received_at timestamptz(3) not null default now(),
      primary key (instance_id, flow_stable_key, dedupe_id)
    );
    create index webhook_dedupe_execution_idx on webhook_dedupe (execution_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webhook_dedupe;`.execute(db);
}
