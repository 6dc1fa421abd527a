import { createHash } from 'node:crypto';
import { binaryJson, type StoredBytes } from '@weft/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';

/**
 * Large step results: a result whose JSON text is larger than `blobThresholdBytes` is stored once in
 * `execution_blobs`, keyed by the SHA-256 of that text, and the step row references it (`result_sha256`, with
 * `result` null). Never truncated; identical large results (a loop handing the same list on) are stored once.
 */
export const blobThresholdBytes = 256 * 1024;

/**
 * The JSON text of a value as a jsonb column takes it; null for undefined (no result). Binary data becomes binary
 * marks (see @weft/engine's binary-data): inline base64, or — with `onStore` — a digest whose bytes the caller
 * stores in `execution_files`.
 */
export function jsonText(value: unknown, onStore?: (stored: StoredBytes) => void): string | null {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = binaryJson(value, onStore ? { onStore } : {});
  } catch {
    // The engine refuses such results (STEP_OUTPUT_INVALID); anything that still gets here is stored as a note.
    return JSON.stringify('[a value that cannot be stored as JSON]');
  }
  if (text === undefined) return null;
  // jsonb (like text) cannot hold NUL characters: drop them rather than lose the whole result.
  if (text.includes('\\u0000')) {
    text = JSON.stringify(JSON.parse(text), (_key, item) =>
      typeof item === 'string' && item.includes('\u0000') ? item.replaceAll('\u0000', '') : item,
    );
  }
  return text;
}

/** Text for a PostgreSQL text column (no NUL characters). */
export function textValue(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

/** The size in bytes of a JSON text, when it could be over the blob threshold (cheap for small texts). */
export function isBlobSized(text: string): boolean {
  // A UTF-16 code unit is at least one UTF-8 byte and at most three.
  if (text.length > blobThresholdBytes) return true;
  if (text.length * 3 <= blobThresholdBytes) return false;
  return Buffer.byteLength(text) > blobThresholdBytes;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A step row as the executions API reads it: an inline result, or a reference to a blob. */
export interface StoredStepResult {
  result: unknown;
  result_sha256: string | null;
}

/**
 * Fills in the results of step rows stored as blobs, with one query for all of them. For the executions API:
 * `getExecution` reads its step rows, then `await resolveStepResults(db, rows)` gives every row its full result.
 * Returns the rows (new objects where a blob was resolved; the others as given).
 */
export async function resolveStepResults<Row extends StoredStepResult>(
  db: Kysely<Database>,
  rows: Row[],
): Promise<Row[]> {
  const hashes = [...new Set(rows.flatMap((row) => (row.result_sha256 ? [row.result_sha256] : [])))];
  if (hashes.length === 0) return rows;
  const blobs = await db
    .selectFrom('execution_blobs')
    .select(['sha256', 'content'])
    .where('sha256', 'in', hashes)
    .execute();
  const contents = new Map(blobs.map((blob) => [blob.sha256, blob.content]));
  return rows.map((row) =>
    row.result_sha256 && contents.has(row.result_sha256)
      ? { ...row, result: contents.get(row.result_sha256) }
      : row,
  );
}
