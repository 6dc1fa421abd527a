import { type Static, Type } from '@sinclair/typebox';
import { DateTime, Nullable, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the marketplace (`/api/marketplace`, `/api/integrations/{id}/marketplace`),
 * the config wizard (`/api/instances/{id}/config-wizard`) and customers' self-service connections
 * (`/api/marketplace/connections`). Answers are serialized from these schemas: a field not declared here is never
 * sent, which is how secrets and organization-only values stay out.
 */

/** Who may call each route (roles in auth/roles.ts; customer callers confined as `customerScope` says). */
export const marketplacePermissions = {
  settingsRead: { permission: 'integrations:read' },
  settingsWrite: { permission: 'integrations:write' },
  browse: { permission: 'marketplace:read', customerScope: { handlerNarrows: true } },
  activate: { permission: 'marketplace:activate', customerScope: { handlerNarrows: true } },
  wizardRead: { permission: 'instances:read', customerScope: { params: { id: 'instance' } } },
  wizardConfigure: { permission: 'instances:configure', customerScope: { params: { id: 'instance' } } },
  connectionsList: { permission: 'connections:read', customerScope: { handlerNarrows: true } },
  connectionRead: {
    permission: 'connections:read',
    customerScope: { params: { connectionId: 'customer-connection' } },
  },
  connectionWrite: {
    permission: 'connections:write',
    customerScope: { params: { connectionId: 'customer-connection' } },
  },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Marketplace settings of an integration
// ---------------------------------------------------------------------------------------------------------------

export const IntegrationIdParams = Type.Object({ id: Type.String({ description: 'Integration id' }) });

export const MarketplaceSettings = Type.Object(
  {
    integrationId: Uuid,
    listed: Type.Boolean({ description: 'Whether customers see it in the marketplace' }),
    overview: Type.String({ description: 'Markdown customers read before activating it' }),
    customerDeployable: Type.Boolean({
      description:
        'Whether customer users may activate it themselves; otherwise they are told to ask the organization',
    }),
    allowMultipleInstances: Type.Boolean({
      description: 'Whether a customer may activate it more than once (one Shopify store per instance...)',
    }),
    versionNumber: Nullable(
      Type.Integer({
        description: 'The version pinned for the marketplace; null: the newest available version',
      }),
    ),
    offeredVersionNumber: Nullable(
      Type.Integer({
        description:
          'The version customers get when they activate it now; null when no version is available (it is then not offered)',
      }),
    ),
    availableVersions: Type.Array(Type.Integer(), { description: 'Available versions, newest first' }),
  },
  { $id: 'MarketplaceSettings' },
);
export type MarketplaceSettings = Static<typeof MarketplaceSettings>;

export const MarketplaceSettingsUpdate = Type.Object(
  {
    listed: Type.Optional(Type.Boolean()),
    overview: Type.Optional(Type.String({ maxLength: 20_000 })),
    customerDeployable: Type.Optional(Type.Boolean()),
    allowMultipleInstances: Type.Optional(Type.Boolean()),
    versionNumber: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          description: 'Pin an available published version; null follows the newest available one',
        }),
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, $id: 'MarketplaceSettingsUpdate' },
);
export type MarketplaceSettingsUpdate = Static<typeof MarketplaceSettingsUpdate>;

// ---------------------------------------------------------------------------------------------------------------
// The marketplace
// ---------------------------------------------------------------------------------------------------------------

const CustomerParam = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'Organization callers: the customer (id or external id) to act for, or to see the marketplace as; customer users act for their own customer and may leave it out',
});

export const MarketplaceListQuery = Type.Object(
  {
    category: Type.Optional(Type.String({ maxLength: 200, description: 'Only this category (any case)' })),
    label: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 50,
        description: 'Only integrations with every label given',
      }),
    ),
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or description' })),
    customer: Type.Optional(CustomerParam),
    includeActive: Type.Optional(
      Type.Boolean({
        description:
          "Also integrations that are not listed but of which the customer has an instance (Prismatic's includeActiveIntegrations)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type MarketplaceListQuery = Static<typeof MarketplaceListQuery>;

export const MarketplaceIntegrationParams = Type.Object({
  integrationId: Type.String({ maxLength: 100, description: 'Integration id' }),
});

export const MarketplaceCustomerQuery = Type.Object(
  { customer: Type.Optional(CustomerParam) },
  { additionalProperties: false },
);
export type MarketplaceCustomerQuery = Static<typeof MarketplaceCustomerQuery>;

/** One of the customer's instances of a marketplace integration. */
export const MarketplaceInstance = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    enabled: Type.Boolean({ description: 'False while paused' }),
    deployed: Type.Boolean({ description: 'Whether a version was deployed (it runs unless paused)' }),
    status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('unconfigured')], {
      description: 'unconfigured: never deployed; paused: deployed and paused; active: deployed and running',
    }),
    needsConfiguration: Type.Boolean({
      description:
        'Whether a config variable of its configured version has no value (deploy is refused until it has)',
    }),
    versionNumber: Type.Integer({ description: 'The version it is configured with' }),
    deployedVersionNumber: Nullable(Type.Integer()),
    upgradeAvailable: Type.Boolean({
      description: 'Whether the marketplace offers a newer version than the one it is configured with',
    }),
    createdAt: DateTime,
  },
  { $id: 'MarketplaceInstance' },
);
export type MarketplaceInstance = Static<typeof MarketplaceInstance>;

