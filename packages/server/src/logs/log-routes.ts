import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { Cursor, errorResponses } from '../http/common-schemas.js';
import { logLevels, searchLogs, severities, tailSettleMs } from './log-store.js';

const LogEntry = Type.Object(
  {
    executionId: Type.String({ format: 'uuid' }),
    instanceId: Type.String({ format: 'uuid' }),
    flow: Type.String({ description: 'The flow name' }),
    timestamp: Type.String({ format: 'date-time', description: 'When the flow logged it' }),
    level: Type.String({ description: 'trace, debug, info, warn, error or metric' }),
    message: Type.String(),
    stepKey: Type.Optional(Type.String({ description: 'The step that logged it' })),
  },
  { $id: 'LogEntry' },
);

const LogPage = Type.Object(
  {
    items: Type.Array(Type.Ref('LogEntry')),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description:
        'Search: pass as `cursor` for older lines (null on the last page). Tail (`after`): set when more new lines are waiting; pass it as `after` right away.',
    }),
    tailCursor: Type.String({
      description: 'Pass as `after` to get the lines stored since this answer (to follow logs)',
    }),
  },
  { $id: 'LogPage' },
);

const Level = Type.Union(
  logLevels.map((level) => Type.Literal(level)),
  { description: 'trace, debug, info, warn, error or metric' },
);
const Severity = Type.Union(
  severities.map((level) => Type.Literal(level)),
  { description: 'trace, debug, info, warn or error' },
);

const LogQuery = Type.Object(
  {
    search: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'Case-insensitive substring of the message' }),
    ),
    level: Type.Optional(Type.Array(Level, { maxItems: 6, description: 'Lines of any of these levels' })),
    minLevel: Type.Optional(Severity),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Logged at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Logged before' })),
    instance: Type.Optional(Type.String({ maxLength: 100, description: 'Instance id' })),
    customer: Type.Optional(Type.String({ maxLength: 200, description: 'Customer id or externalId' })),
    integration: Type.Optional(Type.String({ maxLength: 100, description: 'Integration id' })),
    flow: Type.Optional(Type.String({ maxLength: 200, description: 'Flow name' })),
    execution: Type.Optional(Type.String({ maxLength: 100, description: 'Execution id' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 500,
        default: 100,
        description: 'Lines per answer; 0 answers only a tailCursor (to start following from now)',
      }),
    ),
    cursor: Type.Optional(Cursor),
    after: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'A tailCursor: answer the lines stored since, oldest first',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `/api/logs`: search execution log lines, or follow new ones. */
export function logRoutes(db: Kysely<Database>) {
  return async function logRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(LogEntry);
    app.addSchema(LogPage);

    app.get<{ Querystring: Static<typeof LogQuery> }>(
      '/logs',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags: ['executions'],
          summary: 'Search or follow execution logs',
          description: `Without \`after\`: lines newest first, in pages (\`cursor\`). With \`after\` (a tailCursor from a previous answer): the lines stored since, oldest first; poll with each answer's tailCursor to follow new lines. Both orders go by the line's timestamp (then execution id and line number); a tail reads up to ${tailSettleMs / 1000} s behind the present, so that lines workers are still storing are not skipped: a line shows up in a tail a few seconds after it was logged, also while its execution runs. Filters: search (case-insensitive substring of the message), level (repeatable) or minLevel, a timestamp range [from, to), instance, customer (id or externalId), integration, flow name, execution.`,
          querystring: LogQuery,
          response: { 200: Type.Ref('LogPage'), ...errorResponses() },
        },
      },
      async (request) => {
        const q = request.query;
        return searchLogs(db, callerOf(request).orgId, {
          ...(q.search !== undefined ? { search: q.search } : {}),
          ...(q.level ? { levels: q.level } : {}),
          ...(q.minLevel !== undefined ? { minLevel: q.minLevel } : {}),
          ...(q.from !== undefined ? { from: new Date(q.from) } : {}),
          ...(q.to !== undefined ? { to: new Date(q.to) } : {}),
          ...(q.instance !== undefined ? { instance: q.instance } : {}),
          ...(q.customer !== undefined ? { customer: q.customer } : {}),
          ...(q.integration !== undefined ? { integration: q.integration } : {}),
          ...(q.flow !== undefined ? { flow: q.flow } : {}),
          ...(q.execution !== undefined ? { execution: q.execution } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.after !== undefined ? { after: q.after } : {}),
          limit: q.limit ?? 100,
        });
      },
    );
  };
}
