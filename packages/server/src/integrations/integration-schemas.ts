import { Type } from '@sinclair/typebox';
import { Cursor, Limit } from '../http/common-schemas.js';
import { metadataLimits } from './integration-definition.js';

/** The request and answer shapes of the integrations API (see docs/integrations-api.md). */

/** What the routes of the integrations API need (the roles holding each are in auth/roles.ts). */
export const integrationPermissions = {
  read: { permission: 'integrations:read' },
  write: { permission: 'integrations:write' },
  publish: { permission: 'integrations:publish' },
} as const;

export const integrationTags = ['integrations'];

export const IntegrationName = Type.String({
  minLength: 1,
  maxLength: metadataLimits.nameLength,
  pattern: '\\S',
  description: 'Unique in the organization (case-insensitive)',
});
const Description = Type.String({ maxLength: metadataLimits.descriptionLength });
const Category = Type.String({ minLength: 1, maxLength: metadataLimits.categoryLength, pattern: '\\S' });
const Labels = Type.Array(
  Type.String({ minLength: 1, maxLength: metadataLimits.labelLength, pattern: '\\S' }),
  {
    maxItems: metadataLimits.labelCount,
    description: 'Trimmed and without repeats; filters match them without regard to case',
  },
);
const Documentation = Type.String({
  maxLength: metadataLimits.documentationLength,
  description: 'Markdown shown to deployers',
});
const DateTime = Type.String({ format: 'date-time' });
const Uuid = Type.String({ format: 'uuid' });

const integrationFields = {
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  labels: Type.Array(Type.String()),
  documentation: Type.Union([Type.String(), Type.Null()]),
  isCodeNative: Type.Boolean(),
  hasIcon: Type.Boolean(),
  iconUrl: Type.Union([Type.String(), Type.Null()], { description: 'Where GET answers with the icon' }),
  flowCount: Type.Integer(),
  configVarCount: Type.Integer(),
  latestVersionNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'null until published' }),
  instanceCount: Type.Integer(),
  draftUpdatedAt: DateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const IntegrationSchema = Type.Object(integrationFields, { $id: 'Integration' });

const Definition = Type.Unknown({
  description: 'The flow model (Integration of @weft/definition) as JSON',
});

export const IntegrationWithDefinition = Type.Object(
  {
    ...integrationFields,
    definition: Definition,
    sharedWebhookUrl: Type.Union([Type.String(), Type.Null()], {
      description:
        "The one webhook URL of all customers' instances, when the draft or a published version uses a shared endpoint (endpointType shared_instance); null otherwise",
    }),
  },
  { $id: 'IntegrationWithDefinition' },
);

export const DefinitionProblem = Type.Object(
  {
    code: Type.String({ description: 'A definitionProblemCodes key of @weft/definition' }),
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
    message: Type.String(),
    file: Type.Optional(Type.String()),
    line: Type.Integer({ description: '1-based' }),
    column: Type.Integer({ description: '1-based' }),
    path: Type.String({ description: 'Path of the field, as flows[0].steps[2].inputs.url' }),
  },
  { $id: 'DefinitionProblem' },
);

export const ImportAnswer = Type.Object(
  {
    ...integrationFields,
    created: Type.Boolean({ description: 'true when the import created the integration' }),
    warnings: Type.Array(Type.Ref('DefinitionProblem')),
  },
  { $id: 'IntegrationImport' },
);

export const IntegrationVersionSchema = Type.Object(
  {
    id: Uuid,
    integrationId: Uuid,
    versionNumber: Type.Integer({ minimum: 1 }),
    comment: Type.String(),
    available: Type.Boolean({ description: 'Unavailable versions cannot be deployed' }),
    isCodeNative: Type.Boolean(),
    publishedAt: DateTime,
    publishedByTokenId: Type.Union([Uuid, Type.Null()]),
  },
  { $id: 'IntegrationVersion' },
);

export const IntegrationVersionWithDefinition = Type.Object(
  {
    ...IntegrationVersionSchema.properties,
    definition: Definition,
  },
  { $id: 'IntegrationVersionWithDefinition' },
);

export const AttachmentSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    contentType: Type.String(),
    sizeBytes: Type.Integer(),
    createdAt: DateTime,
  },
  { $id: 'IntegrationAttachment' },
);

export const IntegrationCreate = Type.Object(
  {
    name: IntegrationName,
    description: Type.Optional(Description),
    category: Type.Optional(Category),
    labels: Type.Optional(Labels),
    documentation: Type.Optional(Documentation),
  },
  { additionalProperties: false },
);

export const IntegrationUpdate = Type.Object(
  {
    name: Type.Optional(IntegrationName),
    description: Type.Optional(Description),
    category: Type.Optional(Type.Union([Category, Type.Null()], { description: 'null removes it' })),
    labels: Type.Optional(Labels),
    documentation: Type.Optional(
      Type.Union([Documentation, Type.Null()], { description: 'null removes it' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IntegrationImport = Type.Object(
  {
    definition: Type.Optional(Type.String({ description: 'YAML text of a definitionVersion 7 definition' })),
    bundle: Type.Optional(
      Type.String({
        description:
          'Base64 of a code-native bundle: a CommonJS file whose default export is what integration() returns',
      }),
    ),
    fileName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'Named in the problems found' }),
    ),
    integrationId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Replace the draft of this integration' }),
    ),
  },
  { additionalProperties: false },
);

export const IntegrationListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or description' })),
    category: Type.Optional(Type.String({ maxLength: 200, description: 'Exact category, any case' })),
    label: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 50,
        description: 'Integrations having every label given (any case)',
      }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const IntegrationFork = Type.Object(
  { name: IntegrationName, description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const Publish = Type.Object(
  { comment: Type.String({ maxLength: 5000, description: 'What changed in this version' }) },
  { additionalProperties: false },
);

export const VersionUpdate = Type.Object({ available: Type.Boolean() }, { additionalProperties: false });

export const IdParams = Type.Object({ id: Type.String({ description: 'Integration id' }) });
export const VersionParams = Type.Object({
  id: Type.String({ description: 'Integration id' }),
  versionNumber: Type.Integer({ minimum: 1 }),
});
export const AttachmentParams = Type.Object({
  id: Type.String({ description: 'Integration id' }),
  attachmentId: Type.String(),
});
