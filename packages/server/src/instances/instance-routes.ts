import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callerOf } from '../auth/authenticate.js';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import type { Database } from '../database/schema.js';
import { isWeftError, WeftError } from '../errors.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { Cursor, errorResponses, Limit, page } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import type { Keyring } from '../secrets/keyring.js';
import { runInstanceDataSource } from './instance-data-sources.js';
import {
  deployInstance,
  instanceEndpoints,
  removeInstance,
  setApiKeys,
  setInstanceVersion,
} from './instance-deploy.js';
import { runTriggerLifecycle } from './instance-lifecycle.js';
import {
  configureInstance,
  createInstance,
  getInstance,
  getInstanceDetail,
  listInstances,
  setInstanceEnabled,
  updateInstance,
  versionToDeploy,
} from './instance-store.js';
import {
  syncWebhookRegistrations,
  type WebhookSyncOutcome,
  webhookRegistrationError,
} from './webhook-registrations.js';

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

const instanceProperties = {
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  labels: Type.Array(Type.String()),
  enabled: Type.Boolean({ description: 'False while paused' }),
  customer: Type.Object({
    id: Type.String({ format: 'uuid' }),
    externalId: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
  }),
  integration: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }),
  versionNumber: Type.Integer({
    description: 'The integration version the instance is configured with (deploy makes it the running one)',
  }),
  deployedVersionNumber: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The version that runs; null until the first deploy',
  }),
  deployedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

const Instance = Type.Object(instanceProperties, { $id: 'Instance' });

const ConfigVariable = Type.Object({
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

const WebhookRegistration = Type.Object({
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
  registeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  removedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastError: Type.Union([
    Type.Object({
      operation: Type.Union([Type.Literal('create'), Type.Literal('delete')]),
      message: Type.String(),
      at: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ]),
});

const InstanceDetail = Type.Object(
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

const InstanceCreate = Type.Object(
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

const InstanceUpdate = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), labels: Type.Optional(Labels) },
  { additionalProperties: false, minProperties: 1, $id: 'InstanceUpdate' },
);

const InstanceConfigure = Type.Object(
  {
    values: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Values by config variable name; null clears one. Merged into the stored values.',
    }),
  },
  { additionalProperties: false, $id: 'InstanceConfigure' },
);

const InstanceListQuery = Type.Object(
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
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or description' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ description: 'Instance id' }) });

const DeployOutcome = Type.Object(
  {
    instance: Type.Ref('Instance'),
    deployedVersionNumber: Type.Integer(),
    deployedAt: Type.String({ format: 'date-time' }),
    deployExecutions: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), flow: Type.String() }), {
      description: "Executions of the version's deploy-trigger flows",
    }),
  },
  { $id: 'DeployOutcome' },
);

const Upgrade = Type.Object(
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

const FlowEndpoint = Type.Object(
  {
    flow: Type.String(),
    stableKey: Type.String(),
    webhookUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'POST/PUT/PATCH/GET it to run the flow; null until the instance is deployed',
    }),
    apiKeys: Type.Array(Type.String(), {
      description:
        "Send one in the Api-Key header (secured flows): the instance's keys, or the flow's organizationApiKeys for flows secured by the organization",
    }),
    isSynchronous: Type.Boolean(),
    endpointSecurityType: Type.String(),
    trigger: Type.String({ description: 'component/action of the trigger' }),
    schedule: Type.Optional(
      Type.Object({
        cron: Type.String(),
        timeZone: Type.String(),
        nextFireAt: Type.String({ format: 'date-time' }),
        singleton: Type.Boolean(),
      }),
    ),
  },
  { $id: 'FlowEndpoint' },
);

const InstanceEndpoints = Type.Object(
  {
    endpointType: Type.String({ description: 'flow_specific, instance_specific or shared_instance' }),
    instanceWebhookUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The one URL of the instance (instance_specific endpoints route by flowNameField)',
    }),
    sharedWebhookUrl: Type.Union([Type.String(), Type.Null()], {
      description:
        "The integration's one URL for all customers (shared_instance endpoints route by externalCustomerIdField and flowNameField)",
    }),
    flows: Type.Array(Type.Ref('FlowEndpoint')),
  },
  { $id: 'InstanceEndpoints' },
);

const ApiKeys = Type.Object(
  {
    apiKeys: Type.Array(Type.String({ minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }), {
      maxItems: 20,
      description: 'Replaces the instance API keys (8-200 printable characters each)',
    }),
  },
  { additionalProperties: false, $id: 'ApiKeys' },
);

