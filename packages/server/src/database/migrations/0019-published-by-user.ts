import { type Kysely, sql } from 'kysely';

/**
 * Who published a version when no token did: a person signed in to the console publishes with their session, so the
 * version records the user (the token column stays for API and CLI publishes). A removed user leaves the version
 * (set null), as a revoked token does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table integration_versions
      add column published_by_user_id uuid references users(id) on delete set null;
    alter table component_versions
      add column published_by_user_id uuid references users(id) on delete set null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table integration_versions drop column published_by_user_id;
    alter table component_versions drop column published_by_user_id;
  `.execute(db);
}
