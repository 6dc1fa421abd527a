import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { decodeBundle, importBodyLimitBytes } from '../http/bundle-body.js';
import { errorResponses } from '../http/common-schemas.js';
import {
  ComponentSummary,
  ComponentUsage,
  ComponentVersion,
  componentAnswers,
  KeyParams,
  PublishBody,
  PublishedComponent,
  VersionParams,
} from './component-schemas.js';
import {
  componentUsage,
  componentVersions,
  findComponentVersion,
  listComponents,
  publishComponent,
} from './component-store.js';

const tags = ['Components'];
const read = { permission: 'components:read' } as const;
const write = { permission: 'components:write' } as const;

/** `/api/components`: the organization's custom components, published as versioned bundles. */
export function componentRoutes(db: Kysely<Database>) {
  return async function componentRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(ComponentVersion);
    app.addSchema(PublishedComponent);
    app.addSchema(ComponentSummary);
    app.addSchema(ComponentUsage);
    const answers = componentAnswers;

    app.post(
      '/components',
      {
        config: write,
        bodyLimit: importBodyLimitBytes,
        schema: {
          tags,
          summary: 'Publish a custom component',
          description:
            "Reads the bundle's component in a sandbox and stores it as the next version of its key (201). The same bundle as the latest version answers that version with unchanged: true (200). 422 BUNDLE_INVALID when the bundle does not load or exports no component; 409 COMPONENT_KEY_RESERVED for a built-in key.",
          body: PublishBody,
          response: {
            200: answers.published,
            201: answers.published,
            ...errorResponses(409, 413, 422),
          },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const published = await publishComponent(db, caller.orgId, {
          bundle: decodeBundle(request.body.bundle),
          ...(request.body.comment !== undefined ? { comment: request.body.comment } : {}),
          tokenId: caller.tokenId,
          userId: caller.kind === 'organization' ? caller.userId : null,
        });
        return reply.status(published.unchanged ? 200 : 201).send(published);
      },
    );

    app.get(
      '/components',
      {
        config: read,
        schema: {
          tags,
          summary: 'List custom components',
          description: 'Each key once, with its latest version, by key.',
          response: { 200: answers.list, ...errorResponses() },
        },
      },
      async (request) => ({ components: await listComponents(db, callerOf(request).orgId) }),
    );

    app.get(
      '/components/:key/versions',
      {
        config: read,
        schema: {
          tags,
          summary: "A custom component's versions",
          description: 'Newest first.',
          params: KeyParams,
          response: { 200: answers.versions, ...errorResponses(404) },
        },
      },
      async (request) => ({
        key: request.params.key,
        versions: await componentVersions(db, callerOf(request).orgId, request.params.key),
      }),
    );

    app.get(
      '/components/:key/usage',
      {
        config: read,
        schema: {
          tags,
          summary: 'Where a custom component is used',
          description:
            'The integrations whose draft or published versions name the component (in a step at any depth, a connection config variable...), by name, with the versions that do.',
          params: KeyParams,
          response: { 200: answers.usage, ...errorResponses(404) },
        },
      },
      async (request) => ({
        key: request.params.key,
        integrations: await componentUsage(db, callerOf(request).orgId, request.params.key),
      }),
    );

    app.get(
      '/components/:key/versions/:version',
      {
        config: read,
        schema: {
          tags,
          summary: 'One version of a custom component, with its manifest',
          description:
            'The manifest lists its actions, triggers, data sources and connections with their inputs, as definitions use them. `LATEST` names the newest version.',
          params: VersionParams,
          response: { 200: answers.versionWithManifest, ...errorResponses(404) },
        },
      },
      async (request) =>
        findComponentVersion(db, callerOf(request).orgId, request.params.key, request.params.version),
    );
  };
}
