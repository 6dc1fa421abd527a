import { type Static, Type } from '@sinclair/typebox';
import { Cursor, refTo } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the logs API. The types of what the store returns are derived from these
 * (`Static`), so the OpenAPI document and the code cannot drift apart.
 */

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'metric'] as const;

/** Severities in order; `metric` lines are not a severity and are found only with level=metric. */
export const severities = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export const LogEntry = Type.Object(
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
export type LogEntry = Static<typeof LogEntry>;

export const LogPage = Type.Object(
  {
    items: Type.Array(refTo(LogEntry)),
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
export type LogPage = Static<typeof LogPage>;

/** The answers of the routes, each a reference to a named schema above. */
export const logAnswers = {
  page: refTo(LogPage),
};

const Level = Type.Union(
  logLevels.map((level) => Type.Literal(level)),
  { description: 'trace, debug, info, warn, error or metric' },
);
const Severity = Type.Union(
  severities.map((level) => Type.Literal(level)),
  { description: 'trace, debug, info, warn or error' },
);

export const LogQuery = Type.Object(
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
export type LogQuery = Static<typeof LogQuery>;
