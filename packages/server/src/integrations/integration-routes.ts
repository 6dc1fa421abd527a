import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { decodeBundle, importBodyLimitBytes } from '../http/bundle-body.js';
import { errorResponses, page } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import { importIntegration } from './integration-import.js';
import {
  DefinitionProblem,
  IdParams,
  ImportAnswer,
  IntegrationCreate,
  IntegrationFork,
  IntegrationImport,
  IntegrationListQuery,
  IntegrationSchema,
  IntegrationUpdate,
  IntegrationWithDefinition,
  integrationPermissions,
  integrationTags,
} from './integration-schemas.js';
import {
  createIntegration,
  deleteIntegration,
  exportIntegration,
  forkIntegration,
  getIntegration,
  listIntegrations,
  sharedWebhookToken,
  updateIntegration,
} from './integration-store.js';

/** `/api/integrations`: integrations and their drafts; import, export, fork and delete. */
export interface IntegrationRouteOptions {
  /** Base of webhook URLs (the shared one); unset: taken from the request. */
  publicUrl: string | undefined;
}

export function integrationRoutes(db: Kysely<Database>, options: IntegrationRouteOptions) {
  return async function integrationRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(IntegrationSchema);
    app.addSchema(IntegrationWithDefinition);
    app.addSchema(DefinitionProblem);
    app.addSchema(ImportAnswer);
    app.addSchema(page(Type.Ref('Integration'), 'IntegrationPage'));
    const tags = integrationTags;
    const { read, write } = integrationPermissions;

    app.post<{ Body: Static<typeof IntegrationCreate> }>(
      '/integrations',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an integration',
          description: 'Its draft is empty: no flows, config variables or config pages yet.',
          body: IntegrationCreate,
          response: { 201: Type.Ref('Integration'), ...errorResponses(409, 413) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createIntegration(db, callerOf(request).orgId, request.body)),
    );

    app.post<{ Body: Static<typeof IntegrationImport> }>(
      '/integrations/import',
      {
        config: write,
        bodyLimit: importBodyLimitBytes,
        schema: {
          tags,
          summary: 'Import a definition (YAML or code-native bundle)',
          description:
            'Exactly one of `definition` (YAML) and `bundle` (base64). Without `integrationId` it creates an integration (201); with it, it replaces that draft (200), and flows and config variables keep their stable keys. Invalid definitions answer 422 DEFINITION_INVALID with details.problems; nothing is stored.',
          body: IntegrationImport,
          response: {
            200: Type.Ref('IntegrationImport'),
            201: Type.Ref('IntegrationImport'),
            ...errorResponses(404, 409, 413, 422),
          },
        },
      },
      async (request, reply) => {
        const { definition, bundle, fileName, integrationId } = request.body;
        if ((definition === undefined) === (bundle === undefined)) {
          throw new WeftError(
            'API_VALIDATION_FAILED',
            'The body must have exactly one of the fields definition (YAML text) and bundle (base64 of a code-native bundle).',
            { part: 'body', field: definition === undefined ? 'definition' : 'bundle' },
          );
        }
        const result = await importIntegration(db, callerOf(request).orgId, {
          ...(definition !== undefined ? { definition } : {}),
          ...(bundle !== undefined ? { bundle: decodeBundle(bundle) } : {}),
          ...(fileName !== undefined ? { fileName } : {}),
          ...(integrationId !== undefined ? { integrationId } : {}),
        });
        return reply
          .status(result.created ? 201 : 200)
          .send({ ...result.integration, created: result.created, warnings: result.warnings });
      },
    );

    app.get<{ Querystring: Static<typeof IntegrationListQuery> }>(
      '/integrations',
      {
        config: read,
        schema: {
          tags,
          summary: 'List integrations',
          description: 'Oldest first, in pages; filter by free-text search, category and labels.',
          querystring: IntegrationListQuery,
          response: { 200: Type.Ref('IntegrationPage'), ...errorResponses() },
        },
      },
      async (request) => {
        const { search, category, label, limit, cursor } = request.query;
        return listIntegrations(db, callerOf(request).orgId, {
          ...(search ? { search } : {}),
          ...(category ? { category } : {}),
          ...(label ? { labels: label } : {}),
          ...(cursor ? { cursor } : {}),
          limit: limit ?? 100,
        });
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/integrations/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get an integration with its draft definition',
          params: IdParams,
          response: { 200: Type.Ref('IntegrationWithDefinition'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const { orgId } = callerOf(request);
        const integration = await getIntegration(db, orgId, request.params.id);
        const token = await sharedWebhookToken(db, orgId, integration.id);
        return {
          ...integration,
          sharedWebhookUrl: token ? `${baseUrlOf(request, options.publicUrl)}/trigger/${token}` : null,
        };
      },
    );

    app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof IntegrationUpdate> }>(
      '/integrations/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Update an integration',
          description:
            'Only the fields sent change, in the integration and in its draft definition alike; labels are replaced as a whole.',
          params: IdParams,
          body: IntegrationUpdate,
          response: { 200: Type.Ref('Integration'), ...errorResponses(404, 409, 413) },
        },
      },
      async (request) => updateIntegration(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.get<{ Params: Static<typeof IdParams>; Querystring: { version?: number } }>(
      '/integrations/:id/export',
      {
        config: read,
        schema: {
          tags,
          summary: 'Export the draft or a version as YAML',
          description: 'Answers application/yaml text that the import route reads back.',
          params: IdParams,
          querystring: Type.Object(
            {
              version: Type.Optional(Type.Integer({ minimum: 1, description: 'A published version number' })),
            },
            { additionalProperties: false },
          ),
          response: { ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const yaml = await exportIntegration(
          db,
          callerOf(request).orgId,
          request.params.id,
          request.query.version,
        );
        return reply.type('application/yaml; charset=utf-8').send(yaml);
      },
    );

    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof IntegrationFork> }>(
      '/integrations/:id/fork',
      {
        config: write,
        schema: {
          tags,
          summary: 'Fork an integration',
          description:
            'A new integration with a copy of the draft, the icon and the attachments; no versions.',
          params: IdParams,
          body: IntegrationFork,
          response: { 201: Type.Ref('Integration'), ...errorResponses(404, 409, 413) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await forkIntegration(db, callerOf(request).orgId, request.params.id, request.body)),
    );

    app.delete<{ Params: Static<typeof IdParams>; Querystring: { force?: boolean } }>(
      '/integrations/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete an integration',
          description:
            'With its versions and attachments. Refused (409 INTEGRATION_HAS_INSTANCES) while it has instances, unless force=true, which deletes them too.',
          params: IdParams,
          querystring: Type.Object(
            { force: Type.Optional(Type.Boolean({ default: false })) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        await deleteIntegration(db, callerOf(request).orgId, request.params.id, request.query.force ?? false);
        return reply.status(204).send();
      },
    );
  };
}
