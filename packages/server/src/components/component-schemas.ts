import { type Static, Type } from '@sinclair/typebox';
import { refTo } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the custom components API. The types of what the store returns are derived
 * from these (`Static`), so the OpenAPI document and the code cannot drift apart.
 */

const versionFields = {
  key: Type.String(),
  version: Type.Integer(),
  label: Type.String(),
  description: Type.String(),
  comment: Type.String(),
  sha256: Type.String({ description: 'SHA-256 of the bundle, hex' }),
  bundleBytes: Type.Integer(),
  publishedAt: Type.String({ format: 'date-time' }),
  publishedBy: Type.Union([Type.String(), Type.Null()], {
    description:
      "The publishing token's user, or the token's name for an organization token; null when unknown",
  }),
};

/** One version of a custom component, without its manifest. */
export const ComponentVersion = Type.Object(versionFields, { $id: 'ComponentVersion' });
export type ComponentVersion = Static<typeof ComponentVersion>;

export const PublishedComponent = Type.Object(
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
export type PublishedComponent = Static<typeof PublishedComponent>;

export const ComponentSummary = Type.Object(
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
export type ComponentSummary = Static<typeof ComponentSummary>;

/** One version with its manifest (the catalog entry definitions use). */
export const ComponentVersionWithManifest = Type.Object({ ...versionFields, manifest: Type.Any() });

/** An integration whose draft or published versions have steps or connections of a component. */
export const ComponentUsage = Type.Object(
  {
    integrationId: Type.String({ format: 'uuid' }),
    integrationName: Type.String(),
    inDraft: Type.Boolean({ description: "Whether the integration's draft uses it" }),
    versions: Type.Array(Type.Integer(), { description: 'Published versions that use it, newest first' }),
  },
  { $id: 'ComponentUsage' },
);
export type ComponentUsage = Static<typeof ComponentUsage>;

/** The answers of the routes: references to the named schemas above, or objects made of them. */
export const componentAnswers = {
  published: refTo(PublishedComponent),
  list: Type.Object({ components: Type.Array(refTo(ComponentSummary)) }),
  versions: Type.Object({ key: Type.String(), versions: Type.Array(refTo(ComponentVersion)) }),
  versionWithManifest: ComponentVersionWithManifest,
  usage: Type.Object({ key: Type.String(), integrations: Type.Array(refTo(ComponentUsage)) }),
};

export const PublishBody = Type.Object(
  {
    bundle: Type.String({
      minLength: 1,
      description: 'Base64 of the bundle: a CommonJS file whose default export is what component() returns',
    }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });
export const VersionParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 100 }),
  version: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('LATEST')]),
});
