import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import { orgCallerOf } from './caller.js';
import { Organization, OrganizationUpdate, organizationAnswers } from './organization-schemas.js';
import { getOrganization, renameOrganization } from './organization-store.js';

/** `/api/organization`: the caller's organization (its id is the `organization` claim of embedded sign-in JWTs). */
export function organizationRoutes(db: Kysely<Database>) {
  return async function organizationRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(Organization);
    const tags = ['organization'];

    app.get(
      '/organization',
      {
        config: { permission: 'organization:read' },
        schema: {
          tags,
          summary: 'Get your organization',
          description:
            'Its id is the `organization` claim of the JWTs your backend signs for embedded sign-in.',
          response: { 200: organizationAnswers.organization, ...errorResponses() },
        },
      },
      async (request) => getOrganization(db, orgCallerOf(request).orgId),
    );

    app.patch(
      '/organization',
      {
        config: { permission: 'organization:write' },
        schema: {
          tags,
          summary: 'Rename your organization',
          body: OrganizationUpdate,
          response: { 200: organizationAnswers.organization, ...errorResponses() },
        },
      },
      async (request) => renameOrganization(db, orgCallerOf(request).orgId, request.body.name),
    );
  };
}
