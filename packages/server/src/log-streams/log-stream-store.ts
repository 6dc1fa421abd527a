import { type Kysely, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { WeftError } from '../errors.js';
import type { Db } from '../integrations/integration-store.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { presetOf } from './log-stream-presets.js';
import type {
  LogStream,
  LogStreamCreate,
  LogStreamListQuery,
  LogStreamPage,
  LogStreamStatus,
  LogStreamUpdate,
} from './log-stream-schemas.js';
import { maxHeaders } from './log-stream-schemas.js';
import { type PayloadTemplate, parseTemplate } from './log-stream-template.js';

/**
 * The SQL behind `/api/log-streams`. Every function takes the caller's organization and never reads past it.
 * Headers (API keys, Authorization) are sealed in `headers_secret` and never leave in an answer: answers name them.
 */

export const defaultBacklogLimit = 10_000;

type StreamRow = {
  id: string;
  org_id: string;
  name: string;
  url: string;
  preset: 'custom' | 'datadog' | 'new-relic';
  payload_template: string;
  headers_secret: string | null;
  enabled: boolean;
  backlog_limit: number;
  dropped_executions: string;
  delivered_lines: string;
  last_delivered_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

type StatusRow = StreamRow & { backlog: string | number; next_attempt_at: Date | null };

const columns = [
  'id',
  'org_id',
  'name',
  'url',
  'preset',
  'payload_template',
  'headers_secret',
  'enabled',
  'backlog_limit',
  'dropped_executions',
  'delivered_lines',
  'last_delivered_at',
  'last_error',
  'last_error_at',
  'created_at',
  'updated_at',
] as const;

function headersContext(id: string): string {
  return secretContext('log_streams', 'headers_secret', id);
}

/** The headers a stream sends, opened. */
export async function openHeaders(
  keyring: Keyring,
  row: { id: string; headers_secret: string | null },
): Promise<Record<string, string>> {
  if (!row.headers_secret) return {};
  return keyring.open<Record<string, string>>(
    row.headers_secret,
    headersContext(row.id),
    "a log stream's headers",
  );
}

function statusOf(row: StatusRow): LogStreamStatus {
  const backlog = Number(row.backlog);
  const dropped = Number(row.dropped_executions);
  const state = !row.enabled ? 'disabled' : row.last_error !== null ? 'retrying' : 'delivering';
  const sentences: string[] = [];
  if (state === 'disabled') {
    sentences.push(
      backlog > 0
        ? `Disabled: ${backlog} finished executions wait and are sent once it is enabled; new executions are not queued.`
        : 'Disabled: no log lines are queued or sent.',
    );
  } else if (state === 'retrying') {
    sentences.push(
      `The last delivery failed (${row.last_error}); ${backlog} executions wait and are retried with backoff, keeping at most ${row.backlog_limit}.`,
    );
  } else {
    sentences.push(
      backlog > 0 ? `Delivering: ${backlog} executions wait to be sent.` : 'Up to date: nothing waits.',
    );
  }
  if (dropped > 0) {
    sentences.push(
      `${dropped} executions were dropped unsent: their lines arrived while the backlog already held its limit of ${row.backlog_limit} executions because the endpoint was failing; the oldest go first.`,
    );
  }
  return {
    state,
    backlogExecutions: backlog,
    droppedExecutions: dropped,
    deliveredLines: Number(row.delivered_lines),
    lastDeliveredAt: row.last_delivered_at?.toISOString() ?? null,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at?.toISOString() ?? null,
    nextAttemptAt: state === 'retrying' && row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
    summary: sentences.join(' '),
  };
}

async function toLogStream(keyring: Keyring, row: StatusRow): Promise<LogStream> {
  const template = parseStored(row.payload_template);
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    preset: row.preset,
    payloadTemplate: row.payload_template,
    format: template?.json === false ? 'text' : 'json',
    metricFields: template?.metricFields ?? [],
    headerNames: Object.keys(await openHeaders(keyring, row)),
    enabled: row.enabled,
    backlogLimit: row.backlog_limit,
    status: statusOf(row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A stored template, parsed (it was checked when saved; undefined if it no longer parses). */
export function parseStored(source: string): PayloadTemplate | undefined {
  try {
    return parseTemplate(source);
  } catch {
    return undefined;
  }
}

/** The streams with their backlog figures. */
function selectWithStatus(db: Db, orgId: string) {
  return db
    .selectFrom('log_streams as s')
    .select(columns.map((column) => `s.${column}` as const))
    .select((eb) => [
      eb
        .selectFrom('log_stream_backlog as b')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('b.stream_id', '=', 's.id')
        .as('backlog'),
      eb
        .selectFrom('log_stream_backlog as b')
        .select((inner) => inner.fn.min('b.next_attempt_at').as('at'))
        .whereRef('b.stream_id', '=', 's.id')
        .where('b.attempts', '>', 0)
        .as('next_attempt_at'),
    ])
    .where('s.org_id', '=', orgId);
}

/** An http(s) URL without credentials in it; `field` names it in the error. */
export function checkedUrl(url: string, field = 'url'): string {
  const trimmed = url.trim();
  const parsed = URL.parse(trimmed);
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      `The ${field} '${trimmed.slice(0, 200)}' is not an http or https URL (for example https://http-intake.logs.datadoghq.com/api/v2/logs).`,
      { field },
    );
  }
  if (parsed.username || parsed.password) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      `The ${field} holds a user name or password: put credentials in a header (such as Authorization) instead, where they are stored encrypted.`,
      { field },
    );
  }
  return parsed.toString();
}

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers fetch sets itself, or that would change how the request is framed. */
const refusedHeaders = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/** Checks header names and values; answers them as given. */
export function checkedHeaders<T extends string | null>(headers: Record<string, T>): Record<string, T> {
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers.${name.slice(0, 100)}`;
    if (!tokenPattern.test(name)) {
      throw new WeftError(
        'API_VALIDATION_FAILED',
        `The header name '${name.slice(0, 100)}' is not a valid HTTP header name: use letters, digits and - (such as DD-API-KEY), at most 100 characters.`,
        { field },
      );
    }
    if (refusedHeaders.has(name.toLowerCase())) {
      throw new WeftError(
        'API_VALIDATION_FAILED',
        `The header '${name}' is set by Weft when it sends a batch and cannot be given.`,
        { field },
      );
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what a header value may not hold
    if (value !== null && /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw new WeftError(
        'API_VALIDATION_FAILED',
        `The value of header '${name}' holds a line break or another control character, which HTTP does not allow.`,
        { field },
      );
    }
  }
  return headers;
}

/** Header names are case-insensitive: a name given again in another case replaces the first. */
function mergeHeaders(
  current: Record<string, string>,
  changes: Record<string, string | null>,
): Record<string, string> {
  const merged = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    for (const existing of Object.keys(merged)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
    }
    if (value !== null) merged[name] = value;
  }
  if (Object.keys(merged).length > maxHeaders) {
    throw new WeftError('API_VALIDATION_FAILED', `A log stream sends at most ${maxHeaders} headers.`, {
      field: 'headers',
    });
  }
  return merged;
}

function conflictFrom(error: unknown, name: string | undefined): never {
  if (violatedUniqueIndex(error) === 'log_streams_name_idx') {
    throw new WeftError('LOG_STREAM_NAME_TAKEN', `Another log stream is already named '${name}'.`, {
      field: 'name',
    });
  }
  throw error;
}

export function logStreamNotFound(id: string): WeftError {
  return new WeftError('LOG_STREAM_NOT_FOUND', `No log stream with id '${id}' in your organization.`);
}

export async function getLogStream(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
): Promise<LogStream> {
  const row = isUuid(id)
    ? await selectWithStatus(db, orgId).where('s.id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw logStreamNotFound(id);
  return toLogStream(keyring, row as StatusRow);
}

/** The stored row, for sending (the test route, the shipper). */
export async function findStreamRow(db: Db, orgId: string, id: string): Promise<StreamRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom('log_streams')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst() as Promise<StreamRow | undefined>;
}

export async function createLogStream(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  input: LogStreamCreate,
): Promise<LogStream> {
  const preset = presetOf(input.preset ?? 'custom');
  const url = input.url ?? preset.regions[0]?.url;
  if (url === undefined) {
    throw new WeftError(
      'API_VALIDATION_FAILED',
      'Give the url log lines are sent to (or a datadog or new-relic preset, whose US intake is then used).',
      { field: 'url' },
    );
  }
  const checked = checkedUrl(url);
  const template = input.payloadTemplate ?? preset.payloadTemplate;
  parseTemplate(template);
  const headers = checkedHeaders(input.headers ?? {});
  const id = crypto.randomUUID();
  const sealed =
    Object.keys(headers).length > 0
      ? await keyring.seal(mergeHeaders({}, headers), headersContext(id))
      : null;
  try {
    await db
      .insertInto('log_streams')
      .values({
        id,
        org_id: orgId,
        name: input.name.trim(),
        url: checked,
        preset: preset.key,
        payload_template: template,
        headers_secret: sealed,
        enabled: input.enabled ?? true,
        backlog_limit: input.backlogLimit ?? defaultBacklogLimit,
      })
      .execute();
  } catch (error) {
    conflictFrom(error, input.name.trim());
  }
  return getLogStream(db, keyring, orgId, id);
}

export async function updateLogStream(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
  changes: LogStreamUpdate,
): Promise<LogStream> {
  const current = await findStreamRow(db, orgId, id);
  if (!current) throw logStreamNotFound(id);
  const url = changes.url !== undefined ? checkedUrl(changes.url) : undefined;
  if (changes.payloadTemplate !== undefined) parseTemplate(changes.payloadTemplate);
  let sealed: string | null | undefined;
  if (changes.headers !== undefined) {
    const merged = mergeHeaders(await openHeaders(keyring, current), checkedHeaders(changes.headers));
    sealed = Object.keys(merged).length > 0 ? await keyring.seal(merged, headersContext(id)) : null;
  }
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('log_streams')
        .set({
          ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
          ...(url !== undefined ? { url } : {}),
          ...(changes.preset !== undefined ? { preset: changes.preset } : {}),
          ...(changes.payloadTemplate !== undefined ? { payload_template: changes.payloadTemplate } : {}),
          ...(sealed !== undefined ? { headers_secret: sealed } : {}),
          ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
          ...(changes.backlogLimit !== undefined ? { backlog_limit: changes.backlogLimit } : {}),
          updated_at: sql<Date>`now()`,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
      // Where or how lines are sent changed: what waits is tried again now rather than at its backoff's end.
      if (
        url !== undefined ||
        sealed !== undefined ||
        changes.payloadTemplate !== undefined ||
        changes.enabled
      ) {
        await retryBacklogNow(trx, id);
      }
      if (changes.backlogLimit !== undefined) await trimBacklogs(trx, [id]);
    });
  } catch (error) {
    conflictFrom(error, changes.name?.trim());
  }
  return getLogStream(db, keyring, orgId, id);
}

export async function deleteLogStream(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
): Promise<LogStream> {
  const current = await getLogStream(db, keyring, orgId, id);
  // The backlog goes with it (on delete cascade).
  await db.deleteFrom('log_streams').where('org_id', '=', orgId).where('id', '=', id).execute();
  return current;
}

export async function listLogStreams(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  query: LogStreamListQuery,
): Promise<LogStreamPage> {
  const limit = query.limit ?? 100;
  let select = selectWithStatus(db, orgId);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(s.created_at, s.id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = (await select
    .orderBy('s.created_at')
    .orderBy('s.id')
    .limit(limit + 1)
    .execute()) as StatusRow[];
  const paged = pageOf(rows, limit, (row) => row);
  return {
    items: await Promise.all(paged.items.map((row) => toLogStream(keyring, row))),
    nextCursor: paged.nextCursor,
  };
}

/** The stream's waiting executions become due now (its endpoint was changed, or a test payload got through). */
export async function retryBacklogNow(db: Db, streamId: string): Promise<void> {
  await db
    .updateTable('log_stream_backlog')
    .set({ next_attempt_at: sql<Date>`now()` })
    .where('stream_id', '=', streamId)
    .where('next_attempt_at', '>', sql<Date>`now()`)
    .execute();
}

export interface DroppedBacklog {
  streamId: string;
  name: string;
  dropped: number;
  backlogLimit: number;
}

/**
 * Keeps each stream's backlog within its `backlog_limit`: the executions that finished first are dropped, and
 * counted in `dropped_executions`, so a stream that stays down costs bounded space and says what it lost.
 */
export async function trimBacklogs(db: Db, streamIds: string[]): Promise<DroppedBacklog[]> {
  if (streamIds.length === 0) return [];
  const { rows } = await sql<{ id: string; name: string; dropped: string; backlog_limit: number }>`
    with ranked as (
      select b.stream_id, b.execution_id,
        row_number() over (partition by b.stream_id order by b.queued_at desc, b.execution_id desc) as position
      from log_stream_backlog b
      where b.stream_id = any(${streamIds}::uuid[])
    ),
    dropped as (
      delete from log_stream_backlog b
      using ranked r, log_streams s
      where b.stream_id = r.stream_id and b.execution_id = r.execution_id
        and s.id = r.stream_id and r.position > s.backlog_limit
      returning b.stream_id
    ),
    counted as (select stream_id, count(*) as n from dropped group by stream_id)
    update log_streams s set dropped_executions = s.dropped_executions + c.n
    from counted c where s.id = c.stream_id
    returning s.id, s.name, c.n as dropped, s.backlog_limit`.execute(db);
  return rows.map((row) => ({
    streamId: row.id,
    name: row.name,
    dropped: Number(row.dropped),
    backlogLimit: row.backlog_limit,
  }));
}
