import { sql } from 'kysely';
import { customerIdsFor } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { pageOf } from '../database/page-cursor.js';
import { WeftError } from '../errors.js';
import type { Db } from '../integrations/integration-store.js';
import { type LogEntry, type LogPage, type LogQuery, severities } from './log-schemas.js';

/**
 * The SQL behind `GET /api/logs`: execution log lines of the caller's organization (every query joins executions
 * and filters on its org_id), searched newest first, or followed with a tail cursor.
 *
 * Workers store a running execution's log lines a fraction of a second after the flow logs them (all at once at
 * the end for a run shorter than that), stamped with when they were logged. A tail follows that timestamp, oldest
 * first, but only up to a moment `tailSettleMs` in the past: a line logged before it has been stored by then, so
 * reading in timestamp order skips nothing. (A line stored later than that after it was logged, by a worker that
 * could not reach the database for a while or whose clock runs behind the database's, is found by a search but
 * not by a tail that has moved past it.)
 */

/** How far behind the present a tail reads: well past the time a worker takes to store a logged line. */
export const tailSettleMs = 2000;

interface Position {
  at: Date;
  executionId: string;
  seq: number;
}

const zeroUuid = '00000000-0000-0000-0000-000000000000';
const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `s` cursors page a search (newest first), `t` cursors follow a tail (oldest first); both by (at, id, seq). */
function encodeLogCursor(kind: 's' | 't', position: Position): string {
  return Buffer.from(
    JSON.stringify([kind, position.at.toISOString(), position.executionId, position.seq]),
  ).toString('base64url');
}

function decodeLogCursor(kind: 's' | 't', cursor: string, field: 'cursor' | 'after'): Position {
  try {
    const [tag, at, executionId, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
      unknown,
      unknown,
    ];
    const date = new Date(String(at));
    if (
      tag === kind &&
      typeof at === 'string' &&
      !Number.isNaN(date.getTime()) &&
      typeof executionId === 'string' &&
      uuidText.test(executionId) &&
      Number.isInteger(seq) &&
      (seq as number) >= -1 &&
      (seq as number) < 2 ** 31
    ) {
      return { at: date, executionId, seq: seq as number };
    }
  } catch {
    // reported below
  }
  const from = kind === 's' ? 'the nextCursor of a log search' : 'the tailCursor of a logs answer';
  throw new WeftError(
    'API_INVALID_CURSOR',
    `The ${field} '${cursor.slice(0, 40)}' was not made by this API: pass ${from} unchanged.`,
    { field },
  );
}

function levelsWanted(query: LogQuery): string[] | undefined {
  let levels: string[] | undefined = query.level;
  if (query.minLevel !== undefined) {
    const atLeast = severities.slice(severities.indexOf(query.minLevel)) as readonly string[];
    levels = (levels ?? atLeast).filter((level) => atLeast.includes(level));
  }
  return levels;
}

function toLine(row: {
  execution_id: string;
  instance_id: string;
  flow_name: string;
  at: Date;
  level: string;
  message: string;
  step_key: string | null;
}): LogEntry {
  return {
    executionId: row.execution_id,
    instanceId: row.instance_id,
    flow: row.flow_name,
    timestamp: row.at.toISOString(),
    level: row.level,
    message: row.message,
    ...(row.step_key !== null ? { stepKey: row.step_key } : {}),
  };
}