export const MarketplaceIntegration = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    overview: Type.String({ description: 'Markdown' }),
    category: Nullable(Type.String()),
    labels: Type.Array(Type.String()),
    iconUrl: Nullable(Type.String({ description: 'GET it with the same credentials; null without an icon' })),
    listed: Type.Boolean({
      description: 'False only for an integration shown because the customer has an instance (includeActive)',
    }),
    versionNumber: Nullable(
      Type.Integer({ description: 'The version an activation gets; null when none is offered' }),
    ),
    customerDeployable: Type.Boolean({
      description: 'False: customer users cannot activate it themselves; they ask the organization',
    }),
    allowMultipleInstances: Type.Boolean(),
    instances: Type.Array(refTo(MarketplaceInstance), {
      description: "The customer's instances of it (empty when no customer is named)",
    }),
  },
  { $id: 'MarketplaceIntegration' },
);
export type MarketplaceIntegration = Static<typeof MarketplaceIntegration>;

export const MarketplaceList = Type.Object(
  {
    customer: Nullable(
      Type.Object(
        { id: Uuid, externalId: Nullable(Type.String()), name: Type.String() },
        {
          description: 'The customer the list is seen as; null for an organization caller who named none',
        },
      ),
    ),
    items: Type.Array(refTo(MarketplaceIntegration)),
  },
  { $id: 'MarketplaceList' },
);
export type MarketplaceList = Static<typeof MarketplaceList>;

export const ActivateBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '\\S',
        description:
          "The instance's name, unique among the customer's instances; default: the integration's name (numbered when taken)",
      }),
    ),
    customer: Type.Optional(CustomerParam),
  },
  { additionalProperties: false },
);
export type ActivateBody = Static<typeof ActivateBody>;

export const Activation = Type.Object(
  {
    instance: refTo(MarketplaceInstance),
    integration: Type.Object({ id: Uuid, name: Type.String() }),
    customer: Type.Object({ id: Uuid, externalId: Nullable(Type.String()), name: Type.String() }),
    configWizardUrl: Type.String({ description: 'The config wizard of the new instance (API path)' }),
  },
  { $id: 'Activation' },
);
export type Activation = Static<typeof Activation>;

// ---------------------------------------------------------------------------------------------------------------
// Config wizard
// ---------------------------------------------------------------------------------------------------------------

export const WizardParams = Type.Object({ id: Type.String({ maxLength: 100, description: 'Instance id' }) });

export const WizardPageParams = Type.Object({
  id: Type.String({ maxLength: 100, description: 'Instance id' }),
  page: Type.String({
    minLength: 1,
    maxLength: 300,
    description: "The page's name, or its number (1 first)",
  }),
});

export const WizardVariableParams = Type.Object({
  id: Type.String({ maxLength: 100, description: 'Instance id' }),
  configVar: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The config variable's name or stable key",
  }),
});

const Problem = Type.Object({
  configVar: Type.String({ description: 'The config variable (name) the problem is about' }),
  message: Type.String(),
});

const ConnectionInputField = Type.Object({
  key: Type.String(),
  label: Type.String(),
  type: Type.String({ description: 'string, password, boolean, template...' }),
  required: Type.Boolean(),
  visible: Type.Boolean({ description: 'Whether a wizard shows it to this caller' }),
  editable: Type.Boolean({ description: 'Whether this caller may set it' }),
  default: Type.Unknown({ description: "The integration's or the connection's default; secrets masked" }),
  value: Type.Unknown({ description: "The stored value; password inputs '********'; null when none" }),
});

