import { type Kysely, sql } from 'kysely';

/**
 * Embedding settings of an organization: the origins of its own app that may frame Weft's embedded pages (the
 * pages' `Content-Security-Policy: frame-ancestors`, and the only parents the pages talk to), and the theme the
 * embedded pages start from (`@weft/embed`'s `init({theme})` overrides it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table organizations
      add column embed_allowed_origins text[] not null default '{}',
      add column embed_theme jsonb not null default '{}'::jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations drop column embed_allowed_origins, drop column embed_theme`.execute(db);
}
