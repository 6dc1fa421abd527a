import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Egress } from '@weft/egress';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { alertRoutes } from './alerts/alert-routes.js';
import { installAuditLog } from './audit/audit-recorder.js';
import { auditRoutes } from './audit/audit-routes.js';
import { installAuthentication } from './auth/authenticate.js';
import { organizationRoutes } from './auth/organization-routes.js';
import { accessSentence } from './auth/route-access.js';
import type { PeopleOptions } from './auth/sign-in.js';
import { signingKeyRoutes } from './auth/signing-key-routes.js';
import { tokenRoutes } from './auth/token-routes.js';
import { componentRoutes } from './components/component-routes.js';
import { ComponentSandboxes } from './components/component-sandboxes.js';
import type { ServerRole } from './config.js';
import { type BodyShapeLimits, defaultBodyShapeLimits } from './config.js';
import { connectionRoutes, oauthCallbackRoute } from './connections/connection-routes.js';
import { customerUserRoutes } from './customer-users/customer-user-routes.js';
import { customerRoutes } from './customers/customer-routes.js';
import type { Database } from './database/schema.js';
import { embeddingRoutes } from './embedding/embedding-routes.js';
import { webPages } from './embedding/web-pages.js';
import { WeftError } from './errors.js';
import { eventWebhookRoutes } from './event-webhooks/event-webhook-routes.js';
import { executionRoutes } from './executions/execution-routes.js';
import type { ExecutionWaiter } from './executions/execution-waiter.js';
import { ErrorResponse } from './http/common-schemas.js';
import { errorBody, installErrorHandling } from './http/error-handler.js';
import { installHealthRoutes } from './http/health-routes.js';
import { installHttpMetrics } from './http/http-metrics.js';
import { parseJsonBody, refuseUnstorableParameters } from './http/request-body-limits.js';
import { requestValidation } from './http/request-validation.js';
import { type InlineRunner, webhookIngress } from './ingress/webhook-ingress.js';
import { instanceRoutes } from './instances/instance-routes.js';
import { integrationFileRoutes } from './integrations/integration-file-routes.js';
import { integrationRoutes } from './integrations/integration-routes.js';
import { integrationVersionRoutes } from './integrations/integration-version-routes.js';
import { logStreamRoutes } from './log-streams/log-stream-routes.js';
import { logRoutes } from './logs/log-routes.js';
import { marketplaceRoutes } from './marketplace/marketplace-routes.js';
import { createWeftMetrics, type WeftMetrics } from './monitoring/metrics.js';
import type { NotificationsPort } from './notifications/delivery-runner.js';
import type { Keyring } from './secrets/keyring.js';
import { userRoutes } from './users/user-routes.js';
import { weftVersion } from './version.js';

