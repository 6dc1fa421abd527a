import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { orgCallerOf } from '../auth/caller.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import { AuditEvent, AuditEventPage, AuditEventQuery, auditAnswers } from './audit-schemas.js';
import { listAuditEvents } from './audit-store.js';

/** `/api/audit-events`: who changed what in the organization, newest first. Recording is audit-recorder.ts. */
export function auditRoutes(db: Kysely<Database>) {
  return async function auditRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(AuditEvent);
    app.addSchema(AuditEventPage);

    app.get(
      '/audit-events',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          summary: 'List audit events',
          description:
            'Every change made through the API (integrations, versions, instances, connections, customers, users, tokens, keys) and every sign-in, with who made it, newest first, in pages (`cursor`). Filters: actor (id, or name such as an email), action (a prefix: `instance.` for every instance change), targetType, targetId, customer (id or externalId), and a time range [since, until). Details never hold secrets. Events are kept WEFT_AUDIT_RETENTION_DAYS days (default 365).',
          querystring: AuditEventQuery,
          response: { 200: auditAnswers.page, ...errorResponses() },
        },
      },
      async (request) => listAuditEvents(db, orgCallerOf(request).orgId, request.query),
    );
  };
}
