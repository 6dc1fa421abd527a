import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, page, refTo, Uuid } from '../http/common-schemas.js';
import { metadataLimits } from './integration-definition.js';

/**
 * The request and answer shapes of the integrations API (see docs/integrations-api.md): the integrations, their
 * versions, icons and attachments. The types of what the stores return are derived from these (`Static`), so the
 * OpenAPI document and the code cannot drift apart.
 */

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
  latestPublishedAt: Type.Union([DateTime, Type.Null()], {
    description: 'When the latest version was published; a draftUpdatedAt after it means unpublished changes',
  }),
  marketplaceListed: Type.Boolean({ description: 'Whether customers see it in the marketplace' }),
  instanceCount: Type.Integer(),
  draftUpdatedAt: DateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const IntegrationSchema = Type.Object(integrationFields, { $id: 'Integration' });
/** An integration as the API answers it, without its draft definition. */
export type IntegrationSummary = Static<typeof IntegrationSchema>;

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
export type IntegrationWithDefinition = Static<typeof IntegrationWithDefinition>;

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
    warnings: Type.Array(refTo(DefinitionProblem)),
  },
  { $id: 'IntegrationImport' },
);
export type ImportAnswer = Static<typeof ImportAnswer>;

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
    publishedBy: Type.Union([Type.String(), Type.Null()], {
      description:
        "The publishing token's user, or the token's name for an organization token; null when published from a console session or the token is gone",
    }),
  },
  { $id: 'IntegrationVersion' },
);
export type IntegrationVersion = Static<typeof IntegrationVersionSchema>;

export const IntegrationVersionWithDefinition = Type.Object(
  {
    ...IntegrationVersionSchema.properties,
    definition: Definition,
  },
  { $id: 'IntegrationVersionWithDefinition' },
);
export type IntegrationVersionWithDefinition = Static<typeof IntegrationVersionWithDefinition>;

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
/** An attachment as listed, without its content. */
export type Attachment = Static<typeof AttachmentSchema>;

export const IntegrationPage = page(refTo(IntegrationSchema), 'IntegrationPage');
export type IntegrationPage = Static<typeof IntegrationPage>;

/** The answers of the routes, each a reference to a named schema above (or a list of them). */
export const integrationAnswers = {
  integration: refTo(IntegrationSchema),
  withDefinition: refTo(IntegrationWithDefinition),
  import: refTo(ImportAnswer),
  page: refTo(IntegrationPage),
  version: refTo(IntegrationVersionSchema),
  versionWithDefinition: refTo(IntegrationVersionWithDefinition),
  versionList: Type.Object({ items: Type.Array(refTo(IntegrationVersionSchema)) }),
  attachment: refTo(AttachmentSchema),
  attachmentList: Type.Object({ items: Type.Array(refTo(AttachmentSchema)) }),
};
export type IntegrationVersionList = Static<typeof integrationAnswers.versionList>;
export type AttachmentList = Static<typeof integrationAnswers.attachmentList>;

/**
 * The answer of a 204: no body (`type: 'null'`, so the OpenAPI document shows none), and typed `undefined` so that
 * `reply.status(204).send()` type-checks under the TypeBox type provider.
 */

/** The content types an icon may have (PUT refuses any other, so GET answers only these). */
export const iconContentTypes = [
  'image/png',
  'image/jpeg',
  'image/svg+xml',
  'image/webp',
  'image/gif',
] as const;

const Binary = Type.String({ format: 'binary' });

/**
 * The answers that are not JSON. Their bytes are sent as they are (a string or a Buffer with its Content-Type
 * set is never serialized); these only describe them, in the OpenAPI document.
 */
export const fileAnswers = {
  /** GET /integrations/:id/export: `application/yaml; charset=utf-8`. */
  yaml: {
    description: 'The definition as YAML, as the import route reads it back',
    content: { 'application/yaml': { schema: Type.String() } },
  },
  /** GET /integrations/:id/icon: the image, with the Content-Type it was set with. */
  icon: {
    description: 'The image bytes, with the Content-Type the icon was set with',
    content: Object.fromEntries(iconContentTypes.map((type) => [type, { schema: Binary }])),
  },
  /** GET /integrations/:id/attachments/:attachmentId: any Content-Type, the one it was uploaded with. */
  attachment: {
    description: 'The bytes as uploaded, with their Content-Type and a Content-Disposition naming the file',
    content: { '*/*': { schema: Binary } },
  },
};

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
export type IntegrationCreate = Static<typeof IntegrationCreate>;

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
export type IntegrationUpdate = Static<typeof IntegrationUpdate>;

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

export const ExportQuery = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'A published version number' })),
  },
  { additionalProperties: false },
);

export const DeleteQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);

export const IntegrationFork = Type.Object(
  { name: IntegrationName, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export type IntegrationFork = Static<typeof IntegrationFork>;

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

/**
 * What an attachment's name may not hold: slashes and backslashes, control characters, and the Unicode controls
 * that change how the name shows (bidirectional overrides make `invoice\u202Efdp.exe` look like `invoiceexe.pdf` in
 * a download dialog; line and paragraph separators break it in two).
 */
const forbiddenInFileNames =
  '\\u0000-\\u001f\\u007f-\\u009f/\\\\\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
// Allowed characters around at least one that is not blank (`\S` alone would let one forbidden character through).
const fileNamePattern = `^[^${forbiddenInFileNames}]*[^\\s${forbiddenInFileNames}][^${forbiddenInFileNames}]*$`;

export const AttachmentUploadQuery = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: fileNamePattern,
      description:
        'The file name (no slashes, control characters, or the Unicode controls that reorder or break lines)',
    }),
  },
  { additionalProperties: false },
);