export interface HttpAppOptions {
  db: Kysely<Database>;
  log: Logger;
  roles: ServerRole[];
  bodyLimitBytes: number;
  version: string;
  waiter: ExecutionWaiter;
  keyring: Keyring;
  /** Where data sources of custom components and code-native integrations run; without it, one of its own. */
  sandboxes?: ComponentSandboxes;
  /**
   * Outbound HTTP on a user's behalf (preprocess flows, connection tests, token requests): the server's egress
   * policy. Without it, the guarded default of `@weft/egress`.
   */
  egress?: Egress;
  publicUrl: string | undefined;
  /**
   * The delivery runner of this process (worker role): test sends go out at once through it. Without it, they
   * are queued for the worker processes.
   */
  notifications?: NotificationsPort;
  /** Origins of the organization's app embedding Weft (WEFT_ALLOWED_ORIGINS); none without. */
  allowedOrigins?: string[];
  syncTimeoutMs: number;
  /** Preprocess flows run at once in this process (WEFT_PREPROCESS_CONCURRENCY). */
  preprocessConcurrency?: number;
  webhookBodyLimitBytes: number;
  /** Nesting and value-count limits of JSON and form bodies (API and webhooks); the defaults without it. */
  bodyShapeLimits?: BodyShapeLimits;
  /** Set when this process is also a worker: synchronous webhooks run their flow in-process. */
  inline?: InlineRunner;
  /** Users, sign-in and sessions: session lifetimes (WEFT_SESSION_*), and the clock a test moves; defaults without. */
  people?: Omit<PeopleOptions, 'keyring' | 'publicUrl'>;
  /** The server's metrics (`/metrics`, request and webhook figures); without it, a registry of the app's own. */
  metrics?: WeftMetrics;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * The HTTP surface of one Weft process. Health, readiness and metrics are always served (orchestrators probe
 * every process); the REST API only when the process has the `api` role.
 */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  // Typed as the default instance: our pino Logger satisfies it, and plugins expect the default type.
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.bodyLimitBytes,
    // Keep a caller's request id (so one id follows a request across services); make one otherwise.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    schemaController: requestValidation,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding) are answered in the same error shape as everything else.
    frameworkErrors: (error, _request, reply) => {
      (reply as unknown as { status(code: number): { send(body: unknown): void } })
        .status(400)
        .send(errorBody('API_VALIDATION_FAILED', `The request URL is not valid: ${error.message}.`));
    },
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
    // maxParamLength: long enough for a 200-character externalId after percent-encoding.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
  }) as unknown as FastifyInstance;

  installErrorHandling(app);
  const bodyShapeLimits = options.bodyShapeLimits ?? defaultBodyShapeLimits;
  // The API takes JSON only; Fastify's default text parser would let text bodies reach the validators as strings.
  app.removeContentTypeParser('text/plain');
  // JSON bodies are checked for shape before they are parsed (nesting, value count, prototype keys, text
  // PostgreSQL cannot store), so no route meets a body that overflows the stack or cannot be stored.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseApiJson(body as Buffer, bodyShapeLimits));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const metrics = options.metrics ?? createWeftMetrics({ db: options.db, processMetrics: true });
  installHttpMetrics(app, metrics);
  installHealthRoutes(app, options.db, options.roles, options.version);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.url === '/metrics' || request.url === '/healthz' || request.url === '/readyz') return;
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request answered',
    );
  });

  // Custom and code-native code (data sources, preprocess flows) runs in sandboxes; shared with the worker's.
  const egressOption = options.egress ? { egress: options.egress } : {};
  const sandboxes = options.sandboxes ?? new ComponentSandboxes(options.log, undefined, egressOption);
  if (options.roles.includes('ingress')) {
    await app.register(
      webhookIngress({
        db: options.db,
        waiter: options.waiter,
        syncTimeoutMs: options.syncTimeoutMs,
        preprocessConcurrency: options.preprocessConcurrency ?? 32,
        bodyLimitBytes: options.webhookBodyLimitBytes,
        bodyShapeLimits,
        keyring: options.keyring,
        sandboxes,
        ...egressOption,
        log: options.log,
        metrics,
        ...(options.inline ? { inline: options.inline } : {}),
      }),
    );
  }
  if (options.roles.includes('api')) await installApi(app, { ...options, sandboxes });
  return app;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** An API request body: UTF-8 (not replaced silently, as a name full of U+FFFD would be stored), then checked. */
function parseApiJson(body: Buffer, limits: BodyShapeLimits): unknown {
  if (body.length === 0) {
    throw new WeftError(
      'API_INVALID_JSON',
      'The request body is empty, but its Content-Type says application/json: send a JSON document, or no Content-Type.',
    );
  }
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new WeftError('API_BODY_INVALID_TEXT', 'The request body is not valid UTF-8.');
  }
  return parseJsonBody(text, limits, { what: 'request body', unstorableText: 'refuse' });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (request line and headers over its 16 KiB, slow or
 * malformed requests) are answered in the same error shape as everything else, then the connection is closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body = errorBody('API_VALIDATION_FAILED', 'The request is not valid HTTP.', {
    reason: error.code ?? null,
  });
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = errorBody('API_HEADERS_TOO_LARGE', 'The request line and headers are too large.', {
      limitBytes: maxHeaderSize,
    });
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = errorBody('API_REQUEST_TIMEOUT', 'The request was not received in time.');
  }
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

