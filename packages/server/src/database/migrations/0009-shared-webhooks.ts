import { type Kysely, sql } from 'kysely';

/**
 * Shared webhook endpoints (`endpointType: shared_instance`): one URL per integration, `/trigger/<token>`, that
 * every customer's instance of it answers at; a request is routed to the customer's instance and the flow by the
 * endpoint configuration. The token is made for every integration, so the URL is there as soon as a version uses
 * a shared endpoint, and stays the same across versions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table integrations
      add column shared_webhook_token text not null
        default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    create unique index integrations_shared_webhook_token_key on integrations (shared_webhook_token);
    create index instances_deployed_version_idx on instances (integration_id, deployed_version_id)
      where deployed_version_id is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index instances_deployed_version_idx;
    alter table integrations drop column shared_webhook_token;
  `.execute(db);
}
