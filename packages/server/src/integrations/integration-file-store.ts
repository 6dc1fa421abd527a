import { sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import { integrationNotFound, WeftError } from '../errors.js';
import type { Attachment } from './integration-schemas.js';
import { type Db, getIntegrationRef } from './integration-store.js';

/** The SQL behind an integration's icon and attachments (binary content, stored in PostgreSQL). */

export async function setIcon(
  db: Db,
  orgId: string,
  id: string,
  contentType: string,
  icon: Buffer,
): Promise<void> {
  const integration = await getIntegrationRef(db, orgId, id);
  await db
    .updateTable('integrations')
    .set({ icon, icon_content_type: contentType, updated_at: sql<Date>`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', integration.id)
    .execute();
}

export async function getIcon(
  db: Db,
  orgId: string,
  id: string,
): Promise<{ contentType: string; icon: Buffer }> {
  const row = isUuid(id)
    ? await db
        .selectFrom('integrations')
        .select(['name', 'icon', 'icon_content_type'])
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw integrationNotFound(id);
  if (!row.icon || !row.icon_content_type) {
    throw new WeftError('INTEGRATION_ICON_NOT_FOUND', `Integration '${row.name}' has no icon.`);
  }
  return { contentType: row.icon_content_type, icon: row.icon };
}

export async function deleteIcon(db: Db, orgId: string, id: string): Promise<void> {
  const integration = await getIntegrationRef(db, orgId, id);
  await db
    .updateTable('integrations')
    .set({ icon: null, icon_content_type: null, updated_at: sql<Date>`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', integration.id)
    .where('icon_content_type', 'is not', null)
    .execute();
}

const columns = ['id', 'name', 'content_type', 'size_bytes', 'created_at'] as const;

function toAttachment(row: {
  id: string;
  name: string;
  content_type: string;
  size_bytes: number;
  created_at: Date;
}): Attachment {
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    createdAt: row.created_at.toISOString(),
  };
}

export async function addAttachment(
  db: Db,
  orgId: string,
  id: string,
  file: { name: string; contentType: string; content: Buffer },
): Promise<Attachment> {
  const integration = await getIntegrationRef(db, orgId, id);
  const row = await db
    .insertInto('integration_attachments')
    .values({
      org_id: orgId,
      integration_id: integration.id,
      name: file.name,
      content_type: file.contentType,
      size_bytes: file.content.length,
      content: file.content,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toAttachment(row);
}

/** Oldest first. */
export async function listAttachments(db: Db, orgId: string, id: string): Promise<Attachment[]> {
  const integration = await getIntegrationRef(db, orgId, id);
  const rows = await db
    .selectFrom('integration_attachments')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integration.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAttachment);
}

function attachmentNotFound(integrationName: string, attachmentId: string): WeftError {
  return new WeftError(
    'INTEGRATION_ATTACHMENT_NOT_FOUND',
    `Integration '${integrationName}' has no attachment with id '${attachmentId}'.`,
  );
}

export async function getAttachment(
  db: Db,
  orgId: string,
  id: string,
  attachmentId: string,
): Promise<Attachment & { content: Buffer }> {
  const integration = await getIntegrationRef(db, orgId, id);
  const row = isUuid(attachmentId)
    ? await db
        .selectFrom('integration_attachments')
        .select([...columns, 'content'])
        .where('org_id', '=', orgId)
        .where('integration_id', '=', integration.id)
        .where('id', '=', attachmentId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw attachmentNotFound(integration.name, attachmentId);
  return { ...toAttachment(row), content: row.content };
}

export async function deleteAttachment(
  db: Db,
  orgId: string,
  id: string,
  attachmentId: string,
): Promise<void> {
  const integration = await getIntegrationRef(db, orgId, id);
  const deleted = isUuid(attachmentId)
    ? await db
        .deleteFrom('integration_attachments')
        .where('org_id', '=', orgId)
        .where('integration_id', '=', integration.id)
        .where('id', '=', attachmentId)
        .returning('id')
        .executeTakeFirst()
    : undefined;
  if (!deleted) throw attachmentNotFound(integration.name, attachmentId);
}
