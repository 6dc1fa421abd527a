import { type Kysely, sql } from 'kysely';

/**
 * What listing integrations and replacing bundles need to stay fast as an organization grows:
 *
 * - `flow_count` and `config_var_count` kept by PostgreSQL as the draft is written, so a page of the list no longer
 *   reads (and decompresses) every draft definition just to count its flows;
 * - a GIN index over the labels in lower case, for `?label=` filters (`integration_label_keys` is the expression
 *   the list query uses, so the planner can match it);
 * - indexes on the bundle columns of drafts and versions: deleting a bundle no longer referenced (after an import
 *   replaced it, or a delete) checks both tables, which was a scan of every version of every organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table integrations
      add column flow_count integer not null generated always as (
        case jsonb_typeof(definition -> 'flows') when 'array' then jsonb_array_length(definition -> 'flows') else 0 end
      ) stored,
      add column config_var_count integer not null generated always as (
        case jsonb_typeof(definition -> 'configVars') when 'array' then jsonb_array_length(definition -> 'configVars') else 0 end
      ) stored;

    create function integration_label_keys(labels text[]) returns text[]
      language sql immutable strict parallel safe
      as $$ select array(select lower(label) from unnest(labels) as label) $$;
    create index integrations_label_keys_idx on integrations using gin (integration_label_keys(labels));

    create index integrations_bundle_idx on integrations (org_id, bundle_sha256) where bundle_sha256 is not null;
    create index integration_versions_bundle_idx on integration_versions (org_id, bundle_sha256)
      where bundle_sha256 is not null;
  `.execute(db);
}
