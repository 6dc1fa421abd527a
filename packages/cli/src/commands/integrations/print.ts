/** How integrations, their versions and attachments print. */
import { type ApiSchema, answerOf, type WeftClient } from '@weft/client';
import { type Column, formatBytes, formatRecord, truncate, yesNo } from '../../output.js';

type Integration = ApiSchema<'Integration'>;
type Attachment = ApiSchema<'IntegrationAttachment'>;

/** Imports and uploads may carry megabytes (a code-native bundle up to 50 MiB): wait longer than for the rest. */
export const uploadTimeoutMs = 300_000;

export const integrationColumns: Column<Integration>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'category', value: (i) => i.category ?? '' },
  { header: 'labels', value: (i) => i.labels.join(',') },
  { header: 'version', value: (i) => (i.latestVersionNumber === null ? '-' : String(i.latestVersionNumber)) },
  { header: 'flows', value: (i) => String(i.flowCount) },
  { header: 'instances', value: (i) => String(i.instanceCount) },
];

export const versionColumns: Column<ApiSchema<'IntegrationVersion'>>[] = [
  { header: 'version', value: (v) => String(v.versionNumber) },
  { header: 'available', value: (v) => yesNo(v.available) },
  { header: 'published', value: (v) => v.publishedAt },
  { header: 'id', value: (v) => v.id },
  { header: 'comment', value: (v) => truncate(v.comment, 60) },
];

export const attachmentColumns: Column<Attachment>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'content type', value: (a) => a.contentType },
  { header: 'size', value: (a) => formatBytes(a.sizeBytes) },
  { header: 'created', value: (a) => a.createdAt },
];

/** The first line of a text, cut to 60 characters; an ellipsis says more follows. */
function firstLine(text: string | null): string {
  const line = (text ?? '').split('\n')[0] ?? '';
  return line.length > 60 || (text ?? '').includes('\n') ? `${line.slice(0, 59)}…` : line;
}

export function integrationRecord(integration: Integration): string {
  return formatRecord({
    id: integration.id,
    name: integration.name,
    description: integration.description,
    category: integration.category ?? '',
    labels: integration.labels.join(', '),
    'code native': yesNo(integration.isCodeNative),
    flows: String(integration.flowCount),
    'config vars': String(integration.configVarCount),
    'latest version':
      integration.latestVersionNumber === null ? '-' : String(integration.latestVersionNumber),
    instances: String(integration.instanceCount),
    icon: yesNo(integration.hasIcon),
    documentation: firstLine(integration.documentation),
    'draft updated': integration.draftUpdatedAt,
    created: integration.createdAt,
    updated: integration.updatedAt,
  });
}

export function attachmentRecord(attachment: Attachment): string {
  return formatRecord({
    id: attachment.id,
    name: attachment.name,
    'content type': attachment.contentType,
    size: formatBytes(attachment.sizeBytes),
    created: attachment.createdAt,
  });
}

/** The integration as GET answers it (with its draft definition). */
export function getIntegration(weft: WeftClient, id: string) {
  return answerOf(weft.GET('/api/integrations/{id}', { params: { path: { id } } }));
}
