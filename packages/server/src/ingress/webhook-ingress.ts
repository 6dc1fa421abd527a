import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Flow, Input, Integration } from '@weft/definition';
import type { FlowResponse, TriggerRequest } from '@weft/engine';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { flowsOf, queueNameFor } from '../executions/execution-queue.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { errorBody } from '../http/error-handler.js';
import type { StoredOutcome } from '../worker/run-execution.js';
import { IngestBatcher } from './ingest-batcher.js';
import { triggerRequestOf, valueAtPath } from './webhook-request.js';

/**
 * Where a webhook enters: `/trigger/<token>[/<path>]`. A token names one instance flow (flow-specific endpoints)
 * or one instance (instance-specific endpoints, routed to a flow by the integration's flowNameField or by the
 * first path segment). The request is checked (deployed, unpaused, API key), stored as an execution with its
 * queue job in one statement, and only then answered: async flows at once with `{executionId}`, synchronous
 * flows with the flow's response once it has run (or 504 naming the execution after the sync time-out).
 */

export interface WebhookIngressOptions {
  db: Kysely<Database>;
  waiter: ExecutionWaiter;
  syncTimeoutMs: number;
  bodyLimitBytes: number;
  /**
   * Set when this process is also a worker: synchronous flows (without a FIFO or concurrency queue) then run
   * here, right after their execution is stored, instead of taking a trip through the queue to another worker —
   * the caller is waiting. Their job is parked one lease ahead, so if this process dies mid-run, a worker runs
   * the execution once the lease expires, as for any execution.
   */
  inline?: InlineRunner;
}

export interface InlineRunner {
  run(executionId: string): Promise<StoredOutcome | undefined>;
  leaseMs: number;
  /** At most this many run in-process at once; beyond it, synchronous flows go through the queue. */
  limit: number;
}

interface VersionRouting {
  endpointType: Integration['endpointType'];
  flowNameField: string | undefined;
  flowsByStableKey: Map<string, Flow>;
  flowsByName: Map<string, Flow>;
}

interface Endpoint {
  instanceId: string;
  flowStableKey: string | null;
  enabled: boolean;
  deployedVersionId: string | null;
  apiKeys: string[];
}

/** Versions are immutable, so what routing needs from one is kept for good (bounded). */
const versionCacheLimit = 500;

