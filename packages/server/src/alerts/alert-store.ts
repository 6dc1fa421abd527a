import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, encodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { instanceNotFound, WeftError } from '../errors.js';
import { newSigningSecret } from '../notifications/webhook-signature.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import type {
  AlertDelivery,
  AlertDeliveryPage,
  AlertEvent,
  AlertEventListQuery,
  AlertEventPage,
  AlertGroup,
  AlertGroupCreate,
  AlertGroupPage,
  AlertGroupUpdate,
  AlertMonitor,
  AlertMonitorCreate,
  AlertMonitorListQuery,
  AlertMonitorPage,
  AlertMonitorUpdate,
  AlertWebhook,
  AlertWebhookCreate,
  AlertWebhookPage,
  AlertWebhookUpdate,
  PageQuery,
} from './alert-schemas.js';
import { alertWebhookPresets, templateProblem } from './alert-templates.js';
import { type AlertTrigger, alertTriggerNamed, alertTriggerOf } from './alert-triggers.js';

/** The SQL behind the alerting API. Every function takes the caller's organization and never reads past it. */

const nilUuid = '00000000-0000-0000-0000-000000000000';

/** Deletes one row of the organization's by id; an id it does not have is the resource's 404. */
async function deleteOwned(
  db: Kysely<Database>,
  table: 'alert_webhooks' | 'alert_groups' | 'alert_monitors',
  orgId: string,
  id: string,
  notFound: (id: string) => WeftError,
): Promise<void> {
  const result = isUuid(id)
    ? await db.deleteFrom(table).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!result || Number(result.numDeletedRows) === 0) throw notFound(id);
}

// Alert webhooks ---------------------------------------------------------------------------------------------

async function toAlertWebhook(
  keyring: Keyring,
  row: {
    id: string;
    name: string;
    url: string;
    preset: AlertWebhook['preset'];
    payload_template: string;
    headers_secret: string | null;
    signing_secret: string | null;
    created_at: Date;
    updated_at: Date;
  },
): Promise<AlertWebhook> {
  const headers = row.headers_secret
    ? await keyring.open<Record<string, string>>(
        row.headers_secret,
        secretContext('alert_webhooks', 'headers_secret', row.id),
        "an alert webhook's headers",
      )
    : {};
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    preset: row.preset,
    payloadTemplate: row.payload_template,
    headerNames: Object.keys(headers).sort(),
    hasSigningSecret: row.signing_secret !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function webhookNotFound(id: string): WeftError {
  return new WeftError('ALERT_WEBHOOK_NOT_FOUND', `No alert webhook with id '${id}' in your organization.`);
}

function checkTemplate(template: string): void {
  const problem = templateProblem(template);
  if (problem) throw new WeftError('ALERT_TEMPLATE_INVALID', problem, { field: 'payloadTemplate' });
}

function nameTaken(
  error: unknown,
  code: 'ALERT_WEBHOOK_NAME_TAKEN' | 'ALERT_GROUP_NAME_TAKEN',
  name?: string,
): never {
  const index = violatedUniqueIndex(error);
  if (index?.endsWith('_name_idx')) {
    const what = code === 'ALERT_WEBHOOK_NAME_TAKEN' ? 'alert webhook' : 'alert group';
    throw new WeftError(code, `Another ${what} of your organization is named '${name ?? ''}'.`, {
      field: 'name',
    });
  }
  throw error;
}

export async function createAlertWebhook(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  input: AlertWebhookCreate,
): Promise<AlertWebhook> {
  const preset = input.preset ?? 'custom';
  const payloadTemplate = input.payloadTemplate ?? alertWebhookPresets[preset].payloadTemplate;
  checkTemplate(payloadTemplate);
  const id = randomUUID();
  const generated = input.generateSigningSecret ? newSigningSecret() : undefined;
  const secret = generated ?? input.signingSecret;
  try {
    const row = await db
      .insertInto('alert_webhooks')
      .values({
        id,
        org_id: orgId,
        name: input.name.trim(),
        url: input.url,
        preset,
        payload_template: payloadTemplate,
        headers_secret:
          input.headers && Object.keys(input.headers).length > 0
            ? await keyring.seal(input.headers, secretContext('alert_webhooks', 'headers_secret', id))
            : null,
        signing_secret: secret
          ? await keyring.seal(secret, secretContext('alert_webhooks', 'signing_secret', id))
          : null,
      } as never)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...(await toAlertWebhook(keyring, row)), ...(generated ? { signingSecret: generated } : {}) };
  } catch (error) {
    nameTaken(error, 'ALERT_WEBHOOK_NAME_TAKEN', input.name);
  }
}

