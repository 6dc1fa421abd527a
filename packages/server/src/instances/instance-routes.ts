import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Egress } from '@weft/egress';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callerOf, customerScopeOf } from '../auth/authenticate.js';
import type { Caller } from '../auth/caller.js';
import { roleAllows } from '../auth/roles.js';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import type { Database } from '../database/schema.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { errorResponses } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import type { Keyring } from '../secrets/keyring.js';
import { customerViewOfError } from './instance-config.js';
import { runInstanceDataSource } from './instance-data-sources.js';
import { instanceEndpoints, setApiKeys } from './instance-deploy.js';
import { deleteInstance, deployInstance, enableInstance, upgradeInstance } from './instance-operations.js';
import {
  ApiKeysRef,
  DataSourceAnswer,
  DataSourceParams,
  DeployOutcomeRef,
  IdParams,
  InstanceConfigure,
  InstanceCreate,
  InstanceDetailRef,
  InstanceEndpointsRef,
  InstanceListQuery,
  InstancePageRef,
  InstanceRef,
  InstanceUpdate,
  instanceComponentSchemas,
  instancePermissions,
  instanceTags,
  RemoveOutcomeRef,
  Upgrade,
  UpgradeOutcome,
} from './instance-schemas.js';
import {
  configureInstance,
  createInstance,
  getInstanceDetail,
  listInstances,
  updateInstance,
} from './instance-store.js';

export interface InstanceRouteOptions {
  waiter: ExecutionWaiter;
  /** Base of webhook URLs; unset: taken from the request. */
  publicUrl: string | undefined;
  /** How long a delete waits for remove-trigger flows. */
  removeWaitMs: number;
  keyring: Keyring;
  /** Where trigger lifecycle functions of custom and code-native components run. */
  sandboxes: ComponentSandboxes;
  /** Data sources' and lifecycle functions' connections renew their tokens under it (the server's egress policy). */
  egress?: Egress;
  log: Logger;
}

/** A refusal as the caller may read it: customers are never told the names of variables kept from them. */
async function asSeenBy<T>(caller: Caller, outcome: Promise<T>): Promise<T> {
  try {
    return await outcome;
  } catch (error) {
    throw caller.kind === 'customer' ? customerViewOfError(error) : error;
  }
}

