import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, page, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the instances API (`/api/instances`), and the types of what its routes answer,
 * derived from them: the store and the operations return these, so the answers and the OpenAPI document cannot
 * drift apart.
 */

/** What the routes of the instances API need (the roles holding each are in auth/roles.ts). */
/**
 * What each instance route needs. `write` routes are the organization's (create, rename, API keys, raw config);
 * customer users reach their own instances through the `...Own` ones (the hook 404s other customers' ids) and the
 * list, which the handler narrows to their customer.
 */
export const instancePermissions = {
  read: { permission: 'instances:read' },
  write: { permission: 'instances:write' },
  ownList: { permission: 'instances:read', customerScope: { handlerNarrows: true } },
  readOwn: { permission: 'instances:read', customerScope: { params: { id: 'instance' } } },
  configureOwn: { permission: 'instances:configure', customerScope: { params: { id: 'instance' } } },
} as const;

export const instanceTags = ['instances'];

// Requests

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "Unique among the customer's instances (case-insensitive)",
});
const Description = Type.String({ maxLength: 5000 });
const Labels = Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }), {
  maxItems: 50,
  description: 'Stored lower-cased, trimmed, without repeats',
});

export const IdParams = Type.Object({ id: Type.String({ description: 'Instance id' }) });

export const InstanceCreate = Type.Object(
  {
    customerId: Type.Optional(Type.String({ description: 'The customer, by Weft id' })),
    customerExternalId: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Or the customer, by externalId (send exactly one of the two)',
      }),
    ),
    integrationId: Type.String(),
    versionNumber: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Defaults to the newest available version' }),
    ),
    name: Name,
    description: Type.Optional(Description),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, $id: 'InstanceCreate' },
);
export type InstanceCreate = Static<typeof InstanceCreate>;

export const InstanceUpdate = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), labels: Type.Optional(Labels) },
  { additionalProperties: false, minProperties: 1, $id: 'InstanceUpdate' },
);
export type InstanceUpdate = Static<typeof InstanceUpdate>;

export const InstanceConfigure = Type.Object(
  {
    values: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Values by config variable name; null clears one. Merged into the stored values.',
    }),
  },
  { additionalProperties: false, $id: 'InstanceConfigure' },
);

export const InstanceListQuery = Type.Object(
  {
    customer: Type.Optional(Type.String({ maxLength: 200, description: 'Customer id or externalId' })),
    integration: Type.Optional(Type.String({ maxLength: 100, description: 'Integration id' })),
    label: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 50,
        description: 'Instances having every label given',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'false lists paused instances' })),
    deployed: Type.Optional(
      Type.Boolean({
        description: 'false lists instances never deployed (unconfigured); true, deployed ones',
      }),
    ),
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or description' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type InstanceListQuery = Static<typeof InstanceListQuery>;

export const Upgrade = Type.Object(
  {
    versionNumber: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Defaults to the newest available version' }),
    ),
    deploy: Type.Optional(
      Type.Boolean({ description: 'Redeploy at once if the instance is deployed (default true)' }),
    ),
  },
  { additionalProperties: false },
);
export type Upgrade = Static<typeof Upgrade>;

/** Request (PUT) and answer of the API key routes. */
export const ApiKeys = Type.Object(
  {
    apiKeys: Type.Array(Type.String({ minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }), {
      maxItems: 20,
      description: 'Replaces the instance API keys (8-200 printable characters each)',
    }),
  },
  { additionalProperties: false, $id: 'ApiKeys' },
);
export type ApiKeys = Static<typeof ApiKeys>;
export const ApiKeysRef = refTo(ApiKeys);

export const DataSourceParams = Type.Object({
  id: Type.String({ maxLength: 100 }),
  configVar: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The config variable's name or stable key",
  }),
});

// Answers

const instanceProperties = {
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  labels: Type.Array(Type.String()),
  enabled: Type.Boolean({ description: 'False while paused' }),
  customer: Type.Object({
    id: Uuid,
    externalId: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
  }),
  integration: Type.Object({ id: Uuid, name: Type.String() }),
  versionNumber: Type.Integer({
    description: 'The integration version the instance is configured with (deploy makes it the running one)',
  }),
  deployedVersionNumber: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The version that runs; null until the first deploy',
  }),
  deployedAt: Type.Union([DateTime, Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const Instance = Type.Object(instanceProperties, { $id: 'Instance' });
export type Instance = Static<typeof Instance>;
export const InstanceRef = refTo(Instance);

export const InstancePage = page(InstanceRef, 'InstancePage');
export type InstancePage = Static<typeof InstancePage>;
export const InstancePageRef = refTo(InstancePage);

export const ConfigVariable = Type.Object({
  key: Type.String({ description: 'The name values are set by' }),
  stableKey: Type.String({ description: 'Values are stored by this key, so they survive renames' }),
  dataType: Type.String(),
  description: Type.String(),
  orgOnly: Type.Boolean(),
  pickList: Type.Optional(Type.Array(Type.String())),
  collectionType: Type.Optional(Type.String()),
  value: Type.Unknown({
    description:
      'The value, null when unset; a connection answers only {"configured": true}, never its inputs',
  }),
});
export type ConfigVariable = Static<typeof ConfigVariable>;

export const WebhookRegistration = Type.Object({
  flow: Type.String(),
  stableKey: Type.String(),
  trigger: Type.String({ description: 'component/trigger that registers it' }),
  status: Type.Union([Type.Literal('registered'), Type.Literal('failed'), Type.Literal('removed')], {
    description:
      "registered: the trigger's webhookCreate succeeded and no webhookDelete since; failed: the last webhookCreate failed (see lastError), nothing is registered; removed: webhookDelete succeeded (paused, or removed before registering again)",
  }),
  webhookUrl: Type.Union([Type.String(), Type.Null()], { description: 'The URL it was registered for' }),
  configHash: Type.Union([Type.String(), Type.Null()], {
    description: 'Hash of the trigger, URL and inputs it was registered for (first 16 hex digits)',
  }),
  versionNumber: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The integration version that registered it',
  }),
  componentVersion: Type.Union([Type.Integer(), Type.Null()], {
    description: "The custom component's version that registered it (null for code-native components)",
  }),
  registeredAt: Type.Union([DateTime, Type.Null()]),
  removedAt: Type.Union([DateTime, Type.Null()]),
  lastError: Type.Union([
    Type.Object({
      operation: Type.Union([Type.Literal('create'), Type.Literal('delete')]),
      message: Type.String(),
      at: DateTime,
    }),
    Type.Null(),
  ]),
});
export type WebhookRegistration = Static<typeof WebhookRegistration>;

