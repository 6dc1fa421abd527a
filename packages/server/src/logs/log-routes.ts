import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf, customerScopeOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import { LogEntry, LogPage, LogQuery, logAnswers } from './log-schemas.js';
import { searchLogs, tailSettleMs } from './log-store.js';

/** `/api/logs`: search execution log lines, or follow new ones. */
export function logRoutes(db: Kysely<Database>) {
  return async function logRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(LogEntry);
    app.addSchema(LogPage);

    app.get(
      '/logs',
      {
        config: { permission: 'instances:read', customerScope: { handlerNarrows: true } },
        schema: {
          tags: ['executions'],
          summary: 'Search or follow execution logs',
          description: `Without \`after\`: lines newest first, in pages (\`cursor\`). With \`after\` (a tailCursor from a previous answer): the lines stored since, oldest first; poll with each answer's tailCursor to follow new lines. Both orders go by the line's timestamp (then execution id and line number); a tail reads up to ${tailSettleMs / 1000} s behind the present, so that lines workers are still storing are not skipped: a line shows up in a tail a few seconds after it was logged, also while its execution runs. Filters: search (case-insensitive substring of the message), level (repeatable) or minLevel, a timestamp range [from, to), instance, customer (id or externalId), integration, flow name, execution.`,
          querystring: LogQuery,
          response: { 200: logAnswers.page, ...errorResponses() },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return searchLogs(db, caller.orgId, request.query, customerScopeOf(caller));
      },
    );
  };
}