const RemoveOutcome = Type.Object(
  {
    deleted: Type.Boolean(),
    removeExecutions: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
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

const DataSourceParams = Type.Object({
  id: Type.String({ maxLength: 100 }),
  configVar: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The config variable's name or stable key",
  }),
});

export interface InstanceRouteOptions {
  waiter: ExecutionWaiter;
  /** Base of webhook URLs; unset: taken from the request. */
  publicUrl: string | undefined;
  /** How long a delete waits for remove-trigger flows. */
  removeWaitMs: number;
  keyring: Keyring;
  /** Where trigger lifecycle functions of custom and code-native components run. */
  sandboxes: ComponentSandboxes;
  log: Logger;
}

/** The base URL webhook URLs are built on: the configured public URL, else the address the caller used. */

/** `/api/instances`: integration versions deployed to customers, with their config values. */
export function instanceRoutes(db: Kysely<Database>, options: InstanceRouteOptions) {
  return async function instanceRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(Instance);
    app.addSchema(InstanceDetail);
    app.addSchema(page(Type.Ref('Instance'), 'InstancePage'));
    app.addSchema(DeployOutcome);
    app.addSchema(FlowEndpoint);
    app.addSchema(InstanceEndpoints);
    app.addSchema(ApiKeys);
    app.addSchema(RemoveOutcome);
    const lifecycleDeps = { db, keyring: options.keyring, log: options.log, sandboxes: options.sandboxes };

    /**
     * After a deploy (or an upgrade's redeploy): webhook registrations are brought up to date, then the triggers'
     * onInstanceDeploy run. Either failing answers 422 (the deploy stands); registrations that failed are recorded.
     */
    const afterDeploy = async (orgId: string, id: string, baseUrl: string): Promise<void> => {
      const webhooks: WebhookSyncOutcome = await syncWebhookRegistrations(lifecycleDeps, orgId, id, baseUrl);
      await runTriggerLifecycle(lifecycleDeps, orgId, id, 'onInstanceDeploy', baseUrl);
      if (webhooks.failures.length > 0)
        throw webhookRegistrationError('The instance was deployed', webhooks.failures);
    };

    const tags = ['instances'];
    const read = { permission: 'instances:read' } as const;
    const write = { permission: 'instances:write' } as const;

    app.post<{ Body: Static<typeof InstanceCreate> }>(
      '/instances',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an instance',
          description:
            "For one customer, from the given or else the newest available integration version. Config values start as the version's defaults; labels default to the integration's.",
          body: InstanceCreate,
          response: { 201: Type.Ref('Instance'), ...errorResponses(404, 409, 413, 422) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        return reply.status(201).send(await createInstance(db, caller.orgId, caller.tokenId, request.body));
      },
    );

    app.get<{ Querystring: Static<typeof InstanceListQuery> }>(
      '/instances',
      {
        config: read,
        schema: {
          tags,
          summary: 'List instances',
          description:
            'Oldest first, in pages; filter by customer, integration, labels, enabled state and search.',
          querystring: InstanceListQuery,
          response: { 200: Type.Ref('InstancePage'), ...errorResponses() },
        },
      },
      async (request) => {
        const { customer, integration, label, enabled, search, limit, cursor } = request.query;
        return listInstances(db, callerOf(request).orgId, {
          ...(customer !== undefined ? { customer } : {}),
          ...(integration !== undefined ? { integration } : {}),
          ...(label ? { labels: label } : {}),
          ...(enabled !== undefined ? { enabled } : {}),
          ...(search ? { search } : {}),
          ...(cursor ? { cursor } : {}),
          limit: limit ?? 100,
        });
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/instances/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get an instance with its config variables and values',
          params: IdParams,
          response: { 200: Type.Ref('InstanceDetail'), ...errorResponses(404) },
        },
      },
      async (request) => getInstanceDetail(db, callerOf(request).orgId, request.params.id),
    );

    app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof InstanceUpdate> }>(
      '/instances/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Rename or describe an instance',
          description: 'Only the fields sent change; labels are replaced as a whole.',
          params: IdParams,
          body: InstanceUpdate,
          response: { 200: Type.Ref('Instance'), ...errorResponses(404, 409, 413) },
        },
      },
      async (request) => updateInstance(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete<{ Params: Static<typeof IdParams> }>(
      '/instances/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete an instance',
          description:
            "A deployed, unpaused instance first runs its remove-trigger flows (waiting for them up to the sync time-out); then the instance and all its data (executions, state, schedules, webhook endpoints) are deleted. The answer lists the remove flows' outcomes, since their records go with the instance.",
          params: IdParams,
          response: { 200: Type.Ref('RemoveOutcome'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const lifecycle = { db, keyring: options.keyring, log: options.log, sandboxes: options.sandboxes };
        const { orgId } = callerOf(request);
        // Registered webhooks are removed first; a failure does not keep the instance alive either: it is logged
        // and answered (the record goes with the instance).
        const webhooks = await syncWebhookRegistrations(
          lifecycle,
          orgId,
          request.params.id,
          baseUrlOf(request, options.publicUrl),
          { remove: true },
        );
        for (const failure of webhooks.failures)
          options.log.warn({ instanceId: request.params.id, error: failure.message }, 'webhookDelete failed');
        // A failing onInstanceDelete does not keep an instance alive: it is logged, and the delete goes on.
        await runTriggerLifecycle(
          lifecycle,
          orgId,
          request.params.id,
          'onInstanceDelete',
          baseUrlOf(request, options.publicUrl),
        ).catch((error: Error) =>
          options.log.warn(
            { instanceId: request.params.id, error: error.message },
            'onInstanceDelete failed',
          ),
        );
        const outcome = await removeInstance(
          db,
          options.waiter,
          callerOf(request).orgId,
          request.params.id,
          options.removeWaitMs,
        );
        const webhookRemovals = [
          ...webhooks.deleted.map((flow) => ({ flow, status: 'removed' as const })),
          ...webhooks.failures.map((failure) => ({
            flow: failure.flow,
            status: 'failed' as const,
            error: failure.message,
          })),
        ];
        return { deleted: true, ...outcome, ...(webhookRemovals.length > 0 ? { webhookRemovals } : {}) };
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/instances/:id/deploy',
      {
        config: write,
        schema: {
          tags,
          summary: 'Deploy an instance',
          description:
            'Makes the configured version the running one: registers a webhook endpoint per flow (URLs stay the same across redeploys and upgrades), generates an API key when a flow requires one and the instance has none, registers the schedules, then queues the deploy-trigger flows. Every config variable needs a value (422 INSTANCE_CONFIG_INCOMPLETE names the missing ones; nothing changes). A failing deploy flow does not undo the deploy. Then triggers with webhook lifecycle handlers register the webhook of the flow at their provider when not registered for its URL and inputs yet (never twice; changed inputs remove the old registration first), and the onInstanceDeploy functions of triggers run: a failure answers 422 WEBHOOK_REGISTRATION_FAILED or INSTANCE_LIFECYCLE_FAILED, and the deploy stands.',
          params: IdParams,
          response: { 200: Type.Ref('DeployOutcome'), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const { orgId } = callerOf(request);
        const outcome = await deployInstance(db, orgId, request.params.id);
        await afterDeploy(orgId, request.params.id, baseUrlOf(request, options.publicUrl));
        return { instance: await getInstance(db, orgId, request.params.id), ...outcome };
      },
    );

    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Upgrade> | undefined }>(
      '/instances/:id/upgrade',
      {
        config: write,
        schema: {
          tags,
          summary: 'Upgrade (or pin) an instance to a version',
          description:
            'Sets the instance to an available version (the newest by default; any older available one pins it). Config values are carried over by stable key and new variables take their defaults. A deployed instance is redeployed at once unless deploy is false; if a new variable has no value, 422 INSTANCE_CONFIG_INCOMPLETE: the version is set but the previous one keeps running until a deploy succeeds.',
          params: IdParams,
          body: Upgrade,
          response: {
            200: Type.Object({
              instance: Type.Ref('Instance'),
              deployed: Type.Union([Type.Ref('DeployOutcome'), Type.Null()]),
            }),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request) => {
        const { orgId } = callerOf(request);
        const id = request.params.id;
        const current = await getInstance(db, orgId, id);
        const version = await versionToDeploy(db, orgId, current.integration, request.body?.versionNumber);
        const { wasDeployed } = await setInstanceVersion(db, orgId, id, version);
        let deployed = null;
        if (wasDeployed && request.body?.deploy !== false) {
          try {
            const outcome = await deployInstance(db, orgId, id);
            await afterDeploy(orgId, id, baseUrlOf(request, options.publicUrl));
            deployed = { instance: await getInstance(db, orgId, id), ...outcome };
          } catch (error) {
            if (isWeftError(error) && error.code === 'INSTANCE_CONFIG_INCOMPLETE') {
              throw new WeftError(
                'INSTANCE_CONFIG_INCOMPLETE',
                `The instance is set to version ${version.version_number}, but it was not deployed: ${error.message.replace(/^Version \d+ cannot be deployed: /, '')} Version ${current.deployedVersionNumber} keeps running.`,
                error.details,
              );
            }
            throw error;
          }
        }
        return { instance: await getInstance(db, orgId, id), deployed };
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/instances/:id/flows',
      {
        config: read,
        schema: {
          tags,
          summary: "An instance's flows with their webhook URLs, API keys and schedules",
          params: IdParams,
          response: { 200: Type.Ref('InstanceEndpoints'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const { orgId } = callerOf(request);
        const baseUrl = baseUrlOf(request, options.publicUrl);
        // Every caller of this API is an organization principal (an organization's API token): it may see the
        // keys of flows secured by the organization.
        return instanceEndpoints(db, orgId, request.params.id, baseUrl, true);
      },
    );

    app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof ApiKeys> }>(
      '/instances/:id/api-keys',
      {
        config: write,
        schema: {
          tags,
          summary: "Set the instance's webhook API keys",
          params: IdParams,
          body: Type.Ref('ApiKeys'),
          response: { 200: Type.Ref('ApiKeys'), ...errorResponses(404) },
        },
      },
      async (request) => ({
        apiKeys: await setApiKeys(db, callerOf(request).orgId, request.params.id, request.body.apiKeys),
      }),
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/instances/:id/api-keys/rotate',
      {
        config: write,
        schema: {
          tags,
          summary: "Rotate the instance's webhook API keys",
          description: 'Replaces every key with one newly generated key; callers using an old key get 401.',
          params: IdParams,
          response: { 200: Type.Ref('ApiKeys'), ...errorResponses(404) },
        },
      },
      async (request) => ({
        apiKeys: await setApiKeys(db, callerOf(request).orgId, request.params.id, undefined),
      }),
    );

    app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof InstanceConfigure> }>(
      '/instances/:id/config',
      {
        config: write,
        schema: {
          tags,
          summary: 'Set config values',
          description:
            "Values by config variable name, checked against the instance version's variables and merged into the stored ones. One invalid value (422 INSTANCE_CONFIG_INVALID, every problem in details.problems) and nothing is stored.",
          params: IdParams,
          body: InstanceConfigure,
          response: { 200: Type.Ref('InstanceDetail'), ...errorResponses(404, 413, 422) },
        },
      },
      async (request) =>
        configureInstance(
          db,
          options.keyring,
          callerOf(request).orgId,
          request.params.id,
          request.body.values,
        ),
    );

    for (const [action, enabled] of [
      ['pause', false],
      ['unpause', true],
    ] as const) {
      app.post<{ Params: Static<typeof IdParams> }>(
        `/instances/:id/${action}`,
        {
          config: write,
          schema: {
            tags,
            summary: enabled ? 'Unpause an instance' : 'Pause an instance',
            description: enabled
              ? "Sets enabled to true; a deployed instance's triggers register their webhooks at the provider again (webhookCreate). A failing registration answers 422 WEBHOOK_REGISTRATION_FAILED; the instance is unpaused still, and unpausing again retries."
              : 'Sets enabled to false: a paused instance runs nothing, and triggers that registered their webhook at the provider remove it (webhookDelete). A failing removal answers 422 WEBHOOK_REGISTRATION_FAILED; the instance is paused still, and pausing again retries.',
            params: IdParams,
            response: { 200: Type.Ref('Instance'), ...errorResponses(404, 422) },
          },
        },
        async (request) => {
          const { orgId } = callerOf(request);
          const instance = await setInstanceEnabled(db, orgId, request.params.id, enabled);
          const webhooks = await syncWebhookRegistrations(
            lifecycleDeps,
            orgId,
            instance.id,
            baseUrlOf(request, options.publicUrl),
          );
          if (webhooks.failures.length > 0) {
            throw webhookRegistrationError(
              `The instance is ${enabled ? 'unpaused' : 'paused'}`,
              webhooks.failures,
            );
          }
          return instance;
        },
      );
    }

    app.get<{ Params: Static<typeof DataSourceParams> }>(
      '/instances/:id/data-sources/:configVar',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags: ['instances'],
          summary: "Run a config variable's data source for an instance",
          description:
            "Runs the data source with the instance's current config values and connections (the choices of a picklist, the objects of an object selection...), for a config wizard. Secrets its connections hold are masked. 422 DATA_SOURCE_FAILED says why it failed (often the connection); DATA_SOURCE_NOT_AVAILABLE when the variable has none.",
          params: DataSourceParams,
          response: {
            200: Type.Object({
              configVar: Type.String(),
              dataSourceType: Type.String(),
              result: Type.Unknown(),
              supplementalData: Type.Optional(Type.Unknown()),
              logs: Type.Array(Type.Object({ level: Type.String(), message: Type.String() })),
            }),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request) =>
        runInstanceDataSource(
          { db, ...options },
          callerOf(request).orgId,
          request.params.id,
          request.params.configVar,
        ),
    );
  };
}