/** `query` as the route takes it: dates as ISO text, `level` repeatable, `limit` 100 when not given. */
/** `onlyCustomer` confines the page to one customer: a customer caller's scope, set by the route, never by the query. */
export async function searchLogs(
  db: Db,
  orgId: string,
  query: LogQuery,
  onlyCustomer?: string,
): Promise<LogPage> {
  const limit = query.limit ?? 100;
  if (query.cursor !== undefined && query.after !== undefined) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      'Pass either cursor (older lines of a search) or after (newer lines, for a tail), not both.',
      { part: 'querystring', field: 'after' },
    );
  }
  const before = query.cursor !== undefined ? decodeLogCursor('s', query.cursor, 'cursor') : undefined;
  const after = query.after !== undefined ? decodeLogCursor('t', query.after, 'after') : undefined;

  // The moment up to which a tail has read everything: a little in the past, in the database's clock.
  const { rows } = await sql<{ settled: Date }>`
    select date_trunc('milliseconds', statement_timestamp() - make_interval(secs => ${tailSettleMs / 1000})) as settled
  `.execute(db);
  const settled = rows[0]?.settled ?? new Date(Date.now() - tailSettleMs);
  const caughtUp = (from: Position | undefined): string =>
    encodeLogCursor(
      't',
      from && from.at.getTime() >= settled.getTime() ? from : { at: settled, executionId: zeroUuid, seq: -1 },
    );
  const empty = (): LogPage => ({ items: [], nextCursor: null, tailCursor: caughtUp(after) });

  let select = db
    .selectFrom('execution_logs as l')
    .innerJoin('executions as e', 'e.id', 'l.execution_id')
    .select([
      'l.execution_id',
      'l.seq',
      'l.at',
      'l.level',
      'l.message',
      'l.step_key',
      'e.instance_id',
      'e.flow_name',
    ])
    .where('e.org_id', '=', orgId);
  if (onlyCustomer !== undefined) select = select.where('e.customer_id', '=', onlyCustomer);

  if (limit === 0) return empty();
  for (const id of [query.instance, query.integration, query.execution]) {
    if (id !== undefined && !isUuid(id)) return empty();
  }
  if (query.execution !== undefined) {
    // Both sides, so the planner can read the line index (execution_id, at) directly.
    select = select.where('l.execution_id', '=', query.execution).where('e.id', '=', query.execution);
  }
  if (query.instance !== undefined) select = select.where('e.instance_id', '=', query.instance);
  if (query.integration !== undefined) select = select.where('e.integration_id', '=', query.integration);
  if (query.customer !== undefined) {
    const found = await customerIdsFor(db, orgId, query.customer);
    if (found.length === 0) return empty();
    select = select.where('e.customer_id', 'in', found);
  }
  if (query.flow !== undefined) select = select.where('e.flow_name', '=', query.flow);
  const levels = levelsWanted(query);
  if (levels !== undefined) {
    if (levels.length === 0) return empty();
    select = select.where('l.level', 'in', levels);
  }
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where('l.message', 'ilike', pattern);
  }
  if (query.from !== undefined) select = select.where('l.at', '>=', new Date(query.from));
  if (query.to !== undefined) select = select.where('l.at', '<', new Date(query.to));

  if (after) {
    const rows = await select
      .where('l.at', '<', settled)
      // The plain bound lets the (at) index start at the cursor.
      .where('l.at', '>=', after.at)
      .where(
        sql<boolean>`(l.at, l.execution_id, l.seq) > (${after.at}, ${after.executionId}::uuid, ${after.seq})`,
      )
      .orderBy('l.at')
      .orderBy('l.execution_id')
      .orderBy('l.seq')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const last = kept[kept.length - 1];
    if (more && last) {
      const cursor = encodeLogCursor('t', { at: last.at, executionId: last.execution_id, seq: last.seq });
      return { items: kept.map(toLine), nextCursor: cursor, tailCursor: cursor };
    }
    return { items: kept.map(toLine), nextCursor: null, tailCursor: caughtUp(after) };
  }

  if (before) {
    select = select
      .where('l.at', '<=', before.at)
      .where(
        sql<boolean>`(l.at, l.execution_id, l.seq) < (${before.at}, ${before.executionId}::uuid, ${before.seq})`,
      );
  }
  const found = await select
    .orderBy('l.at', 'desc')
    .orderBy('l.execution_id', 'desc')
    .orderBy('l.seq', 'desc')
    .limit(limit + 1)
    .execute();
  return {
    ...pageOf(found, limit, toLine, (last) =>
      encodeLogCursor('s', { at: last.at, executionId: last.execution_id, seq: last.seq }),
    ),
    tailCursor: caughtUp(undefined),
  };
}
