import { type Kysely, sql } from 'kysely';

/**
 * Retry cancellation (`retryConfig.uniqueRequestIdField`): an execution keeps the unique request id its request
 * carried (its retries inherit it), so a newer request with the same id can cancel the retries still pending for
 * older ones; `cancelled_by_id` links a cancelled retry to the execution that cancelled it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table executions
      add column unique_request_id text,
      add column cancelled_by_id uuid references executions (id) on delete set null;
    create index executions_unique_request_idx on executions (instance_id, flow_stable_key, unique_request_id)
      where unique_request_id is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index executions_unique_request_idx;
    alter table executions drop column unique_request_id, drop column cancelled_by_id;
  `.execute(db);
}
