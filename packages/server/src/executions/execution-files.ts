import { storedDigests, withBinaryData } from '@weft/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';

/**
 * Binary data of executions (files in step results and responses): stored once in `execution_files` by SHA-256
 * (the recorder writes it), marked by digest in the JSON that refers to it. This reads it back.
 */

/** A stored value (a response, a step result) with every binary mark turned back into its bytes. */
export async function withStoredFiles(db: Kysely<Database>, value: unknown): Promise<unknown> {
  const digests = storedDigests(value);
  if (digests.length === 0) return withBinaryData(value);
  const rows = await db
    .selectFrom('execution_files')
    .select(['sha256', 'content'])
    .where('sha256', 'in', digests)
    .execute();
  return withBinaryData(value, new Map(rows.map((row) => [row.sha256, row.content])));
}

/** One file an execution holds: its bytes and the content type it had there; undefined when it holds no such file. */
export async function executionFile(
  db: Kysely<Database>,
  orgId: string,
  executionId: string,
  sha256: string,
): Promise<{ content: Buffer; contentType: string | null } | undefined> {
  return db
    .selectFrom('execution_file_refs as r')
    .innerJoin('executions as e', 'e.id', 'r.execution_id')
    .innerJoin('execution_files as f', 'f.sha256', 'r.sha256')
    .select(['f.content as content', 'r.content_type as contentType'])
    .where('e.org_id', '=', orgId)
    .where('r.execution_id', '=', executionId)
    .where('r.sha256', '=', sha256)
    .executeTakeFirst();
}
