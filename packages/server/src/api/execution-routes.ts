import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { callerOf } from '../http/authenticate.js';
import { errorResponses } from './common-schemas.js';
import { queueExecution } from '../executions/execution-queue.js';
import { getExecution, testRunTrigger } from './execution-store.js';

const TestRun = Type.Object(
  {
    payload: Type.Optional(Type.Unknown({ description: "The request body the flow's trigger receives" })),
    contentType: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Defaults to application/json' }),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Request headers' })),
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
});

const LogLine = Type.Object({
  timestamp: Type.String({ format: 'date-time' }),
  level: Type.String(),
  message: Type.String(),
  stepKey: Type.Optional(Type.String()),
});

const Execution = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: Type.Union(
      ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((status) => Type.Literal(status)),
    ),
    flow: Type.String({ description: 'The flow name' }),
    instanceId: Type.String({ format: 'uuid' }),
    attempt: Type.Integer(),
    queuedAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    durationMs: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Optional(Type.Unknown({ description: 'Why it failed: {code, message, stepKey?}' })),
    response: Type.Optional(
      Type.Unknown({ description: "The flow's response: {statusCode, headers, body}" }),
    ),
    steps: Type.Record(Type.String(), Type.Unknown(), { description: "Each step's result by step key" }),
    stepRecords: Type.Array(StepRecord, {
      description: 'Every step record in run order (loop children per iteration)',
    }),
    logs: Type.Array(LogLine),
  },
  { $id: 'Execution' },
);

const TestRunParams = Type.Object({
  id: Type.String({ description: 'Instance id' }),
  flowName: Type.String({ description: 'The flow name' }),
});
const IdParams = Type.Object({ id: Type.String({ description: 'Execution id' }) });

/** Test runs of instance flows and `/api/executions`. */
export function executionRoutes(db: Kysely<Database>) {
  return async function executionRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(TestRun);
    app.addSchema(ExecutionQueued);
    app.addSchema(Execution);
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
          params: IdParams,
          response: { 200: Type.Ref('Execution'), ...errorResponses(404) },
        },
      },
      async (request) => getExecution(db, callerOf(request).orgId, request.params.id),
    );
  };
}