/** One page of an org's alert webhooks or groups, oldest first (keyset on created_at, id). */
async function orgPage<Table extends 'alert_webhooks' | 'alert_groups'>(
  db: Kysely<Database>,
  table: Table,
  orgId: string,
  query: PageQuery,
) {
  const limit = query.limit ?? 100;
  let select = db
    .selectFrom(table as 'alert_groups')
    .selectAll()
    .where('org_id', '=', orgId);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return pageOf(
    rows as unknown as Array<Database[Table] extends unknown ? Selectable<Database[Table]> : never>,
    limit,
    (row) => row,
  );
}

export async function listAlertWebhooks(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  query: PageQuery,
): Promise<AlertWebhookPage> {
  const page = await orgPage(db, 'alert_webhooks', orgId, query);
  return {
    items: await Promise.all(page.items.map((row) => toAlertWebhook(keyring, row))),
    nextCursor: page.nextCursor,
  };
}

async function webhookRow(db: Kysely<Database>, orgId: string, id: string) {
  const row = isUuid(id)
    ? await db
        .selectFrom('alert_webhooks')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw webhookNotFound(id);
  return row;
}

export async function getAlertWebhook(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
): Promise<AlertWebhook> {
  return toAlertWebhook(keyring, await webhookRow(db, orgId, id));
}

export async function updateAlertWebhook(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  id: string,
  input: AlertWebhookUpdate,
): Promise<AlertWebhook> {
  const current = await webhookRow(db, orgId, id);
  if (input.payloadTemplate !== undefined) checkTemplate(input.payloadTemplate);
  const generated = input.generateSigningSecret ? newSigningSecret() : undefined;
  const changes: Record<string, unknown> = { updated_at: new Date() };
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.url !== undefined) changes.url = input.url;
  if (input.preset !== undefined) changes.preset = input.preset;
  if (input.payloadTemplate !== undefined) changes.payload_template = input.payloadTemplate;
  // Headers often carry a token for the old address: a new URL keeps them only when they are sent again, so who may
  // change a URL cannot send someone else's stored credentials to an address of their choosing.
  if (input.url !== undefined && input.url !== current.url && input.headers === undefined) {
    changes.headers_secret = null;
  }
  if (input.headers !== undefined) {
    changes.headers_secret =
      input.headers && Object.keys(input.headers).length > 0
        ? await keyring.seal(input.headers, secretContext('alert_webhooks', 'headers_secret', id))
        : null;
  }
  const secret = generated ?? input.signingSecret;
  if (secret !== undefined) {
    changes.signing_secret = secret
      ? await keyring.seal(secret, secretContext('alert_webhooks', 'signing_secret', id))
      : null;
  }
  try {
    const row = await db
      .updateTable('alert_webhooks')
      .set(changes)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw webhookNotFound(id);
    return { ...(await toAlertWebhook(keyring, row)), ...(generated ? { signingSecret: generated } : {}) };
  } catch (error) {
    nameTaken(error, 'ALERT_WEBHOOK_NAME_TAKEN', input.name);
  }
}

export function deleteAlertWebhook(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  return deleteOwned(db, 'alert_webhooks', orgId, id, webhookNotFound);
}

// Alert groups -----------------------------------------------------------------------------------------------

function groupNotFound(id: string): WeftError {
  return new WeftError('ALERT_GROUP_NOT_FOUND', `No alert group with id '${id}' in your organization.`);
}

