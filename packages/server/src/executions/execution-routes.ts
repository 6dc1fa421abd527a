import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { Cursor, errorResponses, Limit, page } from '../http/common-schemas.js';
import { isUuid } from '../integrations/integration-store.js';
import { executionFile } from './execution-files.js';
import { cancelExecution, replayExecution } from './execution-operations.js';
import { queueExecution } from './execution-queue.js';
import {
  executionStatuses,
  getExecution,
  listExecutions,
  testRunTrigger,
  triggerKinds,
} from './execution-store.js';

const TestRun = Type.Object(
  {
    payload: Type.Optional(Type.Unknown({ description: "The request body the flow's trigger receives" })),
    contentType: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Defaults to application/json' }),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Request headers' })),
    encoding: Type.Optional(
      Type.Literal('base64', {
        description:
          "base64: payload is a file's bytes in base64; the trigger receives them as a file {data, contentType}, as a binary webhook body",
      }),
    ),
  },
  { additionalProperties: false, $id: 'TestRun' },
);

const ExecutionQueued = Type.Object(
  { executionId: Type.String({ format: 'uuid' }) },
  { $id: 'ExecutionQueued' },
);

const StepRecord = Type.Object({
  key: Type.String(),
  name: Type.String(),
  status: Type.String({ description: 'succeeded, failed or ignored' }),
  result: Type.Unknown(),
  attempts: Type.Array(Type.Unknown(), {
    description: 'Every attempt: {attempt, startedAt, durationMs, error?}',
  }),
  iterations: Type.Optional(Type.Integer({ description: 'Loop steps: how many iterations ran' })),
  branch: Type.Optional(Type.String({ description: 'Branch steps: the branch that ran' })),
  iteration: Type.Optional(Type.Integer({ description: "Loop children: the iteration's index" })),
});

const LogLine = Type.Object({
  timestamp: Type.String({ format: 'date-time' }),
  level: Type.String(),
  message: Type.String(),
  stepKey: Type.Optional(Type.String()),
});

const Uuid = Type.String({ format: 'uuid' });
const Status = Type.Union(
  executionStatuses.map((status) => Type.Literal(status)),
  { description: 'queued, running, succeeded, failed or cancelled' },
);
const TriggerKind = Type.Union(
  triggerKinds.map((kind) => Type.Literal(kind)),
  { description: 'What started it: webhook, schedule, deploy, remove, test, crossFlow, retry or replay' },
);

const summaryProperties = {
  id: Uuid,
  status: Status,
  flow: Type.String({ description: 'The flow name' }),
  instanceId: Uuid,
  customerId: Uuid,
  integrationId: Uuid,
  triggerKind: TriggerKind,
  attempt: Type.Integer({ description: 'Runs of this execution (more than 1 when a worker died mid-run)' }),
  retryOfId: Type.Union([Uuid, Type.Null()], {
    description: 'The first execution of the retry chain this one belongs to; null for a first run',
  }),
  retryNumber: Type.Integer({ description: '0 for a first run, n for the n-th retry' }),
  replayOfId: Type.Union([Uuid, Type.Null()], { description: 'The execution this one replays' }),
  invokedById: Type.Union([Uuid, Type.Null()], {
    description: 'The execution whose step invoked this flow (cross-flow calls)',
  }),
  cancelledById: Type.Union([Uuid, Type.Null()], {
    description:
      'Retry cancellation: the newer execution whose request carried the same unique request id (set on the retries it cancelled, and on a failed execution it kept from being retried)',
  }),
  queuedAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Optional(Type.Unknown({ description: 'Why it failed: {code, message, stepKey?}' })),
  componentVersions: Type.Optional(
    Type.Record(Type.String(), Type.Integer(), {
      description: 'The custom component versions its steps ran, by component key',
    }),
  ),
};

const ExecutionSummary = Type.Object(summaryProperties, { $id: 'ExecutionSummary' });

