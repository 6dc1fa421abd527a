import { type Kysely, sql } from 'kysely';

/**
 * Test runs keep flow state of their own (scope `testFlow:<flowStableKey>`, see worker/state-scopes.ts), so a test
 * run of a polling flow neither reads nor advances the live instance's cursor.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table instance_state drop constraint instance_state_scope_check;
    alter table instance_state add constraint instance_state_scope_check
      check (scope = 'crossFlow' or scope like 'flow:%' or scope like 'testFlow:%');
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from instance_state where scope like 'testFlow:%';
    alter table instance_state drop constraint instance_state_scope_check;
    alter table instance_state add constraint instance_state_scope_check
      check (scope = 'crossFlow' or scope like 'flow:%');
  `.execute(db);
}