/** Users by id or email: the organization's team first, then customer users. */
async function resolveUsers(
  db: Kysely<Database>,
  orgId: string,
  references: string[],
): Promise<Array<{ user_id: string | null; customer_user_id: string | null }>> {
  const members: Array<{ user_id: string | null; customer_user_id: string | null }> = [];
  const seen = new Set<string>();
  for (const reference of references.map((value) => value.trim())) {
    const byId = isUuid(reference);
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('org_id', '=', orgId)
      .where(byId ? 'id' : sql`lower(email)`, '=', byId ? reference : reference.toLowerCase())
      .executeTakeFirst();
    const customerUsers = user
      ? []
      : await db
          .selectFrom('customer_users')
          .select('id')
          .where('org_id', '=', orgId)
          .where(byId ? 'id' : sql`lower(email)`, '=', byId ? reference : reference.toLowerCase())
          .limit(2)
          .execute();
    if (!user && customerUsers.length !== 1) {
      throw new WeftError(
        'ALERT_GROUP_MEMBER_UNKNOWN',
        customerUsers.length > 1
          ? `Several customer users have the email '${reference}': name them by id.`
          : `No user of your organization or of its customers is ${byId ? 'id' : 'email'} '${reference}'.`,
        { field: 'users', value: reference },
      );
    }
    const member = user
      ? { user_id: user.id, customer_user_id: null }
      : { user_id: null, customer_user_id: customerUsers[0]!.id };
    const key = member.user_id ?? member.customer_user_id!;
    if (seen.has(key)) continue;
    seen.add(key);
    members.push(member);
  }
  return members;
}

async function resolveWebhooks(db: Kysely<Database>, orgId: string, references: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const reference of references.map((value) => value.trim())) {
    const row = await db
      .selectFrom('alert_webhooks')
      .select('id')
      .where('org_id', '=', orgId)
      .where((eb) =>
        isUuid(reference) ? eb('id', '=', reference) : eb(sql`lower(name)`, '=', reference.toLowerCase()),
      )
      .executeTakeFirst();
    if (!row) {
      throw new WeftError(
        'ALERT_GROUP_MEMBER_UNKNOWN',
        `No alert webhook of your organization is ${isUuid(reference) ? 'id' : 'named'} '${reference}'.`,
        { field: 'webhooks', value: reference },
      );
    }
    ids.add(row.id);
  }
  return [...ids];
}

async function toAlertGroups(
  db: Kysely<Database>,
  rows: Array<{ id: string; name: string; created_at: Date; updated_at: Date }>,
): Promise<AlertGroup[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const { rows: users } = await sql<{
    group_id: string;
    id: string;
    email: string | null;
    name: string;
    kind: 'organization' | 'customer';
    customer_id: string | null;
  }>`
    select g.group_id, coalesce(u.id, cu.id) as id, coalesce(u.email, cu.email) as email,
      coalesce(u.name, cu.name) as name, case when u.id is null then 'customer' else 'organization' end as kind,
      cu.customer_id
    from alert_group_users g
    left join users u on u.id = g.user_id
    left join customer_users cu on cu.id = g.customer_user_id
    where g.group_id = any(${ids}::uuid[])
    order by 4`.execute(db);
  const webhooks = await db
    .selectFrom('alert_group_webhooks')
    .innerJoin('alert_webhooks', 'alert_webhooks.id', 'alert_group_webhooks.webhook_id')
    .select(['alert_group_webhooks.group_id', 'alert_webhooks.id', 'alert_webhooks.name'])
    .where('alert_group_webhooks.group_id', 'in', ids)
    .orderBy('alert_webhooks.name')
    .execute();
  const monitorCounts = await db
    .selectFrom('alert_monitor_groups')
    .select(['group_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('group_id', 'in', ids)
    .groupBy('group_id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    users: users
      .filter((user) => user.group_id === row.id)
      .map((user) => ({
        id: user.id,
        email: user.email,
        name: user.name,
        kind: user.kind,
        customerId: user.customer_id,
      })),
    webhooks: webhooks.filter((webhook) => webhook.group_id === row.id).map(({ id, name }) => ({ id, name })),
    monitorCount: Number(monitorCounts.find((count) => count.group_id === row.id)?.count ?? 0),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }));
}

