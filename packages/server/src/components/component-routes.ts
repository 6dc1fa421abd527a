import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { decodeBundle, importBodyLimitBytes } from '../http/bundle-body.js';
import { errorResponses } from '../http/common-schemas.js';
import {
  componentVersions,
  findComponentVersion,
  listComponents,
  publishComponent,
} from './component-store.js';

const tags = ['Components'];
const read = { permission: 'components:read' } as const;
const write = { permission: 'components:write' } as const;

const versionFields = {
  key: Type.String(),
  version: Type.Integer(),
  label: Type.String(),
  description: Type.String(),
  comment: Type.String(),
  sha256: Type.String({ description: 'SHA-256 of the bundle, hex' }),
  bundleBytes: Type.Integer(),
  publishedAt: Type.String({ format: 'date-time' }),
};
const ComponentVersion = Type.Object(versionFields, { $id: 'ComponentVersion' });

const Published = Type.Object(
  {
    ...versionFields,
    unchanged: Type.Boolean({
      description: "True when the bundle was the latest version's: nothing was stored",
    }),
    actions: Type.Array(Type.String()),
    triggers: Type.Array(Type.String()),
    dataSources: Type.Array(Type.String()),
    connections: Type.Array(Type.String()),
  },
  { $id: 'PublishedComponent' },
);

const ComponentSummary = Type.Object(
  {
    key: Type.String(),
    label: Type.String(),
    description: Type.String(),
    latestVersion: Type.Integer(),
    versionCount: Type.Integer(),
    publishedAt: Type.String({ format: 'date-time', description: "The latest version's" }),
  },
  { $id: 'ComponentSummary' },
);

const PublishBody = Type.Object(
  {
    bundle: Type.String({
      minLength: 1,
      description: 'Base64 of the bundle: a CommonJS file whose default export is what component() returns',
    }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });
const VersionParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 100 }),
  version: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('LATEST')]),
});

/** `/api/components`: the organization's custom components, published as versioned bundles. */
export function componentRoutes(db: Kysely<Database>) {
  return async function componentRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(ComponentVersion);
    app.addSchema(Published);
    app.addSchema(ComponentSummary);

    app.post<{ Body: Static<typeof PublishBody> }>(
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
            200: Type.Ref('PublishedComponent'),
            201: Type.Ref('PublishedComponent'),
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
          response: {
            200: Type.Object({ components: Type.Array(Type.Ref('ComponentSummary')) }),
            ...errorResponses(),
          },
        },
      },
      async (request) => ({ components: await listComponents(db, callerOf(request).orgId) }),
    );

    app.get<{ Params: Static<typeof KeyParams> }>(
      '/components/:key/versions',
      {
        config: read,
        schema: {
          tags,
          summary: "A custom component's versions",
          description: 'Newest first.',
          params: KeyParams,
          response: {
            200: Type.Object({ key: Type.String(), versions: Type.Array(Type.Ref('ComponentVersion')) }),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        key: request.params.key,
        versions: await componentVersions(db, callerOf(request).orgId, request.params.key),
      }),
    );

    app.get<{ Params: Static<typeof VersionParams> }>(
      '/components/:key/versions/:version',
      {
        config: read,
        schema: {
          tags,
          summary: 'One version of a custom component, with its manifest',
          description:
            'The manifest lists its actions, triggers, data sources and connections with their inputs, as definitions use them. `LATEST` names the newest version.',
          params: VersionParams,
          response: {
            200: Type.Object({ ...versionFields, manifest: Type.Any() }),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const { key, version } = request.params;
        const { sha256, manifest, ...summary } = await findComponentVersion(
          db,
          callerOf(request).orgId,
          key,
          version,
        );
        return { ...summary, sha256, manifest };
      },
    );
  };
}