export const WizardConnection = Type.Object(
  {
    source: Type.Union(
      [
        Type.Literal('instance'),
        Type.Literal('org_global'),
        Type.Literal('org_customer'),
        Type.Literal('customer_activated'),
        Type.Literal('missing'),
      ],
      {
        description:
          "instance: the instance's own inputs; otherwise the kind of organization connection it uses (customer_activated: the customer's own credentials, reused by all their instances)",
      },
    ),
    scopedConnection: Nullable(
      Type.String({ description: 'The organization connection it uses, by stable key' }),
    ),
    component: Type.String(),
    connection: Type.String(),
    oauth2: Nullable(Type.Union([Type.Literal('authorization_code'), Type.Literal('client_credentials')])),
    status: Type.Union(
      [
        Type.Literal('not_configured'),
        Type.Literal('configured'),
        Type.Literal('pending_authorization'),
        Type.Literal('connected'),
        Type.Literal('error'),
      ],
      {
        description:
          'not_configured: no inputs yet; pending_authorization: authorize it (POST .../authorize); error: see statusMessage',
      },
    ),
    statusMessage: Nullable(Type.String()),
    tokenExpiresAt: Nullable(DateTime),
    inputs: Type.Array(ConnectionInputField),
  },
  { $id: 'WizardConnection' },
);
export type WizardConnection = Static<typeof WizardConnection>;

export const WizardVariable = Type.Object(
  {
    key: Type.String({ description: 'The name values are set by' }),
    stableKey: Type.String(),
    label: Type.String(),
    dataType: Type.String(),
    description: Type.String({ description: 'Helper text' }),
    defaultValue: Nullable(Type.String({ description: 'The default, as text (lists and objects as JSON)' })),
    required: Type.Boolean({ description: 'Whether a deploy needs a value' }),
    collectionType: Nullable(Type.String({ description: 'valuelist or keyvaluelist' })),
    pickList: Nullable(Type.Array(Type.String())),
    codeLanguage: Nullable(Type.String()),
    scheduleType: Nullable(Type.String()),
    timeZone: Nullable(Type.String()),
    dataSource: Nullable(
      Type.Object(
        { component: Type.String(), key: Type.String() },
        {
          description:
            'Its choices come from this data source: POST .../config-wizard/data-sources/{configVar}',
        },
      ),
    ),
    dependsOn: Type.Array(Type.String(), {
      description:
        'Variables its data source or connection reads: send their unsaved values along when running its data source',
    }),
    visibility: Type.Union(
      [Type.Literal('customer'), Type.Literal('embedded'), Type.Literal('organization')],
      {
        description:
          "customer: customers see and set it; embedded: not shown to customers, but the organization's app sets it for them; organization: only the organization's team sees and sets it",
      },
    ),
    visible: Type.Boolean({ description: 'Whether a wizard shows it to this caller' }),
    editable: Type.Boolean({ description: 'Whether this caller may set it' }),
    hasValue: Type.Boolean(),
    value: Type.Unknown({
      description:
        'The value; null when unset or withheld from this caller; a connection or credential answers {"configured": true}',
    }),
    connection: Type.Optional(refTo(WizardConnection)),
  },
  { $id: 'WizardVariable' },
);
export type WizardVariable = Static<typeof WizardVariable>;

export const WizardElement = Type.Object(
  {
    type: Type.Union([Type.Literal('configVar'), Type.Literal('html')]),
    variable: Type.Optional(refTo(WizardVariable)),
    content: Type.Optional(Type.String({ description: 'html elements: the HTML (or text) to show' })),
  },
  { $id: 'WizardElement' },
);
export type WizardElement = Static<typeof WizardElement>;

export const WizardPage = Type.Object(
  {
    number: Type.Integer({ description: '1 for the first page this caller sees' }),
    name: Type.String(),
    tagline: Nullable(Type.String()),
    status: Type.Union([Type.Literal('complete'), Type.Literal('incomplete')]),
    problems: Type.Array(Problem, { description: 'What keeps the page incomplete' }),
    elements: Type.Array(refTo(WizardElement)),
  },
  { $id: 'WizardPage' },
);
export type WizardPage = Static<typeof WizardPage>;

export const ConfigWizard = Type.Object(
  {
    instance: Type.Object({
      id: Uuid,
      name: Type.String(),
      enabled: Type.Boolean(),
      versionNumber: Type.Integer(),
      deployedVersionNumber: Nullable(Type.Integer()),
      integration: Type.Object({ id: Uuid, name: Type.String() }),
      customer: Type.Object({ id: Uuid, externalId: Nullable(Type.String()), name: Type.String() }),
    }),
    pages: Type.Array(refTo(WizardPage)),
    complete: Type.Boolean({ description: 'Every page complete, and nothing the organization sets missing' }),
    canDeploy: Type.Boolean({ description: 'Whether a deploy would be accepted now' }),
    missing: Type.Array(Type.Object({ configVar: Type.String(), page: Type.String() }), {
      description: 'Variables without a value that a deploy needs',
    }),
    organizationOnlyMissing: Type.Integer({
      description:
        'Customer callers: settings only the organization sets that have no value yet (never named to customers)',
    }),
  },
  { $id: 'ConfigWizard' },
);
export type ConfigWizard = Static<typeof ConfigWizard>;

