import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { defaultEgress, type Egress } from '@weft/egress';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import type { Keyring } from '../secrets/keyring.js';
import { postBatch } from './log-stream-delivery.js';
import { logStreamPresets } from './log-stream-presets.js';
import {
  IdParams,
  LogStream,
  LogStreamCreate,
  LogStreamListQuery,
  LogStreamPage,
  LogStreamPresets,
  LogStreamTestResult,
  LogStreamUpdate,
  logStreamAnswers,
} from './log-stream-schemas.js';
import {
  createLogStream,
  deleteLogStream,
  findStreamRow,
  getLogStream,
  listLogStreams,
  logStreamNotFound,
  openHeaders,
  retryBacklogNow,
  updateLogStream,
} from './log-stream-store.js';
import { batchBody, parseTemplate, placeholders, renderLine, testLineFields } from './log-stream-template.js';

export interface LogStreamRouteOptions {
  keyring: Keyring;
  /** The server's egress policy (test payloads go through it); without it, the guarded default. */
  egress?: Egress;
}

/**
 * `/api/log-streams`: where the organization's execution log lines are sent (DataDog, New Relic, any HTTP
 * endpoint), with their status, and a test payload sent on request.
 */
export function logStreamRoutes(db: Kysely<Database>, options: LogStreamRouteOptions) {
  return async function logStreamRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(LogStream);
    app.addSchema(LogStreamPage);
    app.addSchema(LogStreamTestResult);
    app.addSchema(LogStreamPresets);
    const answers = logStreamAnswers;
    const tags = ['log-streams'];
    const read = { permission: 'monitoring:read' } as const;
    const write = { permission: 'monitoring:write' } as const;
    const { keyring } = options;

    app.post(
      '/log-streams',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create a log stream',
          description:
            "Every log line of the organization's executions (test runs included) is sent to `url` once its execution finished, rendered with `payloadTemplate`, in batches. Header values are stored encrypted and never answered.",
          body: LogStreamCreate,
          response: { 201: answers.stream, ...errorResponses(409) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createLogStream(db, keyring, callerOf(request).orgId, request.body)),
    );

    app.get(
      '/log-streams',
      {
        config: read,
        schema: {
          tags,
          summary: 'List log streams',
          description: 'Oldest first, in pages, each with its status.',
          querystring: LogStreamListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request) => listLogStreams(db, keyring, callerOf(request).orgId, request.query),
    );

    app.get(
      '/log-streams/presets',
      {
        config: read,
        schema: {
          tags,
          summary: 'Log services and placeholders',
          description:
            "DataDog's and New Relic's intake URLs by region, the header each reads its key from, and the template; and every placeholder a template may use.",
          response: { 200: answers.presets, ...errorResponses() },
        },
      },
      async () => ({ presets: [...logStreamPresets], placeholders: [...placeholders] }),
    );

    app.get(
      '/log-streams/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get a log stream and its status',
          description:
            'The status says how many finished executions wait, how many were dropped because the backlog was full, how many lines were delivered, and the last error.',
          params: IdParams,
          response: { 200: answers.stream, ...errorResponses(404) },
        },
      },
      async (request) => getLogStream(db, keyring, callerOf(request).orgId, request.params.id),
    );

    app.patch(
      '/log-streams/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Update a log stream',
          description:
            'Only the fields sent change; `headers` sets the headers named (null removes one) and keeps the others. A new URL, template or headers, or enabling the stream, retries what waits at once.',
          params: IdParams,
          body: LogStreamUpdate,
          response: { 200: answers.stream, ...errorResponses(404, 409) },
        },
      },
      async (request) =>
        updateLogStream(db, keyring, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete(
      '/log-streams/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete a log stream',
          description: 'What waits in its backlog is dropped with it. Answers with the deleted stream.',
          params: IdParams,
          response: { 200: answers.stream, ...errorResponses(404) },
        },
      },
      async (request) => deleteLogStream(db, keyring, callerOf(request).orgId, request.params.id),
    );

    app.post(
      '/log-streams/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: 'Send a test payload',
          description:
            'Sends one line rendered with test values ("Test message", "Test integration", ...) to the endpoint now, with the stream\'s headers, and answers what the endpoint said. When it is delivered, the stream\'s waiting executions are retried at once.',
          params: IdParams,
          response: { 200: answers.test, ...errorResponses(404) },
        },
      },
      async (request) => {
        const orgId = callerOf(request).orgId;
        const row = await findStreamRow(db, orgId, request.params.id);
        if (!row) throw logStreamNotFound(request.params.id);
        const template = parseTemplate(row.payload_template);
        const payload = batchBody(template, [renderLine(template, testLineFields())]);
        const egress = options.egress ?? defaultEgress();
        const outcome = await postBatch(
          egress,
          { url: row.url, headers: await openHeaders(keyring, row) },
          template.json,
          payload,
        );
        if (outcome.delivered) await retryBacklogNow(db, row.id);
        return { ...outcome, payload };
      },
    );
  };
}
