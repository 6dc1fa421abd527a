import { type Static, Type } from '@sinclair/typebox';
import type { TriggerKind as TriggerKindName } from '../database/schema.js';
import { Cursor, Limit, page, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the executions API (test runs, executions, replay, cancel). The types of what
 * the store and the operations return are derived from these (`Static`), so the OpenAPI document and the code
 * cannot drift apart.
 */

export const executionStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const triggerKinds = [
  'webhook',
  'schedule',
  'deploy',
  'remove',
  'test',
  'crossFlow',
  'retry',
  'replay',
] as const satisfies readonly TriggerKindName[];

export const TestRun = Type.Object(
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
/** A test run's request: the payload, its content type and headers (`encoding: base64`: the payload is a file's bytes). */
export type TestRun = Static<typeof TestRun>;
/** The test run route's body: a reference to the named schema. */
export const testRunBody = refTo(TestRun);

export const ExecutionQueued = Type.Object(
  { executionId: Type.String({ format: 'uuid' }) },
  { $id: 'ExecutionQueued' },
);
export type ExecutionQueued = Static<typeof ExecutionQueued>;

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
  integrationName: Type.Optional(
    Type.String({ description: 'Lists and GET: the integration name (saves a lookup per row)' }),
  ),
  customerName: Type.Optional(Type.String({ description: 'Lists and GET: the customer name' })),
  instanceName: Type.Optional(Type.String({ description: 'Lists and GET: the instance name' })),
};

/** An execution without its steps and logs: what lists answer. */
export const ExecutionSummary = Type.Object(summaryProperties, { $id: 'ExecutionSummary' });
export type ExecutionSummary = Static<typeof ExecutionSummary>;

export const Execution = Type.Object(
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
/** An execution with its step results and logs. */
export type Execution = Static<typeof Execution>;

export const ExecutionReplayed = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The new execution' }),
    executionId: Type.String({ format: 'uuid', description: 'The same id' }),
  },
  { $id: 'ExecutionReplayed' },
);
export type ExecutionReplayed = Static<typeof ExecutionReplayed>;

export const ExecutionPage = page(refTo(ExecutionSummary), 'ExecutionPage');
export type ExecutionPage = Static<typeof ExecutionPage>;

export const ExecutionListQuery = Type.Object(
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
export type ExecutionListQuery = Static<typeof ExecutionListQuery>;

export const ReplayQuery = Type.Object(
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
export type ReplayQuery = Static<typeof ReplayQuery>;

export const TestRunParams = Type.Object({
  id: Type.String({ description: 'Instance id' }),
  flowName: Type.String({ description: 'The flow name' }),
});
export const IdParams = Type.Object({ id: Type.String({ description: 'Execution id' }) });
export const FileParams = Type.Object({
  id: Type.String({ description: 'Execution id' }),
  sha256: Type.String({ description: 'The SHA-256 of the file, as its $binary mark gives it' }),
});

/** The answers of the routes, each a reference to a named schema above. */
export const executionAnswers = {
  queued: refTo(ExecutionQueued),
  execution: refTo(Execution),
  summary: refTo(ExecutionSummary),
  page: refTo(ExecutionPage),
  replayed: refTo(ExecutionReplayed),
  /**
   * GET /executions/:id/files/:sha256: not JSON. The bytes are sent as they are (a Buffer is never serialized),
   * with the Content-Type the file had in the execution; this only describes them, in the OpenAPI document.
   */
  file: {
    description: 'The file bytes, with the Content-Type the file had in the execution',
    content: { '*/*': { schema: Type.Unsafe<Buffer>(Type.String({ format: 'binary' })) } },
  },
};