export async function createAlertGroup(
  db: Kysely<Database>,
  orgId: string,
  input: AlertGroupCreate,
): Promise<AlertGroup> {
  const users = await resolveUsers(db, orgId, input.users ?? []);
  const webhooks = await resolveWebhooks(db, orgId, input.webhooks ?? []);
  try {
    const row = await db.transaction().execute(async (trx) => {
      const group = await trx
        .insertInto('alert_groups')
        .values({ org_id: orgId, name: input.name.trim() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await setGroupMembers(trx, group.id, users, webhooks);
      return group;
    });
    return (await toAlertGroups(db, [row]))[0]!;
  } catch (error) {
    nameTaken(error, 'ALERT_GROUP_NAME_TAKEN', input.name);
  }
}

async function setGroupMembers(
  trx: Kysely<Database>,
  groupId: string,
  users: Array<{ user_id: string | null; customer_user_id: string | null }> | undefined,
  webhooks: string[] | undefined,
): Promise<void> {
  if (users) {
    await trx.deleteFrom('alert_group_users').where('group_id', '=', groupId).execute();
    if (users.length > 0) {
      await trx
        .insertInto('alert_group_users')
        .values(users.map((user) => ({ group_id: groupId, ...user })))
        .execute();
    }
  }
  if (webhooks) {
    await trx.deleteFrom('alert_group_webhooks').where('group_id', '=', groupId).execute();
    if (webhooks.length > 0) {
      await trx
        .insertInto('alert_group_webhooks')
        .values(webhooks.map((webhook_id) => ({ group_id: groupId, webhook_id })))
        .execute();
    }
  }
}

export async function listAlertGroups(
  db: Kysely<Database>,
  orgId: string,
  query: PageQuery,
): Promise<AlertGroupPage> {
  const page = await orgPage(db, 'alert_groups', orgId, query);
  return { items: await toAlertGroups(db, page.items), nextCursor: page.nextCursor };
}

async function groupRow(db: Kysely<Database>, orgId: string, id: string) {
  const row = isUuid(id)
    ? await db
        .selectFrom('alert_groups')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw groupNotFound(id);
  return row;
}

export async function getAlertGroup(db: Kysely<Database>, orgId: string, id: string): Promise<AlertGroup> {
  return (await toAlertGroups(db, [await groupRow(db, orgId, id)]))[0]!;
}

export async function updateAlertGroup(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  input: AlertGroupUpdate,
): Promise<AlertGroup> {
  await groupRow(db, orgId, id);
  const users = input.users ? await resolveUsers(db, orgId, input.users) : undefined;
  const webhooks = input.webhooks ? await resolveWebhooks(db, orgId, input.webhooks) : undefined;
  try {
    const row = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('alert_groups')
        .set({ ...(input.name !== undefined ? { name: input.name.trim() } : {}), updated_at: new Date() })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await setGroupMembers(trx, id, users, webhooks);
      return updated;
    });
    return (await toAlertGroups(db, [row]))[0]!;
  } catch (error) {
    nameTaken(error, 'ALERT_GROUP_NAME_TAKEN', input.name);
  }
}

export function deleteAlertGroup(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  return deleteOwned(db, 'alert_groups', orgId, id, groupNotFound);
}

// Alert monitors ---------------------------------------------------------------------------------------------

function monitorNotFound(id: string): WeftError {
  return new WeftError('ALERT_MONITOR_NOT_FOUND', `No alert monitor with id '${id}' in your organization.`);
}

function invalidMonitor(message: string, field: string): WeftError {
  return new WeftError('ALERT_MONITOR_INVALID', message, { field });
}

function triggersOf(texts: string[]): AlertTrigger[] {
  const triggers: AlertTrigger[] = [];
  for (const text of texts) {
    const trigger = alertTriggerNamed(text);
    if (!trigger) {
      throw invalidMonitor(
        `'${text}' is not an alert trigger; GET /api/alert-triggers (or weft alerts:triggers:list) lists them.`,
        'triggers',
      );
    }
    if (!triggers.includes(trigger)) triggers.push(trigger);
  }
  return triggers;
}

