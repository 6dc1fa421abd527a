import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, errorCatalog, isWeftError } from '../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorBody {
  return { error: { code, message: `${message} ${errorCatalog[code].hint}`, details } };
}

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
  parentSchema?: { properties?: Record<string, unknown>; writeOnly?: boolean; description?: string };
}

/** Fields whose values an error must not repeat back (a password too long, a malformed secret). */
const secretField = /password|secret|token|apikey|api_key|privatekey|private_key|credential/i;

/** A value a request carried, as a message quotes it: short, and never a failure of its own. */
function quoted(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'an array' : typeof value;
  }
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** Turns the first validation problem into a sentence that names the field, what it got and what it needs. */
function describeValidation(
  part: string,
  issues: AjvIssue[],
): { message: string; details: Record<string, unknown> } {
  const where = (path: string) => (path ? `${part} field '${path.slice(1).replaceAll('/', '.')}'` : part);
  const fieldOf = (issue: AjvIssue): string => {
    if (issue.keyword === 'additionalProperties') {
      return [issue.instancePath.slice(1), issue.params.additionalProperty]
        .filter(Boolean)
        .join('.')
        .replaceAll('/', '.');
    }
    if (issue.keyword === 'required') {
      return [issue.instancePath.slice(1), issue.params.missingProperty]
        .filter(Boolean)
        .join('.')
        .replaceAll('/', '.');
    }
    return issue.instancePath.slice(1).replaceAll('/', '.');
  };
  const sentence = (issue: AjvIssue): string => {
    switch (issue.keyword) {
      case 'additionalProperties': {
        const allowed = Object.keys(issue.parentSchema?.properties ?? {});
        return `${where(issue.instancePath)} has an unknown field '${String(issue.params.additionalProperty)}'${allowed.length ? `; allowed fields: ${allowed.join(', ')}` : ''}.`;
      }
      case 'required':
        return `${where(issue.instancePath)} is missing the required field '${String(issue.params.missingProperty)}'.`;
      default: {
        const secret = issue.parentSchema?.writeOnly === true || secretField.test(issue.instancePath);
        const got = issue.data === undefined || secret ? '' : ` (got ${quoted(issue.data)})`;
        // A pattern says little to a person; the field's description says what it should be.
        const description = issue.parentSchema?.description;
        if (issue.keyword === 'pattern' && description) {
          return `${where(issue.instancePath)} is not valid${got}: it must be ${lowerFirst(description)}.`;
        }
        return `${where(issue.instancePath)} ${issue.message ?? 'is not valid'}${got}.`;
      }
    }
  };
  const first = issues[0];
  if (!first) return { message: `The ${part} is not valid.`, details: { part } };
  return {
    message: sentence(first),
    details: {
      part,
      field: fieldOf(first),
      problems: issues.slice(0, 20).map((issue) => ({ field: fieldOf(issue), message: sentence(issue) })),
    },
  };
}

/**
 * The one place errors become HTTP answers. Registered WeftErrors and Fastify's own request errors keep their
 * code; anything else is a bug or an outage, answered with a fixed message (never the error's own text, which
 * could carry SQL or secrets) and logged in full under the request id.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(
    (error: FastifyError & { validation?: AjvIssue[]; validationContext?: string }, request, reply) => {
      if (isWeftError(error)) {
        // An error that says when to come back (details.retryAfterSeconds) says it the HTTP way too.
        const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
        if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
        return reply.status(error.status).send(errorBody(error.code, error.message, error.details));
      }
      if (error.validation) {
        const { message, details } = describeValidation(
          error.validationContext ?? 'request',
          error.validation,
        );
        return reply.status(400).send(errorBody('API_VALIDATION_FAILED', message, details));
      }
      switch (error.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return reply
            .status(400)
            .send(
              errorBody(
                'API_INVALID_JSON',
                `The request body is not valid JSON: ${error.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'$/, 'it could not be parsed')}.`,
              ),
            );
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return reply.status(413).send(
            errorBody('API_PAYLOAD_TOO_LARGE', 'The request body is larger than the server accepts.', {
              // The route's own limit where it has one (imports, icons, attachments).
              limitBytes: request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit,
            }),
          );
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return reply
            .status(415)
            .send(
              errorBody(
                'API_UNSUPPORTED_MEDIA_TYPE',
                `Content-Type '${request.headers['content-type'] ?? ''}' is not accepted here.`,
              ),
            );
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Other client errors Fastify raises (malformed headers, bad URL encoding): safe to describe.
        return reply
          .status(error.statusCode)
          .send(errorBody('API_VALIDATION_FAILED', `The request is not valid: ${error.message}.`));
      }
      const databaseDown = /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect/i.test(
        error.message,
      );
      request.log.error(
        { error: { message: error.message, stack: error.stack, code: error.code } },
        'request failed',
      );
      if (databaseDown) {
        return reply
          .status(503)
          .send(errorBody('API_DATABASE_UNAVAILABLE', 'The database is not reachable right now.'));
      }
      return reply.status(500).send(
        errorBody('API_INTERNAL', `Something went wrong on the server (request id ${request.id}).`, {
          requestId: request.id,
        }),
      );
    },
  );

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        errorBody('API_ROUTE_NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]}.`),
      );
  });
}