export const InstanceDetail = Type.Object(
  {
    ...instanceProperties,
    configVariables: Type.Array(ConfigVariable),
    webhookRegistrations: Type.Array(WebhookRegistration, {
      description:
        "Flows whose trigger registers its webhook at the provider (Spectral's webhookLifecycleHandlers): registered on deploy and unpause, removed on pause and delete, registered again when the URL or the trigger's inputs change",
    }),
  },
  { $id: 'InstanceDetail' },
);
export type InstanceDetail = Static<typeof InstanceDetail>;
export const InstanceDetailRef = refTo(InstanceDetail);

export const DeployOutcome = Type.Object(
  {
    instance: InstanceRef,
    deployedVersionNumber: Type.Integer(),
    deployedAt: DateTime,
    deployExecutions: Type.Array(Type.Object({ id: Uuid, flow: Type.String() }), {
      description: "Executions of the version's deploy-trigger flows",
    }),
  },
  { $id: 'DeployOutcome' },
);
export type DeployOutcome = Static<typeof DeployOutcome>;
export const DeployOutcomeRef = refTo(DeployOutcome);

export const UpgradeOutcome = Type.Object({
  instance: InstanceRef,
  deployed: Type.Union([DeployOutcomeRef, Type.Null()]),
});
export type UpgradeOutcome = Static<typeof UpgradeOutcome>;

export const FlowEndpoint = Type.Object(
  {
    flow: Type.String(),
    stableKey: Type.String(),
    webhookUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'POST/PUT/PATCH/GET it to run the flow; null until the instance is deployed',
    }),
    apiKeys: Type.Array(Type.String(), {
      description:
        "Send one in the Api-Key header (secured flows): the instance's keys, or the flow's organizationApiKeys for flows secured by the organization. Masked (••••••••, then the last 4 characters) for team members who may not change the instance (viewers).",
    }),
    isSynchronous: Type.Boolean(),
    endpointSecurityType: Type.String(),
    trigger: Type.String({ description: 'component/action of the trigger' }),
    schedule: Type.Optional(
      Type.Object({
        cron: Type.String(),
        timeZone: Type.String(),
        nextFireAt: DateTime,
        singleton: Type.Boolean(),
      }),
    ),
  },
  { $id: 'FlowEndpoint' },
);
export type FlowEndpoint = Static<typeof FlowEndpoint>;

export const InstanceEndpoints = Type.Object(
  {
    endpointType: Type.String({ description: 'flow_specific, instance_specific or shared_instance' }),
    instanceWebhookUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The one URL of the instance (instance_specific endpoints route by flowNameField)',
    }),
    sharedWebhookUrl: Type.Union([Type.String(), Type.Null()], {
      description:
        "The integration's one URL for all customers (shared_instance endpoints route by externalCustomerIdField and flowNameField)",
    }),
    flows: Type.Array(refTo(FlowEndpoint)),
  },
  { $id: 'InstanceEndpoints' },
);
export type InstanceEndpoints = Static<typeof InstanceEndpoints>;
export const InstanceEndpointsRef = refTo(InstanceEndpoints);

export const RemoveOutcome = Type.Object(
  {
    deleted: Type.Boolean(),
    removeExecutions: Type.Array(
      Type.Object({
        id: Uuid,
        flow: Type.String(),
        status: Type.String(),
        error: Type.Optional(Type.Unknown()),
      }),
      { description: 'Outcomes of the remove-trigger flows, which ran before the instance was deleted' },
    ),
    webhookRemovals: Type.Optional(
      Type.Array(
        Type.Object({
          flow: Type.String(),
          status: Type.Union([Type.Literal('removed'), Type.Literal('failed')]),
          error: Type.Optional(Type.String()),
        }),
        {
          description:
            "Webhooks the flows' triggers had registered at the provider, removed (webhookDelete) before the instance was deleted; a failed one may still exist there. Absent when there were none.",
        },
      ),
    ),
  },
  { $id: 'RemoveOutcome' },
);
export type RemoveOutcome = Static<typeof RemoveOutcome>;
export const RemoveOutcomeRef = refTo(RemoveOutcome);

export const DataSourceAnswer = Type.Object({
  configVar: Type.String(),
  dataSourceType: Type.String(),
  result: Type.Unknown(),
  supplementalData: Type.Optional(Type.Unknown()),
  logs: Type.Array(Type.Object({ level: Type.String(), message: Type.String() })),
});
export type DataSourceAnswer = Static<typeof DataSourceAnswer>;

/** The named schemas (OpenAPI components) the routes refer to by `$ref`; the plugin adds them. */
export const instanceComponentSchemas = [
  Instance,
  InstanceDetail,
  InstancePage,
  DeployOutcome,
  FlowEndpoint,
  InstanceEndpoints,
  ApiKeys,
  RemoveOutcome,
];