async function resolveGroups(db: Kysely<Database>, orgId: string, references: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const reference of references.map((value) => value.trim())) {
    const row = await db
      .selectFrom('alert_groups')
      .select('id')
      .where('org_id', '=', orgId)
      .where((eb) =>
        isUuid(reference) ? eb('id', '=', reference) : eb(sql`lower(name)`, '=', reference.toLowerCase()),
      )
      .executeTakeFirst();
    if (!row) {
      throw invalidMonitor(
        `No alert group of your organization is ${isUuid(reference) ? 'id' : 'named'} '${reference}'.`,
        'groups',
      );
    }
    ids.add(row.id);
  }
  return [...ids];
}

interface MonitorScope {
  instance_id: string | null;
  integration_id: string | null;
  customer_id: string | null;
}

/** Checks the scope exists in the organization, and the flow is one of the instance's (or integration's) flows. */
async function checkScope(
  db: Kysely<Database>,
  orgId: string,
  scope: MonitorScope,
  flow: string | null,
): Promise<void> {
  if (scope.instance_id) {
    const instance = await db
      .selectFrom('instances')
      .innerJoin('integration_versions', 'integration_versions.id', 'instances.integration_version_id')
      .select(['instances.id', 'integration_versions.definition'])
      .where('instances.org_id', '=', orgId)
      .where('instances.id', '=', scope.instance_id)
      .executeTakeFirst();
    if (!instance) throw instanceNotFound(scope.instance_id);
    if (flow !== null) {
      const flows = ((instance.definition as { flows?: Array<{ name?: string }> }).flows ?? []).map(
        (f) => f.name,
      );
      if (!flows.includes(flow)) {
        throw invalidMonitor(
          `The instance has no flow named '${flow}'; its flows are ${flows.map((name) => `'${name}'`).join(', ')}.`,
          'flow',
        );
      }
    }
  }
  if (scope.integration_id) {
    const found = await db
      .selectFrom('integrations')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', scope.integration_id)
      .executeTakeFirst();
    if (!found)
      throw invalidMonitor(
        `No integration with id '${scope.integration_id}' in your organization.`,
        'integration',
      );
  }
  if (scope.customer_id) {
    const found = await db
      .selectFrom('customers')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', scope.customer_id)
      .executeTakeFirst();
    if (!found)
      throw invalidMonitor(`No customer with id '${scope.customer_id}' in your organization.`, 'customer');
  }
  if (scope.instance_id && (scope.integration_id || scope.customer_id)) {
    throw invalidMonitor(
      'A monitor watches one instance, or (as a default) the instances of an integration and/or a customer: not both.',
      'instance',
    );
  }
}

function checkSettings(
  triggers: AlertTrigger[],
  settings: {
    durationThresholdMs: number | null;
    overdueIntervalSeconds: number | null;
    logLevel: string | null;
  },
): void {
  for (const trigger of triggers) {
    if (trigger.setting && (settings[trigger.setting] === null || settings[trigger.setting] === undefined)) {
      throw invalidMonitor(`The trigger '${trigger.name}' needs ${trigger.setting}.`, trigger.setting);
    }
  }
}

const monitorSelect = sql`
  select m.*, i.name as instance_name, g.name as integration_name, c.name as customer_name,
    (select count(*) from alert_events e where e.monitor_id = m.id and e.cleared_at is null)::int as open_events,
    (select max(e.created_at) from alert_events e where e.monitor_id = m.id) as last_event_at,
    coalesce((select json_agg(json_build_object('id', ag.id, 'name', ag.name) order by ag.name)
      from alert_monitor_groups mg join alert_groups ag on ag.id = mg.group_id where mg.monitor_id = m.id), '[]') as groups
  from alert_monitors m
  left join instances i on i.id = m.instance_id
  left join integrations g on g.id = m.integration_id
  left join customers c on c.id = m.customer_id`;