const Execution = Type.Object(
  {
    ...summaryProperties,
    response: Type.Optional(
      Type.Unknown({ description: "The flow's response: {statusCode, headers, body}" }),
    ),
    preprocess: Type.Optional(
      Type.Unknown({
        description:
          'The preprocess flow run that routed the webhook request here: {flow, status, ranForInstance, durationMs, result, stepRecords, logs}',
      }),
    ),
    retries: Type.Array(Uuid, { description: 'Executions retrying this one, first retry first' }),
    replays: Type.Array(Uuid, { description: 'Executions replaying this one, oldest first' }),
    steps: Type.Record(Type.String(), Type.Unknown(), { description: "Each step's result by step key" }),
    stepRecords: Type.Array(StepRecord, {
      description: 'Every step record in run order (loop children per iteration)',
    }),
    logs: Type.Array(LogLine),
  },
  { $id: 'Execution' },
);

const ExecutionReplayed = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The new execution' }),
    executionId: Type.String({ format: 'uuid', description: 'The same id' }),
  },
  { $id: 'ExecutionReplayed' },
);

const ExecutionListQuery = Type.Object(
  {
    instance: Type.Optional(Type.String({ maxLength: 100, description: 'Instance id' })),
    customer: Type.Optional(Type.String({ maxLength: 200, description: 'Customer id or externalId' })),
    integration: Type.Optional(Type.String({ maxLength: 100, description: 'Integration id' })),
    flow: Type.Optional(Type.String({ maxLength: 200, description: 'Flow name' })),
    status: Type.Optional(
      Type.Array(Status, { maxItems: 5, description: 'Executions with any of these statuses' }),
    ),
    triggerKind: Type.Optional(
      Type.Array(TriggerKind, { maxItems: 8, description: 'Executions started in any of these ways' }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Queued at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Queued before' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

const ReplayQuery = Type.Object(
  {
    sameVersion: Type.Optional(
      Type.Boolean({
        description:
          "true: run the integration version the original ran; default: the instance's current version",
      }),
    ),
  },
  { additionalProperties: false },
);

const TestRunParams = Type.Object({
  id: Type.String({ description: 'Instance id' }),
  flowName: Type.String({ description: 'The flow name' }),
});
const IdParams = Type.Object({ id: Type.String({ description: 'Execution id' }) });
const FileParams = Type.Object({
  id: Type.String({ description: 'Execution id' }),
  sha256: Type.String({ description: 'The SHA-256 of the file, as its $binary mark gives it' }),
});

/** Test runs of instance flows and `/api/executions`: list, get, replay, cancel. */
export function executionRoutes(db: Kysely<Database>) {
  return async function executionRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(TestRun);
    app.addSchema(ExecutionQueued);
    app.addSchema(ExecutionSummary);
    app.addSchema(Execution);
    app.addSchema(ExecutionReplayed);
    app.addSchema(page(Type.Ref('ExecutionSummary'), 'ExecutionPage'));
    const tags = ['executions'];

    app.post<{ Params: Static<typeof TestRunParams>; Body: Static<typeof TestRun> | undefined }>(
      '/instances/:id/flows/:flowName/test',
      {
        config: { permission: 'instances:write' },
        schema: {
          tags,
          summary: 'Test-run an instance flow',
          description:
            'Queues an execution of the flow with the given payload, content type and headers as its request. The execution and its queue job are stored in one transaction; poll GET /api/executions/{id} for the result.',
          params: TestRunParams,
          body: Type.Ref('TestRun'),
          response: { 202: Type.Ref('ExecutionQueued'), ...errorResponses(404, 409, 413) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { executionId } = await queueExecution(db, {
          orgId: caller.orgId,
          instanceId: request.params.id,
          flowName: request.params.flowName,
          trigger: testRunTrigger(request.body ?? {}),
          kind: 'test',
        });
        return reply.status(202).send({ executionId });
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>(
      '/executions/:id',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags,
          summary: 'Get an execution with its step results and logs',
          description:
            'With its retry and replay links. Step results too large to keep inline are answered whole, from the blob store.',
          params: IdParams,
          response: { 200: Type.Ref('Execution'), ...errorResponses(404) },
        },
      },
      async (request) => getExecution(db, callerOf(request).orgId, request.params.id),
    );

    app.get<{ Params: Static<typeof FileParams> }>(
      '/executions/:id/files/:sha256',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags,
          summary: 'Download a file an execution holds',
          description:
            'Binary data in step results and responses appears there as {"$binary": {"sha256", "size", "contentType"}}; this answers its bytes, with the content type the file had in this execution.',
          params: FileParams,
          response: {
            200: Type.Unknown({ description: 'The file bytes' }),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const { id, sha256 } = request.params;
        const file =
          isUuid(id) && /^[0-9a-f]{64}$/.test(sha256)
            ? await executionFile(db, callerOf(request).orgId, id, sha256)
            : undefined;
        if (!file) {
          throw new WeftError(
            'EXECUTION_FILE_NOT_FOUND',
            `Execution '${id.slice(0, 80)}' holds no file with SHA-256 '${sha256.slice(0, 80)}' in your organization.`,
          );
        }
        return (
          reply
            // The type a flow gave the file; one HTTP cannot carry is left out.
            .type(
              file.contentType && /^[\t\x20-\x7e]+$/.test(file.contentType)
                ? file.contentType
                : 'application/octet-stream',
            )
            .header('content-disposition', 'attachment')
            .header('x-content-type-options', 'nosniff')
            .send(file.content)
        );
      },
    );

    app.get<{ Querystring: Static<typeof ExecutionListQuery> }>(
      '/executions',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags,
          summary: 'List executions',
          description:
            'Newest first (by queuedAt), in pages, without step results or logs. Filter by instance, customer (id or externalId), integration, flow name, status and trigger kind (both repeatable), and a queuedAt range [from, to).',
          querystring: ExecutionListQuery,
          response: { 200: Type.Ref('ExecutionPage'), ...errorResponses() },
        },
      },
      async (request) => {
        const q = request.query;
        return listExecutions(db, callerOf(request).orgId, {
          ...(q.instance !== undefined ? { instance: q.instance } : {}),
          ...(q.customer !== undefined ? { customer: q.customer } : {}),
          ...(q.integration !== undefined ? { integration: q.integration } : {}),
          ...(q.flow !== undefined ? { flow: q.flow } : {}),
          ...(q.status ? { statuses: q.status } : {}),
          ...(q.triggerKind ? { triggerKinds: q.triggerKind } : {}),
          ...(q.from !== undefined ? { from: new Date(q.from) } : {}),
          ...(q.to !== undefined ? { to: new Date(q.to) } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
          limit: q.limit ?? 100,
        });
      },
    );

    app.post<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ReplayQuery> }>(
      '/executions/:id/replay',
      {
        config: { permission: 'instances:write' },
        schema: {
          tags,
          summary: 'Replay an execution',
          description:
            "Queues a new execution of the same instance flow (matched by its stable key) with the original request, triggerKind 'replay' and replayOfId set to the original. It runs the instance's current integration version, or with sameVersion=true the version the original ran. 409 INSTANCE_PAUSED on a paused instance; 404 FLOW_NOT_FOUND when the version has no such flow.",
          params: IdParams,
          querystring: ReplayQuery,
          response: { 202: Type.Ref('ExecutionReplayed'), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const replayed = await replayExecution(db, callerOf(request).orgId, request.params.id, {
          sameVersion: request.query.sameVersion === true,
        });
        return reply.status(202).send(replayed);
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/executions/:id/cancel',
      {
        config: { permission: 'instances:write' },
        schema: {
          tags,
          summary: 'Cancel a queued or running execution',
          description:
            'Sets status cancelled and finishedAt. A queued execution never runs (its job is removed); a running one is stopped by its worker within a few seconds and stores no outcome. 409 EXECUTION_NOT_CANCELLABLE once it has finished.',
          params: IdParams,
          response: { 200: Type.Ref('ExecutionSummary'), ...errorResponses(404, 409) },
        },
      },
      async (request) => cancelExecution(db, callerOf(request).orgId, request.params.id),
    );
  };
}