/** `/api/instances`: integration versions deployed to customers, with their config values. */
export function instanceRoutes(db: Kysely<Database>, options: InstanceRouteOptions) {
  return async function instanceRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    for (const schema of instanceComponentSchemas) app.addSchema(schema);
    const deps = { db, ...options };
    const tags = instanceTags;
    const { read, write, ownList, readOwn, configureOwn } = instancePermissions;

    app.post(
      '/instances',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an instance',
          description:
            "For one customer, from the given or else the newest available integration version. Config values start as the version's defaults; labels default to the integration's.",
          body: InstanceCreate,
          response: { 201: InstanceRef, ...errorResponses(404, 409, 413, 422) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        return reply.status(201).send(await createInstance(db, caller.orgId, caller.tokenId, request.body));
      },
    );

    app.get(
      '/instances',
      {
        config: ownList,
        schema: {
          tags,
          summary: 'List instances',
          description:
            'Oldest first, in pages; filter by customer, integration, labels, enabled state and search.',
          querystring: InstanceListQuery,
          response: { 200: InstancePageRef, ...errorResponses() },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return listInstances(db, caller.orgId, request.query, customerScopeOf(caller));
      },
    );

    app.get(
      '/instances/:id',
      {
        config: readOwn,
        schema: {
          tags,
          summary: 'Get an instance with its config variables and values',
          params: IdParams,
          response: { 200: InstanceDetailRef, ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return getInstanceDetail(db, caller.orgId, request.params.id, caller.kind);
      },
    );

    app.patch(
      '/instances/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Rename or describe an instance',
          description: 'Only the fields sent change; labels are replaced as a whole.',
          params: IdParams,
          body: InstanceUpdate,
          response: { 200: InstanceRef, ...errorResponses(404, 409, 413) },
        },
      },
      async (request) => updateInstance(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete(
      '/instances/:id',
      {
        config: configureOwn,
        schema: {
          tags,
          summary: 'Delete an instance',
          description:
            "A deployed, unpaused instance first runs its remove-trigger flows (waiting for them up to the sync time-out); then the instance and all its data (executions, state, schedules, webhook endpoints) are deleted. The answer lists the remove flows' outcomes, since their records go with the instance.",
          params: IdParams,
          response: { 200: RemoveOutcomeRef, ...errorResponses(404) },
        },
      },
      async (request) =>
        deleteInstance(
          deps,
          callerOf(request).orgId,
          request.params.id,
          baseUrlOf(request, options.publicUrl),
        ),
    );

    app.post(
      '/instances/:id/deploy',
      {
        config: configureOwn,
        schema: {
          tags,
          summary: 'Deploy an instance',
          description:
            'Makes the configured version the running one: registers a webhook endpoint per flow (URLs stay the same across redeploys and upgrades), generates an API key when a flow requires one and the instance has none, registers the schedules, then queues the deploy-trigger flows. Every config variable needs a value (422 INSTANCE_CONFIG_INCOMPLETE names the missing ones; nothing changes). A failing deploy flow does not undo the deploy. Then triggers with webhook lifecycle handlers register the webhook of the flow at their provider when not registered for its URL and inputs yet (never twice; changed inputs remove the old registration first), and the onInstanceDeploy functions of triggers run: a failure answers 422 WEBHOOK_REGISTRATION_FAILED or INSTANCE_LIFECYCLE_FAILED, and the deploy stands.',
          params: IdParams,
          response: { 200: DeployOutcomeRef, ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return asSeenBy(
          caller,
          deployInstance(deps, caller.orgId, request.params.id, baseUrlOf(request, options.publicUrl)),
        );
      },
    );

    app.post(
      '/instances/:id/upgrade',
      {
        config: configureOwn,
        schema: {
          tags,
          summary: 'Upgrade (or pin) an instance to a version',
          description:
            'Sets the instance to an available version (the newest by default; any older available one pins it). Config values are carried over by stable key and new variables take their defaults. A deployed instance is redeployed at once unless deploy is false; if a new variable has no value, 422 INSTANCE_CONFIG_INCOMPLETE: the version is set but the previous one keeps running until a deploy succeeds.',
          params: IdParams,
          body: Upgrade,
          response: { 200: UpgradeOutcome, ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return asSeenBy(
          caller,
          upgradeInstance(
            deps,
            caller.orgId,
            request.params.id,
            // The body is optional: an empty POST upgrades to the newest version and redeploys.
            request.body ?? {},
            baseUrlOf(request, options.publicUrl),
          ),
        );
      },
    );

    app.get(
      '/instances/:id/flows',
      {
        config: readOwn,
        schema: {
          tags,
          summary: "An instance's flows with their webhook URLs, API keys and schedules",
          params: IdParams,
          response: { 200: InstanceEndpointsRef, ...errorResponses(404) },
        },
      },
      // Keys of flows secured by the organization are the organization's to see, never its customers'. A member
      // of the team who may not change the instance (a viewer) sees them masked: a key calls the customer's webhook.
      async (request) => {
        const caller = callerOf(request);
        return instanceEndpoints(
          db,
          caller.orgId,
          request.params.id,
          baseUrlOf(request, options.publicUrl),
          caller.kind === 'organization',
          caller.kind !== 'organization' || roleAllows(caller.role, 'instances:write'),
        );
      },
    );

    app.put(
      '/instances/:id/api-keys',
      {
        config: write,
        schema: {
          tags,
          summary: "Set the instance's webhook API keys",
          params: IdParams,
          body: ApiKeysRef,
          response: { 200: ApiKeysRef, ...errorResponses(404) },
        },
      },
      async (request) => ({
        apiKeys: await setApiKeys(db, callerOf(request).orgId, request.params.id, request.body.apiKeys),
      }),
    );

    app.post(
      '/instances/:id/api-keys/rotate',
      {
        config: write,
        schema: {
          tags,
          summary: "Rotate the instance's webhook API keys",
          description: 'Replaces every key with one newly generated key; callers using an old key get 401.',
          params: IdParams,
          response: { 200: ApiKeysRef, ...errorResponses(404) },
        },
      },
      async (request) => ({
        apiKeys: await setApiKeys(db, callerOf(request).orgId, request.params.id, undefined),
      }),
    );

    app.put(
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
          response: { 200: InstanceDetailRef, ...errorResponses(404, 413, 422) },
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
      app.post(
        `/instances/:id/${action}`,
        {
          config: configureOwn,
          schema: {
            tags,
            summary: enabled ? 'Unpause an instance' : 'Pause an instance',
            description: enabled
              ? "Sets enabled to true; a deployed instance's triggers register their webhooks at the provider again (webhookCreate). A failing registration answers 422 WEBHOOK_REGISTRATION_FAILED; the instance is unpaused still, and unpausing again retries."
              : 'Sets enabled to false: a paused instance runs nothing, and triggers that registered their webhook at the provider remove it (webhookDelete). A failing removal answers 422 WEBHOOK_REGISTRATION_FAILED; the instance is paused still, and pausing again retries.',
            params: IdParams,
            response: { 200: InstanceRef, ...errorResponses(404, 422) },
          },
        },
        async (request) =>
          enableInstance(
            deps,
            callerOf(request).orgId,
            request.params.id,
            enabled,
            baseUrlOf(request, options.publicUrl),
          ),
      );
    }

    app.get(
      '/instances/:id/data-sources/:configVar',
      {
        // Customers run data sources through the config wizard, which hides what is the organization's.
        config: read,
        schema: {
          tags,
          summary: "Run a config variable's data source for an instance",
          description:
            "Runs the data source with the instance's current config values and connections (the choices of a picklist, the objects of an object selection...), for a config wizard. Secrets its connections hold are masked. 422 DATA_SOURCE_FAILED says why it failed (often the connection); DATA_SOURCE_NOT_AVAILABLE when the variable has none.",
          params: DataSourceParams,
          response: { 200: DataSourceAnswer, ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        runInstanceDataSource(deps, callerOf(request).orgId, request.params.id, request.params.configVar),
    );
  };
}
