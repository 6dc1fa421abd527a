import { type Kysely, sql } from 'kysely';

/**
 * Binary data in step results and responses (files): stored once as bytes under their SHA-256, however many steps
 * and executions hand the same file on, and linked to each execution that holds it (with the content type it had
 * there), so the executions API can serve it and retention can delete files no execution links to any more.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table execution_files (
      sha256 text primary key,
      content bytea not null,
      size_bytes bigint not null,
      created_at timestamptz not null default now()
    );
    create table execution_file_refs (
      execution_id uuid not null references executions (id) on delete cascade,
      sha256 text not null references execution_files (sha256),
      content_type text,
      primary key (execution_id, sha256)
    );
    create index execution_file_refs_sha256_idx on execution_file_refs (sha256);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table execution_file_refs;
    drop table execution_files;
  `.execute(db);
}
