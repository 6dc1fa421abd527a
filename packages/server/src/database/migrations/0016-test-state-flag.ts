import { type Kysely, sql } from 'kysely';

/**
 * Whether an execution keeps the test runs' flow state (a test run, and every retry and replay of one, however long
 * the chain): decided once when it is queued and kept on the row, so the worker's claim reads it rather than follows
 * links that grow with each replay (and that retention may cut).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table executions add column test_state boolean not null default false;
    update executions set test_state = true where trigger_kind = 'test';
    -- Retries and replays of test runs queued before this column: follow their chains once, now.
    with recursive chain as (
      select id from executions where trigger_kind = 'test'
      union
      select e.id from executions e join chain c on e.retry_of_id = c.id or e.replay_of_id = c.id
    )
    update executions set test_state = true where id in (select id from chain);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table executions drop column test_state`.execute(db);
}
