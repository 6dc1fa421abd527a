import { type Kysely, sql } from 'kysely';
import { customerIdsFor } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import { escapeLike } from '../database/like-pattern.js';
import { decodeCursor, encodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import type { AuditEvent, AuditEventInput, AuditEventPage, AuditEventQuery } from './audit-schemas.js';

/**
 * The SQL of the audit log: recording one change, reading the organization's log newest first, and deleting
 * events past their retention.
 */

/**
 * Stores one change. The recorder calls it for every API change (audit-recorder.ts); a domain may call it directly
 * for changes no API route makes (first-sight provisioning of an embedded user, say), with actor kind 'system'.
 */
export async function recordAuditEvent(db: Kysely<Database>, event: AuditEventInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      org_id: event.orgId,
      actor_kind: event.actorKind,
      actor_id: event.actorId,
      actor_token_id: event.actorTokenId ?? null,
      actor_name: event.actorName,
      action: event.action,
      target_type: event.targetType,
      target_id: event.targetId,
      customer_id: event.customerId ?? null,
      details: JSON.stringify(event.details ?? {}),
      request_id: event.requestId ?? null,
      ...(event.at ? { at: event.at } : {}),
    })
    .execute();
}

type Row = {
  id: string;
  at: Date;
  actor_kind: AuditEvent['actor']['kind'];
  actor_id: string | null;
  actor_token_id: string | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  customer_id: string | null;
  details: Record<string, unknown>;
  request_id: string | null;
};

function toEvent(row: Row): AuditEvent {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name, tokenId: row.actor_token_id },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    customerId: row.customer_id,
    details: row.details ?? {},
    requestId: row.request_id,
  };
}

const noPage: AuditEventPage = { items: [], nextCursor: null };

/** `GET /api/audit-events`: the organization's events, newest first, filtered, in keyset pages. */
export async function listAuditEvents(
  db: Kysely<Database>,
  orgId: string,
  query: AuditEventQuery,
): Promise<AuditEventPage> {
  const limit = query.limit ?? 100;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  let select = db
    .selectFrom('audit_events')
    .select([
      'id',
      'at',
      'actor_kind',
      'actor_id',
      'actor_token_id',
      'actor_name',
      'action',
      'target_type',
      'target_id',
      'customer_id',
      'details',
      'request_id',
    ])
    .where('org_id', '=', orgId);
  if (query.actor !== undefined) {
    const actor = query.actor;
    select = select.where((eb) =>
      isUuid(actor)
        ? eb.or([eb('actor_id', '=', actor), eb('actor_token_id', '=', actor)])
        : eb(sql`lower(actor_name)`, '=', actor.toLowerCase()),
    );
  }
  if (query.action !== undefined) {
    select = select.where('action', 'like', `${escapeLike(query.action)}%`);
  }
  if (query.targetType !== undefined) select = select.where('target_type', '=', query.targetType);
  if (query.targetId !== undefined) select = select.where('target_id', '=', query.targetId);
  if (query.customer !== undefined) {
    // A deleted customer's events stay: its id still finds them, though no customer row does any more.
    const found = await customerIdsFor(db, orgId, query.customer);
    if (isUuid(query.customer)) found.push(query.customer);
    if (found.length === 0) return noPage;
    select = select.where('customer_id', 'in', [...new Set(found)]);
  }
  if (query.since !== undefined) select = select.where('at', '>=', new Date(query.since));
  if (query.until !== undefined) select = select.where('at', '<', new Date(query.until));
  if (after) {
    // The plain bound lets the (org_id, at desc, id desc) index start the scan at the cursor.
    select = select
      .where('at', '<=', after.createdAt)
      .where(sql<boolean>`(at, id) < (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = (await select
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()) as Row[];
  return pageOf(rows, limit, toEvent, (last) => encodeCursor({ createdAt: last.at, id: last.id }));
}

export const defaultAuditPruneBatchSize = 5000;

/**
 * Retention: deletes events recorded more than `olderThanDays` days before `now` (the database's clock when not
 * given), oldest first, `batchSize` rows per statement. 0 days keeps everything. Answers how many went.
 */
export async function pruneAuditEvents(
  db: Kysely<Database>,
  options: { olderThanDays: number; batchSize?: number; now?: Date },
): Promise<number> {
  if (!(options.olderThanDays > 0)) return 0;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultAuditPruneBatchSize));
  const now = options.now ? sql<Date>`${options.now}::timestamptz` : sql<Date>`now()`;
  const cutoff = sql<Date>`${now} - make_interval(secs => ${options.olderThanDays * 86_400})`;
  let total = 0;
  for (;;) {
    const { numAffectedRows } = await sql`
      delete from audit_events where id in (
        select id from audit_events where at < ${cutoff} order by at limit ${batchSize} for update skip locked
      )`.execute(db);
    const deleted = Number(numAffectedRows ?? 0);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
