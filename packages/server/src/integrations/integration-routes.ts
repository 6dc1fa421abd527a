import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { decodeBundle, importBodyLimitBytes } from '../http/bundle-body.js';
import { errorResponses, NoContent } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import { importIntegration } from './integration-operations.js';
import {
  DefinitionProblem,
  DeleteQuery,
  ExportQuery,
  fileAnswers,
  IdParams,
  ImportAnswer,
  IntegrationCreate,
  IntegrationFork,
  IntegrationImport,
  IntegrationListQuery,
  IntegrationPage,
  IntegrationSchema,
  type IntegrationSummary,
  IntegrationUpdate,
  IntegrationWithDefinition,
  integrationAnswers,
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
  return async function integrationRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(IntegrationSchema);
    app.addSchema(IntegrationWithDefinition);
    app.addSchema(DefinitionProblem);
    app.addSchema(ImportAnswer);
    app.addSchema(IntegrationPage);
    const answers = integrationAnswers;
    const tags = integrationTags;
    const { read, write } = integrationPermissions;

    app.post(
      '/integrations',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an integration',
          description: 'Its draft is empty: no flows, config variables or config pages yet.',
          body: IntegrationCreate,
          response: { 201: answers.integration, ...errorResponses(409, 413) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createIntegration(db, callerOf(request).orgId, request.body)),
    );

    app.post(
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
            200: answers.import,
            201: answers.import,
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

    app.get(
      '/integrations',
      {
        config: read,
        schema: {
          tags,
          summary: 'List integrations',
          description: 'Oldest first, in pages; filter by free-text search, category and labels.',
          querystring: IntegrationListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request): Promise<IntegrationPage> => {
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

    app.get(
      '/integrations/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get an integration with its draft definition',
          params: IdParams,
          response: { 200: answers.withDefinition, ...errorResponses(404) },
        },
      },
      async (request): Promise<IntegrationWithDefinition> => {
        const { orgId } = callerOf(request);
        const integration = await getIntegration(db, orgId, request.params.id);
        const token = await sharedWebhookToken(db, orgId, integration.id);
        return {
          ...integration,
          sharedWebhookUrl: token ? `${baseUrlOf(request, options.publicUrl)}/trigger/${token}` : null,
        };
      },
    );

    app.patch(
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
          response: { 200: answers.integration, ...errorResponses(404, 409, 413) },
        },
      },
      async (request): Promise<IntegrationSummary> =>
        updateIntegration(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.get(
      '/integrations/:id/export',
      {
        config: read,
        schema: {
          tags,
          summary: 'Export the draft or a version as YAML',
          description: 'Answers application/yaml text that the import route reads back.',
          params: IdParams,
          querystring: ExportQuery,
          response: { 200: fileAnswers.yaml, ...errorResponses(404) },
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

    app.post(
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
          response: { 201: answers.integration, ...errorResponses(404, 409, 413) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await forkIntegration(db, callerOf(request).orgId, request.params.id, request.body)),
    );

    app.delete(
      '/integrations/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete an integration',
          description:
            'With its versions and attachments. Refused (409 INTEGRATION_HAS_INSTANCES) while it has instances, unless force=true, which deletes them too.',
          params: IdParams,
          querystring: DeleteQuery,
          response: { 204: NoContent, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        await deleteIntegration(db, callerOf(request).orgId, request.params.id, request.query.force ?? false);
        return reply.status(204).send();
      },
    );
  };
}