interface MonitorRow {
  id: string;
  name: string;
  instance_id: string | null;
  instance_name: string | null;
  integration_id: string | null;
  integration_name: string | null;
  customer_id: string | null;
  customer_name: string | null;
  flow_name: string | null;
  triggers: string[];
  duration_threshold_ms: number | null;
  overdue_interval_seconds: number | null;
  log_level: string | null;
  enabled: boolean;
  groups: Array<{ id: string; name: string }>;
  open_events: number;
  last_event_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toAlertMonitor(row: MonitorRow): AlertMonitor {
  return {
    id: row.id,
    name: row.name,
    instanceId: row.instance_id,
    instanceName: row.instance_name,
    integrationId: row.integration_id,
    integrationName: row.integration_name,
    customerId: row.customer_id,
    customerName: row.customer_name,
    flowName: row.flow_name,
    triggers: row.triggers,
    durationThresholdMs: row.duration_threshold_ms,
    overdueIntervalSeconds: row.overdue_interval_seconds,
    logLevel: row.log_level,
    enabled: row.enabled,
    groups: row.groups,
    triggered: row.open_events > 0,
    openEvents: row.open_events,
    lastEventAt: row.last_event_at ? new Date(row.last_event_at).toISOString() : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getAlertMonitor(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<AlertMonitor> {
  if (!isUuid(id)) throw monitorNotFound(id);
  const { rows } = await sql<MonitorRow>`${monitorSelect} where m.org_id = ${orgId} and m.id = ${id}`.execute(
    db,
  );
  if (!rows[0]) throw monitorNotFound(id);
  return toAlertMonitor(rows[0]);
}

export async function listAlertMonitors(
  db: Kysely<Database>,
  orgId: string,
  query: AlertMonitorListQuery,
): Promise<AlertMonitorPage> {
  const limit = query.limit ?? 100;
  const conditions = [sql`m.org_id = ${orgId}`];
  if (query.instance) conditions.push(sql`m.instance_id = ${query.instance}`);
  if (query.integration) conditions.push(sql`m.integration_id = ${query.integration}`);
  if (query.customer) conditions.push(sql`m.customer_id = ${query.customer}`);
  if (query.covering) {
    conditions.push(sql`exists (
      select 1 from instances ci
      where ci.id = ${query.covering} and ci.org_id = ${orgId}
        and (m.instance_id = ci.id or (m.instance_id is null
          and (m.integration_id is null or m.integration_id = ci.integration_id)
          and (m.customer_id is null or m.customer_id = ci.customer_id))))`);
  }
  if (query.search) conditions.push(sql`m.name ilike ${containsPattern(query.search)}`);
  if (query.triggered !== undefined) {
    conditions.push(
      sql`${query.triggered ? sql`` : sql`not`} exists (select 1 from alert_events e where e.monitor_id = m.id and e.cleared_at is null)`,
    );
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    conditions.push(sql`(m.created_at, m.id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const { rows } = await sql<MonitorRow>`${monitorSelect} where ${sql.join(conditions, sql` and `)}
    order by m.created_at, m.id limit ${limit + 1}`.execute(db);
  return pageOf(rows, limit, toAlertMonitor);
}

export async function createAlertMonitor(
  db: Kysely<Database>,
  orgId: string,
  input: AlertMonitorCreate,
): Promise<AlertMonitor> {
  const triggers = triggersOf(input.triggers);
  const settings = {
    durationThresholdMs: input.durationThresholdMs ?? null,
    overdueIntervalSeconds: input.overdueIntervalSeconds ?? null,
    logLevel: input.logLevel ?? null,
  };
  checkSettings(triggers, settings);
  const scope = {
    instance_id: input.instance ?? null,
    integration_id: input.integration ?? null,
    customer_id: input.customer ?? null,
  };
  const flow = input.flow?.trim() || null;
  await checkScope(db, orgId, scope, flow);
  const groups = await resolveGroups(db, orgId, input.groups ?? []);
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('alert_monitors')
      .values({
        org_id: orgId,
        name: input.name.trim(),
        ...scope,
        flow_name: flow,
        triggers: triggers.map((trigger) => trigger.key),
        duration_threshold_ms: settings.durationThresholdMs,
        overdue_interval_seconds: settings.overdueIntervalSeconds,
        log_level: settings.logLevel as never,
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (groups.length > 0) {
      await trx
        .insertInto('alert_monitor_groups')
        .values(groups.map((group_id) => ({ monitor_id: row.id, group_id })))
        .execute();
    }
    return row.id;
  });
  return getAlertMonitor(db, orgId, id);
}

export async function updateAlertMonitor(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  input: AlertMonitorUpdate,
): Promise<AlertMonitor> {
  const current = await getAlertMonitor(db, orgId, id);
  const triggers = triggersOf(input.triggers ?? current.triggers);
  const settings = {
    durationThresholdMs:
      input.durationThresholdMs !== undefined ? input.durationThresholdMs : current.durationThresholdMs,
    overdueIntervalSeconds:
      input.overdueIntervalSeconds !== undefined
        ? input.overdueIntervalSeconds
        : current.overdueIntervalSeconds,
    logLevel: input.logLevel !== undefined ? input.logLevel : current.logLevel,
  };
  checkSettings(triggers, settings);
  const flow = input.flow !== undefined ? input.flow?.trim() || null : current.flowName;
  if (input.flow !== undefined) {
    await checkScope(
      db,
      orgId,
      { instance_id: current.instanceId, integration_id: null, customer_id: null },
      flow,
    );
  }
  const groups = input.groups ? await resolveGroups(db, orgId, input.groups) : undefined;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('alert_monitors')
      .set({
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        flow_name: flow,
        triggers: triggers.map((trigger) => trigger.key),
        duration_threshold_ms: settings.durationThresholdMs,
        overdue_interval_seconds: settings.overdueIntervalSeconds,
        log_level: settings.logLevel as never,
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        updated_at: new Date(),
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    if (groups) {
      await trx.deleteFrom('alert_monitor_groups').where('monitor_id', '=', id).execute();
      if (groups.length > 0) {
        await trx
          .insertInto('alert_monitor_groups')
          .values(groups.map((group_id) => ({ monitor_id: id, group_id })))
          .execute();
      }
    }
  });
  return getAlertMonitor(db, orgId, id);
}

export function deleteAlertMonitor(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  return deleteOwned(db, 'alert_monitors', orgId, id, monitorNotFound);
}

// Alert events -----------------------------------------------------------------------------------------------

function eventNotFound(id: string): WeftError {
  return new WeftError('ALERT_EVENT_NOT_FOUND', `No alert event with id '${id}' in your organization.`);
}

type EventRow = Database['alert_events'] extends infer T
  ? { [K in keyof T]: T[K] extends { __select__: infer S } ? S : T[K] }
  : never;

function toAlertEvent(row: EventRow & { monitor_name: string; created_at: Date }): AlertEvent {
  return {
    id: row.id as string,
    monitorId: row.monitor_id,
    monitorName: row.monitor_name,
    trigger: row.trigger,
    triggerName: alertTriggerOf(row.trigger)?.name ?? row.trigger,
    message: row.message,
    instanceId: row.instance_id,
    instanceName: row.instance_name,
    customerId: row.customer_id,
    flowName: row.flow_name,
    executionId: row.execution_id,
    stepName: row.step_name,
    connectionId: row.connection_id,
    logLevel: row.log_level,
    logMessage: row.log_message,
    createdAt: row.created_at.toISOString(),
    clearedAt: row.cleared_at ? row.cleared_at.toISOString() : null,
    clearedReason: row.cleared_reason,
  };
}

export async function listAlertEvents(
  db: Kysely<Database>,
  orgId: string,
  query: AlertEventListQuery,
): Promise<AlertEventPage> {
  const limit = query.limit ?? 100;
  let select = db
    .selectFrom('alert_events as e')
    .innerJoin('alert_monitors as m', 'm.id', 'e.monitor_id')
    .selectAll('e')
    .select('m.name as monitor_name')
    .where('e.org_id', '=', orgId);
  if (query.monitor) select = select.where('e.monitor_id', '=', query.monitor);
  if (query.instance) select = select.where('e.instance_id', '=', query.instance);
  if (query.open !== undefined) select = select.where('e.cleared_at', query.open ? 'is' : 'is not', null);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(e.created_at, e.id) < (${after.createdAt}, ${after.id}::uuid)`);
  }
  // Newest first: the events people look at are the latest.
  const rows = await select
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit + 1)
    .execute();
  return pageOf(
    rows,
    limit,
    (row) => toAlertEvent(row as never),
    (last) => encodeCursor({ createdAt: last.created_at as Date, id: last.id as string }),
  );
}

export async function getAlertEvent(db: Kysely<Database>, orgId: string, id: string): Promise<AlertEvent> {
  const row = isUuid(id)
    ? await db
        .selectFrom('alert_events as e')
        .innerJoin('alert_monitors as m', 'm.id', 'e.monitor_id')
        .selectAll('e')
        .select('m.name as monitor_name')
        .where('e.org_id', '=', orgId)
        .where('e.id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw eventNotFound(id);
  const deliveries = await deliveryRows(db, orgId, { alertEventId: id }, 200);
  return { ...toAlertEvent(row as never), deliveries: deliveries.map(toAlertDelivery) };
}

/** Clears open events by hand: one, or every open event of a monitor. Answers how many it cleared. */
export async function clearAlertEvents(
  db: Kysely<Database>,
  orgId: string,
  target: { eventId: string } | { monitorId: string },
  by: string,
): Promise<number> {
  if ('eventId' in target) {
    const event = await getAlertEvent(db, orgId, target.eventId);
    if (event.clearedAt) return 0;
  } else {
    await getAlertMonitor(db, orgId, target.monitorId);
  }
  const result = await db
    .updateTable('alert_events')
    .set({ cleared_at: new Date(), cleared_reason: `cleared by ${by}` })
    .where('org_id', '=', orgId)
    .where('cleared_at', 'is', null)
    .where(
      'eventId' in target ? 'id' : 'monitor_id',
      '=',
      'eventId' in target ? target.eventId : target.monitorId,
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// Deliveries -------------------------------------------------------------------------------------------------

interface DeliveryRow {
  id: string;
  channel: string;
  recipient: string | null;
  alert_webhook_id: string | null;
  webhook_name: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  body: string;
  created_at: Date;
  delivered_at: Date | null;
}

export function toAlertDelivery(row: DeliveryRow): AlertDelivery {
  return {
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    webhookId: row.alert_webhook_id,
    webhookName: row.webhook_name,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    body: row.body,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at ? row.delivered_at.toISOString() : null,
  };
}

export async function deliveryRows(
  db: Kysely<Database>,
  orgId: string,
  filter: { alertEventId?: string; webhookId?: string; ids?: string[]; cursor?: string },
  limit: number,
): Promise<DeliveryRow[]> {
  let select = db
    .selectFrom('notification_deliveries as d')
    .leftJoin('alert_webhooks as w', 'w.id', 'd.alert_webhook_id')
    .select([
      'd.id',
      'd.channel',
      'd.recipient',
      'd.alert_webhook_id',
      'w.name as webhook_name',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_status_code',
      'd.last_error',
      'd.body',
      'd.created_at',
      'd.delivered_at',
    ])
    .where('d.org_id', '=', orgId)
    .where('d.channel', 'in', ['alert-webhook', 'alert-email']);
  if (filter.alertEventId) select = select.where('d.alert_event_id', '=', filter.alertEventId);
  if (filter.webhookId) select = select.where('d.alert_webhook_id', '=', filter.webhookId);
  if (filter.ids) select = select.where('d.id', 'in', filter.ids.length > 0 ? filter.ids : [nilUuid]);
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor);
    select = select.where(sql<boolean>`(d.created_at, d.id) < (${after.createdAt}, ${after.id}::uuid)`);
  }
  return (await select
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute()) as DeliveryRow[];
}

export async function listWebhookDeliveries(
  db: Kysely<Database>,
  orgId: string,
  webhookId: string,
  query: PageQuery,
): Promise<AlertDeliveryPage> {
  await webhookRow(db, orgId, webhookId);
  const limit = query.limit ?? 100;
  const rows = await deliveryRows(
    db,
    orgId,
    { webhookId, ...(query.cursor ? { cursor: query.cursor } : {}) },
    limit + 1,
  );
  return pageOf(rows, limit, toAlertDelivery);
}

export function deliveryNotFound(id: string): WeftError {
  return new WeftError(
    'ALERT_DELIVERY_NOT_FOUND',
    `No failed alert delivery with id '${id}' in your organization.`,
  );
}