export function webhookIngress(options: WebhookIngressOptions) {
  const { db, waiter } = options;
  const versions = new Map<string, VersionRouting>();
  let inlineRuns = 0;
  const batcher = new IngestBatcher(db);

  const routingOf = async (versionId: string): Promise<VersionRouting> => {
    const cached = versions.get(versionId);
    if (cached) return cached;
    const row = await db
      .selectFrom('integration_versions')
      .select('definition')
      .where('id', '=', versionId)
      .executeTakeFirstOrThrow();
    const integration = row.definition as Integration;
    const flows = flowsOf(integration);
    const routing: VersionRouting = {
      endpointType: integration.endpointType ?? 'flow_specific',
      flowNameField: pathOfInput(integration.flowNameField),
      flowsByStableKey: new Map(flows.map((flow) => [flow.stableKey, flow])),
      flowsByName: new Map(flows.map((flow) => [flow.name, flow])),
    };
    if (versions.size >= versionCacheLimit) versions.delete(versions.keys().next().value as string);
    versions.set(versionId, routing);
    return routing;
  };

  const endpointOf = async (token: string): Promise<Endpoint | undefined> => {
    if (!/^[0-9a-f]{64}$/.test(token)) return undefined;
    const result = await sql<Endpoint>`
      select f.instance_id as "instanceId", f.flow_stable_key as "flowStableKey", n.enabled,
             n.deployed_version_id as "deployedVersionId", n.api_keys as "apiKeys"
        from instance_flows f join instances n on n.id = f.instance_id
       where f.webhook_token = ${token}
      union all
      select n.id, null, n.enabled, n.deployed_version_id, n.api_keys
        from instances n
       where n.webhook_token = ${token}
       limit 1`.execute(db);
    return result.rows[0];
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply, token: string, path: string) => {
    const endpoint = await endpointOf(token);
    if (!endpoint || endpoint.deployedVersionId === null) {
      throw new WeftError('WEBHOOK_NOT_FOUND', 'No deployed instance flow answers at this webhook URL.');
    }
    const routing = await routingOf(endpoint.deployedVersionId);
    const trigger = triggerRequestOf(request, path);
    let flow: Flow | undefined;
    if (endpoint.flowStableKey !== null) {
      flow = routing.flowsByStableKey.get(endpoint.flowStableKey);
      if (!flow) throw new WeftError('WEBHOOK_NOT_FOUND', 'This flow is not in the deployed version.');
    } else {
      flow = routeToFlow(routing, trigger);
      if (trigger.pathFragment && !routing.flowNameField) {
        // The first path segment named the flow; the flow sees the rest.
        const rest = trigger.pathFragment.split('/').slice(1).join('/');
        if (rest) trigger.pathFragment = rest;
        else delete trigger.pathFragment;
      }
    }
    checkApiKey(flow, endpoint, request.headers['api-key']);
    if (!endpoint.enabled) {
      throw new WeftError('INSTANCE_PAUSED', 'The instance is paused: it runs nothing.', {
        instanceId: endpoint.instanceId,
      });
    }

    const inline =
      flow.isSynchronous &&
      options.inline !== undefined &&
      inlineRuns < options.inline.limit &&
      queueNameFor(endpoint.instanceId, flow, '0') === null
        ? options.inline
        : undefined;
    const executionId = await storeExecution(batcher, endpoint, flow, trigger, inline?.leaseMs);
    reply.header('x-weft-execution-id', executionId);
    if (!flow.isSynchronous) return reply.status(200).send({ executionId });

    if (inline) {
      inlineRuns++;
      const running = inline.run(executionId).finally(() => {
        inlineRuns--;
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.syncTimeoutMs);
      });
      // The run goes on past the time-out; it stores its own outcome.
      const outcome = await Promise.race([running, timedOut]).finally(() => clearTimeout(timer));
      if (outcome === 'timeout') return sendTimeout(reply, executionId, options.syncTimeoutMs);
      if (outcome) return sendOutcome(reply, executionId, outcome);
      // Not run here after all (lost its lease midway, or this process is stopping): wait for whoever runs it.
    }
    const finished = await waiter.wait(executionId, options.syncTimeoutMs);
    if (!finished) return sendTimeout(reply, executionId, options.syncTimeoutMs);
    const outcome = await db
      .selectFrom('executions')
      .select(['status', 'response', 'error'])
      .where('id', '=', executionId)
      .executeTakeFirst();
    return sendOutcome(reply, executionId, outcome);
  };

  return async function webhookIngressPlugin(app: FastifyInstance): Promise<void> {
    // Any content type, kept as bytes: webhook bodies are the flow's business, not the API's.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
      (_r, body, done) => done(null, body),
    );
    app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, _request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.status(413).send(
          errorBody('WEBHOOK_PAYLOAD_TOO_LARGE', 'The webhook body is too large.', {
            limitBytes: options.bodyLimitBytes,
          }),
        );
      }
      throw error; // everything else is answered by the app's error handler
    });
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    const routeOptions = { config: { public: true }, bodyLimit: options.bodyLimitBytes };
    app.route<{ Params: { token: string } }>({
      method: methods,
      url: '/trigger/:token',
      ...routeOptions,
      handler: (request, reply) => handle(request, reply, request.params.token, ''),
    });
    app.route<{ Params: { token: string; '*': string } }>({
      method: methods,
      url: '/trigger/:token/*',
      ...routeOptions,
      handler: (request, reply) => handle(request, reply, request.params.token, request.params['*']),
    });
  };
}

function pathOfInput(input: Input | string | undefined): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return input || undefined;
  const value = (input as { value?: unknown }).value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Instance-level endpoints: the flow named where flowNameField points, else by the first path segment. */
