import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import {
  IdParams,
  type IntegrationVersion,
  type IntegrationVersionList,
  IntegrationVersionSchema,
  IntegrationVersionWithDefinition,
  integrationAnswers,
  integrationPermissions,
  integrationTags,
  Publish,
  VersionParams,
  VersionUpdate,
} from './integration-schemas.js';
import {
  getVersion,
  listVersions,
  publishIntegration,
  setVersionAvailable,
} from './integration-version-store.js';

/** `/api/integrations/:id/publish` and `/versions`: immutable, numbered versions published from the draft. */
export function integrationVersionRoutes(db: Kysely<Database>) {
  return async function integrationVersionRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(IntegrationVersionSchema);
    app.addSchema(IntegrationVersionWithDefinition);
    const tags = integrationTags;
    const { read, publish } = integrationPermissions;
    const answers = integrationAnswers;

    app.post(
      '/integrations/:id/publish',
      {
        config: publish,
        schema: {
          tags,
          summary: 'Publish the draft as the next version',
          description:
            'The draft is validated again against the current component catalog (422 DEFINITION_INVALID) and must have a flow (422 INTEGRATION_HAS_NO_FLOWS). Versions are numbered 1, 2, 3... per integration.',
          params: IdParams,
          body: Publish,
          response: { 201: answers.version, ...errorResponses(404, 413, 422) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await publishIntegration(db, callerOf(request), request.params.id, request.body.comment)),
    );

    app.get(
      '/integrations/:id/versions',
      {
        config: read,
        schema: {
          tags,
          summary: "List an integration's versions",
          description: 'Newest first.',
          params: IdParams,
          response: {
            200: answers.versionList,
            ...errorResponses(404),
          },
        },
      },
      async (request): Promise<IntegrationVersionList> => ({
        items: await listVersions(db, callerOf(request).orgId, request.params.id),
      }),
    );

    app.get(
      '/integrations/:id/versions/:versionNumber',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get a version with its definition',
          params: VersionParams,
          response: { 200: answers.versionWithDefinition, ...errorResponses(404) },
        },
      },
      async (request): Promise<IntegrationVersionWithDefinition> =>
        getVersion(db, callerOf(request).orgId, request.params.id, request.params.versionNumber),
    );

    app.patch(
      '/integrations/:id/versions/:versionNumber',
      {
        config: publish,
        schema: {
          tags,
          summary: 'Mark a version available or unavailable',
          description: 'Unavailable versions cannot be deployed. Nothing else about a version can change.',
          params: VersionParams,
          body: VersionUpdate,
          response: { 200: answers.version, ...errorResponses(404, 413) },
        },
      },
      async (request): Promise<IntegrationVersion> =>
        setVersionAvailable(
          db,
          callerOf(request).orgId,
          request.params.id,
          request.params.versionNumber,
          request.body.available,
        ),
    );
  };
}