async function installApi(app: FastifyInstance, options: HttpAppOptions): Promise<void> {
  app.addSchema(ErrorResponse);
  // Before authentication: the scope check already looks path parameters up.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url?.startsWith('/api/')) refuseUnstorableParameters(request);
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Weft API',
        version: options.version,
        description:
          'Manage integrations and their versions, customers, instances, executions, logs, connections, people and keys. Every route needs credentials: `Authorization: Bearer <API token>` (scripts, the CLI), `Authorization: Bearer <embedded sign-in JWT>` (customer users of the marketplace), or the session cookie of a signed-in user (the console; changes also need the `X-CSRF-Token` header). Each operation says who may call it. Errors are `{"error": {"code", "message", "details"}}`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // Each operation says who may call it (from the route config the authentication hook enforces); public
    // operations (sign-in) need no credentials.
    transform: ({ schema, url, route }) => {
      const access = accessSentence(route.config);
      if (route.config?.public) return { schema: { ...schema, security: [] } as typeof schema, url };
      if (!access || !schema) return { schema, url };
      const description = schema.description ? `${schema.description}\n\n${access}` : access;
      return { schema: { ...schema, description } as typeof schema, url };
    },
  });
  // Make the docs viewer's own routes public; everything else under /api is behind a token.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  // Cookies carry the console's session; parsed once here for the authentication hook.
  await app.register(cookie);
  installAuthentication(app, options.db);
  installAuditLog(app, options.db);
  const egressOption = options.egress ? { egress: options.egress } : {};
  const sandboxes = options.sandboxes ?? new ComponentSandboxes(options.log, undefined, egressOption);
  await app.register(customerRoutes(options.db), { prefix: '/api' });
  await app.register(tokenRoutes(options.db), { prefix: '/api' });
  await app.register(integrationRoutes(options.db, { publicUrl: options.publicUrl }), { prefix: '/api' });
  await app.register(integrationVersionRoutes(options.db), { prefix: '/api' });
  await app.register(
    instanceRoutes(options.db, {
      waiter: options.waiter,
      keyring: options.keyring,
      sandboxes,
      ...egressOption,
      log: options.log,
      publicUrl: options.publicUrl,
      removeWaitMs: options.syncTimeoutMs,
    }),
    { prefix: '/api' },
  );
  await app.register(executionRoutes(options.db), { prefix: '/api' });
  await app.register(componentRoutes(options.db), { prefix: '/api' });
  const connectionOptions = {
    keyring: options.keyring,
    log: options.log,
    publicUrl: options.publicUrl,
    allowedOrigins: options.allowedOrigins ?? [],
    ...egressOption,
  };
  await app.register(connectionRoutes(options.db, connectionOptions), { prefix: '/api' });
  await app.register(oauthCallbackRoute(options.db, connectionOptions));
  await app.register(logRoutes(options.db), { prefix: '/api' });
  await app.register(logStreamRoutes(options.db, { keyring: options.keyring, ...egressOption }), {
    prefix: '/api',
  });
  // Icons and attachments take raw bodies; their parser stays inside this plugin.
  await app.register(integrationFileRoutes(options.db), { prefix: '/api' });
  await app.register(auditRoutes(options.db), { prefix: '/api' });
  await app.register(
    alertRoutes(options.db, {
      keyring: options.keyring,
      publicUrl: options.publicUrl,
      ...(options.notifications ? { notifications: options.notifications } : {}),
    }),
    { prefix: '/api' },
  );
  await app.register(signingKeyRoutes(options.db), { prefix: '/api' });
  await app.register(organizationRoutes(options.db), { prefix: '/api' });
  await app.register(embeddingRoutes(options.db, { allowedOrigins: options.allowedOrigins ?? [] }), {
    prefix: '/api',
  });
  await app.register(webPages(options.db, { allowedOrigins: options.allowedOrigins ?? [] }));
  await app.register(customerUserRoutes(options.db), { prefix: '/api' });
  await app.register(
    eventWebhookRoutes(options.db, { keyring: options.keyring, notifications: options.notifications }),
    { prefix: '/api' },
  );
  const people = {
    keyring: options.keyring,
    publicUrl: options.publicUrl,
    ...egressOption,
    ...options.people,
  };
  await app.register(userRoutes(options.db, people), { prefix: '/api' });
  await app.register(
    marketplaceRoutes(options.db, {
      keyring: options.keyring,
      log: options.log,
      sandboxes,
      publicUrl: options.publicUrl,
      allowedOrigins: options.allowedOrigins ?? [],
    }),
  );
}

/**
 * The OpenAPI document of the REST API, built without a database: the routes are registered (nothing they do runs)
 * and the document read off them. It is what `@weft/client` is generated from (`npm run generate -w @weft/client`).
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const log = pino({ level: 'silent' });
  // Never connected: registering routes runs no query.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const sandboxes = new ComponentSandboxes(log);
  const app = await buildHttpApp({
    db,
    log,
    roles: ['api'],
    bodyLimitBytes: 1024 * 1024,
    version: weftVersion,
    waiter: undefined as unknown as ExecutionWaiter,
    keyring: undefined as unknown as Keyring,
    sandboxes,
    publicUrl: undefined,
    syncTimeoutMs: 30_000,
    webhookBodyLimitBytes: 1024 * 1024,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await sandboxes.close();
    await db.destroy();
  }
}