function routeToFlow(routing: VersionRouting, trigger: TriggerRequest): Flow {
  const names = [...routing.flowsByName.keys()];
  let wanted: unknown;
  let where: string;
  if (routing.flowNameField) {
    wanted = valueAtPath(trigger, routing.flowNameField);
    where = routing.flowNameField;
  } else {
    wanted = trigger.pathFragment ? decodeURIComponent(trigger.pathFragment.split('/')[0] ?? '') : undefined;
    where = 'the first path segment after the token';
  }
  const flow =
    typeof wanted === 'string'
      ? (routing.flowsByName.get(wanted) ?? routing.flowsByStableKey.get(wanted))
      : undefined;
  if (!flow) {
    throw new WeftError(
      'WEBHOOK_FLOW_NOT_ROUTED',
      wanted === undefined || wanted === ''
        ? `The request does not name a flow (expected in ${where}).`
        : `'${String(wanted)}' (from ${where}) is not a flow of this instance.`,
      { flowNameField: routing.flowNameField ?? null, flows: names },
    );
  }
  return flow;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function checkApiKey(flow: Flow, endpoint: Endpoint, given: string | string[] | undefined): void {
  const security = flow.endpointSecurityType;
  if (security === 'unsecured') return;
  if (security === 'customer_optional' && endpoint.apiKeys.length === 0) return;
  const key = Array.isArray(given) ? given[0] : given;
  // Compare digests in constant time, so response timing says nothing about how much of a key matched.
  const ok =
    typeof key === 'string' &&
    endpoint.apiKeys.some((candidate) => timingSafeEqual(digest(candidate), digest(key)));
  if (!ok) {
    throw new WeftError(
      'WEBHOOK_API_KEY_INVALID',
      key === undefined
        ? 'This flow needs an API key in the Api-Key header.'
        : 'The Api-Key header matches none of the instance API keys.',
    );
  }
}

async function storeExecution(
  batcher: IngestBatcher,
  endpoint: Endpoint,
  flow: Flow,
  trigger: TriggerRequest,
  parkJobMs: number | undefined,
): Promise<string> {
  const executionId = await batcher.store({
    instanceId: endpoint.instanceId,
    versionId: endpoint.deployedVersionId ?? '',
    flowName: flow.name,
    flowStableKey: flow.stableKey,
    isSynchronous: flow.isSynchronous,
    trigger,
    queueName: queueNameFor(endpoint.instanceId, flow, randomUUID()),
    runAt: parkJobMs === undefined ? null : new Date(Date.now() + parkJobMs),
  });
  if (executionId === undefined) {
    // Paused or redeployed between the lookup and the insert: nothing was stored.
    throw new WeftError('INSTANCE_PAUSED', 'The instance was paused or redeployed just now; try again.', {
      instanceId: endpoint.instanceId,
    });
  }
  return executionId;
}

function sendTimeout(reply: FastifyReply, executionId: string, timeoutMs: number) {
  return reply
    .status(504)
    .send(
      errorBody(
        'SYNC_EXECUTION_TIMEOUT',
        `Execution ${executionId} did not finish within ${timeoutMs} ms; it goes on.`,
        { executionId },
      ),
    );
}

/** Hop-by-hop and framing headers are the server's business, not the flow's. */
const unsendableHeaders = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive']);

function sendOutcome(
  reply: FastifyReply,
  executionId: string,
  outcome: { status: string; response?: unknown; error?: unknown } | undefined,
) {
  if (outcome?.status !== 'succeeded') {
    const error = (outcome?.error ?? {}) as { message?: string; code?: string };
    const status = outcome?.status ?? 'deleted';
    return reply
      .status(500)
      .send(
        errorBody(
          'EXECUTION_FAILED',
          `Execution ${executionId} ${status === 'cancelled' ? 'was cancelled' : status === 'deleted' ? 'was deleted' : `failed: ${error.message ?? 'no message'}`}.`,
          { executionId, status, ...(outcome?.error ? { error: outcome.error } : {}) },
        ),
      );
  }
  const response = (outcome.response ?? null) as FlowResponse | null;
  if (!response) return reply.status(200).send({ executionId });
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (!unsendableHeaders.has(name.toLowerCase())) reply.header(name, value);
  }
  const body = response.body;
  const statusCode =
    Number.isInteger(response.statusCode) && response.statusCode >= 100 && response.statusCode <= 599
      ? response.statusCode
      : 200;
  reply.status(statusCode);
  if (typeof body === 'string') {
    reply.type(response.contentType ?? 'text/plain; charset=utf-8');
    return reply.send(body);
  }
  reply.type(response.contentType ?? 'application/json; charset=utf-8');
  return reply.send(body === undefined ? '' : JSON.stringify(body));
}
