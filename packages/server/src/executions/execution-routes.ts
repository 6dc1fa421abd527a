import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf, customerScopeOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import { cancelExecution, downloadExecutionFile, replayExecution } from './execution-operations.js';
import { queueExecution } from './execution-queue.js';
import {
  Execution,
  ExecutionListQuery,
  ExecutionPage,
  ExecutionQueued,
  ExecutionReplayed,
  ExecutionSummary,
  executionAnswers,
  FileParams,
  IdParams,
  ReplayQuery,
  TestRun,
  TestRunParams,
  testRunBody,
} from './execution-schemas.js';
import { getExecution, listExecutions, testRunTrigger } from './execution-store.js';

/** Test runs of instance flows and `/api/executions`: list, get, replay, cancel. */
export function executionRoutes(db: Kysely<Database>) {
  return async function executionRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(TestRun);
    app.addSchema(ExecutionQueued);
    app.addSchema(ExecutionSummary);
    app.addSchema(Execution);
    app.addSchema(ExecutionReplayed);
    app.addSchema(ExecutionPage);
    const answers = executionAnswers;
    const tags = ['executions'];

    app.post(
      '/instances/:id/flows/:flowName/test',
      {
        config: { permission: 'instances:test', customerScope: { params: { id: 'instance' } } },
        schema: {
          tags,
          summary: 'Test-run an instance flow',
          description:
            'Queues an execution of the flow with the given payload, content type and headers as its request. The execution and its queue job are stored in one transaction; poll GET /api/executions/{id} for the result.',
          params: TestRunParams,
          body: testRunBody,
          response: { 202: answers.queued, ...errorResponses(404, 409, 413) },
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

    app.get(
      '/executions/:id',
      {
        config: { permission: 'instances:read', customerScope: { params: { id: 'execution' } } },
        schema: {
          tags,
          summary: 'Get an execution with its step results and logs',
          description:
            'With its retry and replay links. Step results too large to keep inline are answered whole, from the blob store.',
          params: IdParams,
          response: { 200: answers.execution, ...errorResponses(404) },
        },
      },
      async (request) => getExecution(db, callerOf(request).orgId, request.params.id),
    );

    app.get(
      '/executions/:id/files/:sha256',
      {
        config: { permission: 'instances:read', customerScope: { params: { id: 'execution' } } },
        schema: {
          tags,
          summary: 'Download a file an execution holds',
          description:
            'Binary data in step results and responses appears there as {"$binary": {"sha256", "size", "contentType"}}; this answers its bytes, with the content type the file had in this execution.',
          params: FileParams,
          response: { 200: answers.file, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const { id, sha256 } = request.params;
        const file = await downloadExecutionFile(db, callerOf(request).orgId, id, sha256);
        return reply
          .type(file.contentType)
          .header('content-disposition', 'attachment')
          .header('x-content-type-options', 'nosniff')
          .send(file.content);
      },
    );

    app.get(
      '/executions',
      {
        config: { permission: 'instances:read', customerScope: { handlerNarrows: true } },
        schema: {
          tags,
          summary: 'List executions',
          description:
            'Newest first (by queuedAt), in pages, without step results or logs. Filter by instance, customer (id or externalId), integration, flow name, status and trigger kind (both repeatable), and a queuedAt range [from, to).',
          querystring: ExecutionListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return listExecutions(db, caller.orgId, request.query, customerScopeOf(caller));
      },
    );

    app.post(
      '/executions/:id/replay',
      {
        config: { permission: 'instances:configure', customerScope: { params: { id: 'execution' } } },
        schema: {
          tags,
          summary: 'Replay an execution',
          description:
            "Queues a new execution of the same instance flow (matched by its stable key) with the original request, triggerKind 'replay' and replayOfId set to the original. It runs the instance's current integration version, or with sameVersion=true the version the original ran. 409 INSTANCE_PAUSED on a paused instance; 404 FLOW_NOT_FOUND when the version has no such flow.",
          params: IdParams,
          querystring: ReplayQuery,
          response: { 202: answers.replayed, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const replayed = await replayExecution(db, callerOf(request).orgId, request.params.id, request.query);
        return reply.status(202).send(replayed);
      },
    );

    app.post(
      '/executions/:id/cancel',
      {
        config: { permission: 'instances:configure', customerScope: { params: { id: 'execution' } } },
        schema: {
          tags,
          summary: 'Cancel a queued or running execution',
          description:
            'Sets status cancelled and finishedAt. A queued execution never runs (its job is removed); a running one is stopped by its worker within a few seconds and stores no outcome. 409 EXECUTION_NOT_CANCELLABLE once it has finished.',
          params: IdParams,
          response: { 200: answers.summary, ...errorResponses(404, 409) },
        },
      },
      async (request) => cancelExecution(db, callerOf(request).orgId, request.params.id),
    );
  };
}
