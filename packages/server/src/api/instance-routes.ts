import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { callerOf } from '../http/authenticate.js';
import { Cursor, errorResponses, Limit, page } from './common-schemas.js';
import {
  configureInstance,
  createInstance,
  deleteInstance,
  getInstanceDetail,
  listInstances,
  setInstanceEnabled,
  updateInstance,
} from './instance-store.js';

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
  versionNumber: Type.Integer({ description: 'The integration version the instance runs' }),
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

const InstanceDetail = Type.Object(
  { ...instanceProperties, configVariables: Type.Array(ConfigVariable) },
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

/** `/api/instances`: integration versions deployed to customers, with their config values. */
export function instanceRoutes(db: Kysely<Database>) {
  return async function instanceRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(Instance);
    app.addSchema(InstanceDetail);
    app.addSchema(page(Type.Ref('Instance'), 'InstancePage'));
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
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteInstance(db, callerOf(request).orgId, request.params.id);
        return reply.status(204).send();
      },
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
        configureInstance(db, callerOf(request).orgId, request.params.id, request.body.values),
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
              ? 'Sets enabled to true.'
              : 'Sets enabled to false: a paused instance runs nothing.',
            params: IdParams,
            response: { 200: Type.Ref('Instance'), ...errorResponses(404) },
          },
        },
        async (request) => setInstanceEnabled(db, callerOf(request).orgId, request.params.id, enabled),
      );
    }
  };
}
