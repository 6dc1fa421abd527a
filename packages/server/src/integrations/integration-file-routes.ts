import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses, NoContent } from '../http/common-schemas.js';
import {
  addAttachment,
  deleteAttachment,
  deleteIcon,
  getAttachment,
  getIcon,
  listAttachments,
  setIcon,
} from './integration-file-store.js';
import {
  type AttachmentList,
  AttachmentParams,
  AttachmentSchema,
  AttachmentUploadQuery,
  fileAnswers,
  IdParams,
  iconContentTypes,
  integrationAnswers,
  integrationPermissions,
  integrationTags,
} from './integration-schemas.js';

export const iconLimitBytes = 1024 * 1024;
export const attachmentLimitBytes = 25 * 1024 * 1024;

function mediaTypeOf(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A download never runs in the API's origin: no sniffing, and SVG (which can hold scripts) sandboxed. */
function sendFile(reply: FastifyReply, contentType: string, content: Buffer) {
  return reply
    .header('content-type', contentType)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    .header('cache-control', 'private, no-cache')
    .send(content);
}

/** `attachment; filename="..."` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  // One `_` per character the quoted form cannot carry (an emoji is one character, though two UTF-16 units).
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * `/api/integrations/:id/icon` and `/attachments`: the routes that take raw bytes instead of JSON. Their body
 * parser (any content type, kept as a Buffer) lives in this plugin only, so the rest of the API stays JSON-only.
 */
export function integrationFileRoutes(db: Kysely<Database>) {
  return async function integrationFileRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addSchema(AttachmentSchema);
    const tags = integrationTags;
    const { read, write } = integrationPermissions;
    const answers = integrationAnswers;

    app.put(
      '/integrations/:id/icon',
      {
        config: write,
        bodyLimit: iconLimitBytes,
        // Refuse an unsupported type before reading the body.
        preParsing: async (request, _reply, payload) => {
          const type = mediaTypeOf(request);
          if (!(iconContentTypes as readonly string[]).includes(type)) {
            throw new WeftError(
              'INTEGRATION_ICON_TYPE_UNSUPPORTED',
              `An icon of Content-Type '${request.headers['content-type'] ?? ''}' is not accepted; send one of ${iconContentTypes.join(', ')}.`,
              { contentType: request.headers['content-type'] ?? null, allowed: [...iconContentTypes] },
            );
          }
          return payload;
        },
        schema: {
          tags,
          summary: "Set the integration's icon",
          description: `The raw image as the body, with its Content-Type (${iconContentTypes.join(', ')}); at most 1 MiB.`,
          params: IdParams,
          response: { 204: NoContent, ...errorResponses(404, 413, 415) },
        },
      },
      async (request, reply) => {
        const icon = request.body as Buffer | undefined;
        if (!icon || icon.length === 0) {
          throw new WeftError('API_VALIDATION_FAILED', 'The icon is empty: send the image as the body.', {
            part: 'body',
          });
        }
        await setIcon(db, callerOf(request).orgId, request.params.id, mediaTypeOf(request), icon);
        return reply.status(204).send();
      },
    );

    app.get(
      '/integrations/:id/icon',
      {
        config: read,
        schema: {
          tags,
          summary: "Get the integration's icon",
          description: 'The image bytes, with their Content-Type.',
          params: IdParams,
          response: { 200: fileAnswers.icon, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const { contentType, icon } = await getIcon(db, callerOf(request).orgId, request.params.id);
        return sendFile(reply, contentType, icon);
      },
    );

    app.delete(
      '/integrations/:id/icon',
      {
        config: write,
        schema: {
          tags,
          summary: "Remove the integration's icon",
          params: IdParams,
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteIcon(db, callerOf(request).orgId, request.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/integrations/:id/attachments',
      {
        config: write,
        bodyLimit: attachmentLimitBytes,
        schema: {
          tags,
          summary: 'Attach a file to the integration',
          description:
            'The raw file as the body, of any Content-Type (kept and answered on download); at most 25 MiB.',
          params: IdParams,
          querystring: AttachmentUploadQuery,
          response: { 201: answers.attachment, ...errorResponses(404, 413) },
        },
      },
      async (request, reply) => {
        const header = request.headers['content-type']?.trim();
        const contentType = header && header.length <= 255 ? header : 'application/octet-stream';
        const attachment = await addAttachment(db, callerOf(request).orgId, request.params.id, {
          name: request.query.name.trim(),
          contentType,
          content: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
        });
        return reply.status(201).send(attachment);
      },
    );

    app.get(
      '/integrations/:id/attachments',
      {
        config: read,
        schema: {
          tags,
          summary: "List the integration's attachments",
          description: 'Oldest first; without their content.',
          params: IdParams,
          response: {
            200: answers.attachmentList,
            ...errorResponses(404),
          },
        },
      },
      async (request): Promise<AttachmentList> => ({
        items: await listAttachments(db, callerOf(request).orgId, request.params.id),
      }),
    );

    app.get(
      '/integrations/:id/attachments/:attachmentId',
      {
        config: read,
        schema: {
          tags,
          summary: 'Download an attachment',
          description:
            'The bytes as uploaded, with their Content-Type and a Content-Disposition naming the file.',
          params: AttachmentParams,
          response: { 200: fileAnswers.attachment, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const attachment = await getAttachment(
          db,
          callerOf(request).orgId,
          request.params.id,
          request.params.attachmentId,
        );
        reply.header('content-disposition', contentDisposition(attachment.name));
        return sendFile(reply, attachment.contentType, attachment.content);
      },
    );

    app.delete(
      '/integrations/:id/attachments/:attachmentId',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete an attachment',
          params: AttachmentParams,
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteAttachment(db, callerOf(request).orgId, request.params.id, request.params.attachmentId);
        return reply.status(204).send();
      },
    );
  };
}