export const PageValues = Type.Object(
  {
    values: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Values of variables on this page, by name; null clears one; a connection takes an object of its inputs (merged into the stored ones)',
    }),
  },
  { additionalProperties: false },
);
export type PageValues = Static<typeof PageValues>;

export const PageValidation = Type.Object(
  {
    page: Type.String(),
    valid: Type.Boolean({ description: 'Whether the values given could be saved' }),
    complete: Type.Boolean({ description: 'Whether the page would be complete once they are' }),
    problems: Type.Array(Problem, { description: 'Values that are wrong' }),
    missing: Type.Array(Type.String(), { description: 'Variables of the page still without a value' }),
  },
  { $id: 'PageValidation' },
);
export type PageValidation = Static<typeof PageValidation>;

export const WizardDataSourceBody = Type.Object(
  {
    values: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Unsaved values of other variables (by name), laid over the saved ones: a data source may depend on an earlier choice',
      }),
    ),
  },
  { additionalProperties: false },
);

export const WizardAuthorizeBody = Type.Object(
  {
    returnTo: Type.Optional(
      Type.String({
        format: 'uri',
        maxLength: 2000,
        description:
          "Where the browser goes once the provider answered (with connectionId and status added): an http(s) URL on Weft's public origin or an allowed origin. Without it, a page that tells the window that opened it (postMessage) and can be closed.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const WizardAuthorization = Type.Object(
  {
    authorizeUrl: Type.String({ format: 'uri', description: "The provider's authorization URL to open" }),
    expiresAt: DateTime,
    returnTo: Type.String({ description: 'Where the browser lands once the provider answered' }),
  },
  { $id: 'WizardAuthorization' },
);

// ---------------------------------------------------------------------------------------------------------------
// Self-service connections (customer-activated)
// ---------------------------------------------------------------------------------------------------------------

export const SelfServiceParams = Type.Object({
  connectionId: Type.String({ maxLength: 200, description: 'The connection id or stable key' }),
});

export const SelfServiceConnection = Type.Object(
  {
    id: Uuid,
    stableKey: Type.String(),
    name: Type.String(),
    description: Type.String(),
    component: Type.String(),
    connection: Type.String(),
    oauth2: Nullable(Type.Union([Type.Literal('authorization_code'), Type.Literal('client_credentials')])),
    status: Type.Union([
      Type.Literal('not_configured'),
      Type.Literal('configured'),
      Type.Literal('pending_authorization'),
      Type.Literal('connected'),
      Type.Literal('error'),
    ]),
    statusMessage: Nullable(Type.String()),
    tokenExpiresAt: Nullable(DateTime),
    updatedAt: Nullable(DateTime),
    inputs: Type.Array(ConnectionInputField),
    usedBy: Type.Array(
      Type.Object({
        instanceId: Uuid,
        instanceName: Type.String(),
        integration: Type.Object({ id: Uuid, name: Type.String() }),
        configVar: Type.String(),
      }),
      { description: "The customer's instances whose version uses it" },
    ),
  },
  { $id: 'SelfServiceConnection' },
);
export type SelfServiceConnection = Static<typeof SelfServiceConnection>;

export const SelfServiceConnectionList = Type.Object({
  customer: Nullable(Type.Object({ id: Uuid, externalId: Nullable(Type.String()), name: Type.String() })),
  items: Type.Array(refTo(SelfServiceConnection)),
});

export const SelfServiceValues = Type.Object(
  {
    values: Type.Record(
      Type.String(),
      Type.Union([Type.String(), Type.Boolean(), Type.Number(), Type.Null()]),
      { description: 'Input values by input key; null removes one; inputs left out keep their stored value' },
    ),
  },
  { additionalProperties: false },
);

export const SelfServiceAuthorizeBody = WizardAuthorizeBody;

/** The named schemas the routes refer to by `$ref`; the plugin adds them. */
export const marketplaceSchemas = [
  MarketplaceSettings,
  MarketplaceSettingsUpdate,
  MarketplaceInstance,
  MarketplaceIntegration,
  MarketplaceList,
  Activation,
  WizardConnection,
  WizardVariable,
  WizardElement,
  WizardPage,
  ConfigWizard,
  PageValidation,
  WizardAuthorization,
  SelfServiceConnection,
];
