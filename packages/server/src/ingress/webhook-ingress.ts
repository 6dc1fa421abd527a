import { createHash, randomUUID } from 'node:crypto';
import type { Integration } from '@weft/definition';
import type { Egress } from '@weft/egress';
import { bytesOf, type ErrorRecord, type FlowResponse, fileOf, type TriggerRequest } from '@weft/engine';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import type { BodyShapeLimits } from '../config.js';
import type { Database } from '../database/schema.js';
import { isWeftError, WeftError } from '../errors.js';
import { withStoredFiles } from '../executions/execution-files.js';
import { queueNameFor } from '../executions/execution-queue.js';
import { type ExecutionWaiter, finishedStatuses } from '../executions/execution-waiter.js';
import { errorBody } from '../http/error-handler.js';
import { IntegrationVersions } from '../integrations/integration-versions.js';
import { createWeftMetrics, type WebhookOutcome, type WeftMetrics } from '../monitoring/metrics.js';
import type { Keyring } from '../secrets/keyring.js';
import type { StoredOutcome } from '../worker/run-execution.js';
import { IngestBatcher, type Stored } from './ingest-batcher.js';
import { parseMultipartBody } from './multipart-body.js';
import {
  type PreprocessDeps,
  type PreprocessRun,
  preprocessRecord,
  runPreprocessFlow,
  storeFailedPreprocess,
} from './preprocess-flow.js';
import { shown, textAt, triggerRequestOf, valueAtPath, valueInResult } from './webhook-request.js';
import {
  checkApiKey,
  type FlowRouting,
  pickFlow,
  type VersionRouting,
  versionRouting,
} from './webhook-routing.js';

/**
 * Where a webhook enters: `/trigger/<token>[/<path>]`. A token names one instance flow (flow-specific endpoints),
 * one instance (instance-specific endpoints: routed to a flow by the integration's flowNameField, its preprocess
 * flow, the first path segment, or to its only flow), or one integration (shared endpoints: routed to a customer's
 * instance by externalCustomerIdField and to a flow by flowNameField, read from the request or from what the
 * preprocess flow answered). The request is checked (deployed, unpaused, API key), stored as an execution with its
 * queue job in one statement (deduplicated, cancelling obsolete retries), and only then answered: async flows at
 * once with `{executionId}` (or with their trigger's response once the trigger ran, when the trigger may set
 * one), synchronous flows with the flow's response once it has run (or 504 naming the execution after the sync
 * time-out).
 */

export interface WebhookIngressOptions {
  db: Kysely<Database>;
  waiter: ExecutionWaiter;
  syncTimeoutMs: number;
  /** Preprocess flows run at once; beyond it a request gets 503 WEBHOOK_BUSY. */
  preprocessConcurrency: number;
  bodyLimitBytes: number;
  /** Nesting and value-count limits of JSON and form bodies (the API's too). */
  bodyShapeLimits?: BodyShapeLimits;
  /** Preprocess flows run here: they open instance connections and run custom code in sandboxes. */
  keyring: Keyring;
  sandboxes: ComponentSandboxes;
  /** Outbound HTTP of preprocess flows (the server's egress policy). */
  egress?: Egress;
  log: Logger;
  /** Counts each request by outcome (`weft_webhook_requests_total`); without it, a registry of its own. */
  metrics?: WeftMetrics;
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

/** A token's endpoint: an instance flow's, an instance's, or an integration's shared one. */
interface Endpoint {
  kind: 'flow' | 'instance' | 'shared';
  orgId: string;
  instanceId: string | null;
  flowStableKey: string | null;
  enabled: boolean;
  /** The instance's deployed version; for a shared endpoint, the newest version deployed to any customer. */
  deployedVersionId: string | null;
  apiKeys: string[];
  integrationId: string | null;
}

/** Where a request goes: an instance flow (of the instance's deployed version). */
interface Routed {
  instanceId: string;
  versionId: string;
  flow: FlowRouting;
  /** The preprocess flow run that routed it, as kept on the execution. */
  preprocess?: Record<string, unknown>;
}

/** Versions are immutable, so what routing needs from one is kept for good (bounded). */
const versionCacheLimit = 500;
/** Longer deduplication and unique request ids are keyed by their digest. */
const maxIdLength = 200;

export function webhookIngress(options: WebhookIngressOptions) {
  const { db, waiter } = options;
  const routings = new Map<string, VersionRouting>();
  const versions = new IntegrationVersions(db);
  const preprocessDeps: PreprocessDeps = {
    db,
    keyring: options.keyring,
    log: options.log,
    sandboxes: options.sandboxes,
    versions,
    ...(options.egress ? { egress: options.egress } : {}),
  };
  let inlineRuns = 0;
  let preprocessRuns = 0;
  const batcher = new IngestBatcher(db);
  const metrics = options.metrics ?? createWeftMetrics();
  /** What became of each request, for the metrics: set once it is stored, or by the error it was refused with. */
  const outcomes = new WeakMap<FastifyRequest, WebhookOutcome>();
  const refusals = new WeakMap<FastifyRequest, string>();

  const routingOf = async (versionId: string): Promise<VersionRouting> => {
    const cached = routings.get(versionId);
    if (cached) return cached;
    const row = await db
      .selectFrom('integration_versions')
      .select('definition')
      .where('id', '=', versionId)
      .executeTakeFirstOrThrow();
    const routing = versionRouting(versionId, row.definition as Integration);
    if (routings.size >= versionCacheLimit) routings.delete(routings.keys().next().value as string);
    routings.set(versionId, routing);
    return routing;
  };

  const endpointOf = async (token: string): Promise<Endpoint | undefined> => {
    if (!/^[0-9a-f]{64}$/.test(token)) return undefined;
    // One round trip; the branches after the one that matches are never run (limit 1).
    const result = await sql<Endpoint>`
      select 'flow' as kind, n.org_id as "orgId", f.instance_id as "instanceId",
             f.flow_stable_key as "flowStableKey", n.enabled, n.deployed_version_id as "deployedVersionId",
             n.api_keys as "apiKeys", null::uuid as "integrationId"
        from instance_flows f join instances n on n.id = f.instance_id
       where f.webhook_token = ${token}
      union all
      select 'instance', n.org_id, n.id, null, n.enabled, n.deployed_version_id, n.api_keys, n.integration_id
        from instances n
       where n.webhook_token = ${token}
      union all
      select 'shared', i.org_id, null, null, true,
             (select n.deployed_version_id
                from instances n join integration_versions v on v.id = n.deployed_version_id
               where n.integration_id = i.id
               order by v.version_number desc
               limit 1),
             '{}'::text[], i.id
        from integrations i
       where i.shared_webhook_token = ${token}
       limit 1`.execute(db);
    return result.rows[0];
  };

  const preprocess = async (
    log: FastifyBaseLogger,
    routing: VersionRouting,
    orgId: string,
    trigger: TriggerRequest,
    instanceId?: string,
  ): Promise<PreprocessRun> => {
    const flow = routing.preprocessFlow?.flow;
    if (!flow) throw new Error('no preprocess flow');
    // A shared URL is open to anyone: bound the flows it makes this process run, rather than queue without end.
    if (preprocessRuns >= options.preprocessConcurrency) {
      throw new WeftError(
        'WEBHOOK_BUSY',
        `This server is already running ${options.preprocessConcurrency} preprocess flows; nothing was stored.`,
        { retryAfterSeconds: 1 },
      );
    }
    preprocessRuns++;
    let run: PreprocessRun;
    try {
      run = await runPreprocessFlow(preprocessDeps, {
        orgId,
        versionId: routing.versionId,
        flow,
        trigger,
        timeoutMs: options.syncTimeoutMs,
        ...(instanceId ? { instanceId } : {}),
      });
    } finally {
      preprocessRuns--;
    }
    const entry = {
      preprocessFlow: flow.name,
      integration: routing.integrationName,
      endpoint: instanceId ? 'instance_specific' : 'shared_instance',
      ...(instanceId ? { instanceId } : {}),
      status: run.status,
      durationMs: run.durationMs,
      steps: run.stepRecords.map((record) => ({ key: record.key, status: record.status })),
      // What the flow logged can quote the request; it is written to the server log only when the run failed.
      ...(run.status === 'succeeded'
        ? {}
        : { logs: run.logs.map((line) => `[${line.level}] ${line.message}`) }),
      ...(run.error ? { error: run.error } : {}),
    };
    if (run.status === 'succeeded') log.info(entry, 'preprocess flow ran');
    else log.warn(entry, 'preprocess flow failed');
    return run;
  };

  /** Flow-specific and instance-specific endpoints. */
  const routeInstance = async (
    request: FastifyRequest,
    endpoint: Endpoint,
    trigger: TriggerRequest,
  ): Promise<Routed> => {
    const instanceId = endpoint.instanceId;
    if (endpoint.deployedVersionId === null || instanceId === null) throw notFound();
    const routing = await routingOf(endpoint.deployedVersionId);
    const apiKey = request.headers['api-key'];
    const base = { instanceId, versionId: routing.versionId };
    if (endpoint.kind === 'flow') {
      const flow = routing.flowsByStableKey.get(endpoint.flowStableKey ?? '');
      if (!flow) throw new WeftError('WEBHOOK_NOT_FOUND', 'This flow is not in the deployed version.');
      checkApiKey(flow, endpoint.apiKeys, apiKey);
      checkEnabled(endpoint.enabled, instanceId);
      return { ...base, flow };
    }

    const preprocessFlow = routing.preprocessFlow;
    if (preprocessFlow) {
      checkApiKey(preprocessFlow, endpoint.apiKeys, apiKey);
      checkEnabled(endpoint.enabled, instanceId);
      const run = await preprocess(request.log, routing, endpoint.orgId, trigger, instanceId);
      // A run that routes nothing is kept as a failed execution of the preprocess flow, with its steps and logs.
      const keepFailure = async (error: ErrorRecord): Promise<string | undefined> =>
        storeFailedPreprocess(db, {
          instanceId,
          versionId: routing.versionId,
          flow: preprocessFlow.flow,
          trigger,
          run,
          error,
        }).catch((failure: Error) => {
          request.log.error({ error: failure.message }, 'could not store the failed preprocess run');
          return undefined;
        });
      if (run.status !== 'succeeded') {
        const error = run.error ?? { code: 'STEP_FAILED', message: 'it failed without a message' };
        throw preprocessFailed(run, error, await keepFailure(error));
      }
      const where = routing.flowNameField
        ? `the preprocess flow's result at ${routing.flowNameField}`
        : "the preprocess flow's result (its flowName field)";
      const wanted = textAt(
        routing.flowNameField
          ? valueInResult(run.result, routing.flowNameField)
          : defaultFlowName(run.result),
      );
      let flow: FlowRouting;
      try {
        flow = pickFlow(routing, wanted, where);
      } catch (error) {
        if (!isWeftError(error)) throw error;
        const executionId = await keepFailure({ code: error.code, message: error.message });
        throw new WeftError(error.code, error.message, {
          ...error.details,
          ...(executionId ? { executionId } : {}),
        });
      }
      checkApiKey(flow, endpoint.apiKeys, apiKey);
      return { ...base, flow, preprocess: preprocessRecord(run) };
    }

    let flow: FlowRouting;
    if (routing.flowNameField) {
      flow = pickFlow(routing, textAt(valueAtPath(trigger, routing.flowNameField)), routing.flowNameField);
    } else {
      // The first path segment names the flow; the flow sees the rest. An integration with one flow needs none.
      const segments = (trigger.pathFragment ?? '').split('/');
      const first = decoded(segments[0] ?? '');
      const named = first !== '' && (routing.flowsByName.has(first) || routing.flowsByStableKey.has(first));
      if (!named && routing.defaultable.length === 1) {
        flow = routing.defaultable[0] as FlowRouting;
      } else {
        flow = pickFlow(routing, first || undefined, 'the first path segment after the token');
        const rest = segments.slice(1).join('/');
        if (rest) trigger.pathFragment = rest;
        else delete trigger.pathFragment;
      }
    }
    checkApiKey(flow, endpoint.apiKeys, apiKey);
    checkEnabled(endpoint.enabled, instanceId);
    return { ...base, flow };
  };

  /** Shared endpoints: the customer's instance by externalCustomerIdField, the flow by flowNameField. */
  const routeShared = async (
    request: FastifyRequest,
    endpoint: Endpoint,
    trigger: TriggerRequest,
  ): Promise<Routed> => {
    const integrationId = endpoint.integrationId ?? '';
    if (endpoint.deployedVersionId === null) {
      throw new WeftError(
        'WEBHOOK_NOT_FOUND',
        'No instance of this integration is deployed, so its shared endpoint has nowhere to send requests.',
        { integrationId },
      );
    }
    // The endpoint configuration of the newest version deployed to any customer routes every request.
    const routing = await routingOf(endpoint.deployedVersionId);
    if (routing.endpointType !== 'shared_instance') {
      throw new WeftError(
        'WEBHOOK_NOT_FOUND',
        `The newest version of '${routing.integrationName}' deployed to a customer does not use a shared endpoint (its endpointType is ${routing.endpointType}); send requests to the instances' own webhook URLs.`,
        { integrationId, endpointType: routing.endpointType },
      );
    }
    const apiKey = request.headers['api-key'];
    let read = (path: string) => valueAtPath(trigger, path);
    let source = (path: string) => path;
    let run: PreprocessRun | undefined;
    if (routing.preprocessFlow) {
      // Before routing there is no instance, so only organization keys can be checked; the routed flow's are after.
      if (routing.preprocessFlow.flow.endpointSecurityType === 'organization') {
        checkApiKey(routing.preprocessFlow, [], apiKey);
      }
      const ran = await preprocess(request.log, routing, endpoint.orgId, trigger);
      if (ran.status !== 'succeeded') {
        throw preprocessFailed(
          ran,
          ran.error ?? { code: 'STEP_FAILED', message: 'it failed without a message' },
        );
      }
      run = ran;
      read = (path) => valueInResult(ran.result, path);
      source = (path) => `the preprocess flow's result at ${path}`;
    }
    const customerField = routing.externalCustomerIdField;
    if (!customerField) {
      throw new WeftError(
        'WEBHOOK_CUSTOMER_NOT_ROUTED',
        `The endpoint configuration of '${routing.integrationName}' has no externalCustomerIdField, so its shared endpoint cannot tell which customer a request is for.`,
        { externalCustomerIdField: null },
      );
    }
    const externalId = textAt(read(customerField));
    if (externalId === undefined) {
      throw new WeftError(
        'WEBHOOK_CUSTOMER_NOT_ROUTED',
        `The request does not name a customer: no external customer id in ${source(customerField)}.`,
        { externalCustomerIdField: customerField },
      );
    }
    const { rows } = await sql<{
      customerId: string;
      instanceId: string | null;
      enabled: boolean | null;
      deployedVersionId: string | null;
      apiKeys: string[] | null;
    }>`
      select c.id as "customerId", n.id as "instanceId", n.enabled, n.deployed_version_id as "deployedVersionId", n.api_keys as "apiKeys"
        from customers c
        left join instances n on n.customer_id = c.id and n.integration_id = ${integrationId}::uuid
                              and n.deployed_version_id is not null
       where c.org_id = ${endpoint.orgId}::uuid and c.external_id = ${externalId}
       order by n.created_at, n.id`.execute(db);
    // Anyone may call a shared URL with any external id, so the answer never says which customers exist or what
    // instances they have: one 404 for every reason, the reason itself in the server log (by request id).
    const notRouted = (reason: string, detail: Record<string, unknown> = {}): WeftError => {
      request.log.warn(
        { externalId, integrationId, reason, ...detail },
        'shared webhook request matched no running instance',
      );
      return new WeftError(
        'WEBHOOK_INSTANCE_NOT_FOUND',
        `No running instance of '${routing.integrationName}' answers for the external customer id '${shown(externalId)}' (from ${source(customerField)}).`,
        { externalId: shown(externalId), externalCustomerIdField: customerField },
      );
    };
    const customer = rows[0];
    if (!customer) throw notRouted('no customer has this external id');
    const deployed = rows.filter((row) => row.instanceId !== null);
    const context = { externalId: shown(externalId) };
    if (deployed.length === 0) {
      throw notRouted('the customer has no deployed instance of the integration', {
        customerId: customer.customerId,
      });
    }
    const running = deployed.filter((row) => row.enabled);
    if (running.length === 0) {
      throw notRouted("the customer's instances of the integration are paused", {
        customerId: customer.customerId,
        instanceIds: deployed.map((row) => row.instanceId),
      });
    }
    if (running.length > 1) {
      throw notRouted(
        'the customer has several deployed, unpaused instances of the integration: pause or delete all but one',
        { customerId: customer.customerId, instanceIds: running.map((row) => row.instanceId) },
      );
    }
    const instance = running[0] as (typeof running)[number] & {
      instanceId: string;
      deployedVersionId: string;
    };
    const instanceRouting = await routingOf(instance.deployedVersionId);
    const wanted = textAt(
      routing.flowNameField ? read(routing.flowNameField) : run ? defaultFlowName(run.result) : undefined,
    );
    const flow = pickFlow(
      instanceRouting,
      wanted,
      routing.flowNameField
        ? source(routing.flowNameField)
        : run
          ? "the preprocess flow's result (its flowName field)"
          : 'the request (the integration has no flowNameField)',
      // The endpoint configuration that routed it is the newest deployed version's, not the instance's own.
      { ...context, flowNameField: routing.flowNameField ?? null },
    );
    checkApiKey(flow, instance.apiKeys ?? [], apiKey);
    return {
      instanceId: instance.instanceId,
      versionId: instance.deployedVersionId,
      flow,
      ...(run ? { preprocess: preprocessRecord(run) } : {}),
    };
  };

  /** Stores the routed request as an execution, then answers. */
  const accept = async (reply: FastifyReply, routed: Routed, trigger: TriggerRequest) => {
    const { flow } = routed.flow;
    const dedupeId = routed.flow.dedupePath
      ? boundedId(textAt(valueAtPath(trigger, routed.flow.dedupePath)))
      : undefined;
    const uniqueRequestId = routed.flow.uniqueRequestPath
      ? boundedId(textAt(valueAtPath(trigger, routed.flow.uniqueRequestPath)))
      : undefined;
    const synchronous = requestedSynchronous(trigger) ?? flow.isSynchronous;
    const awaitsTrigger = !synchronous && routed.flow.triggerMayAnswer;
    const inline =
      synchronous &&
      options.inline !== undefined &&
      inlineRuns < options.inline.limit &&
      queueNameFor(routed.instanceId, flow, '0') === null
        ? options.inline
        : undefined;
    // The in-process slot is taken now, before the store's await, so a burst cannot overshoot the limit.
    let holdsSlot = inline !== undefined;
    if (holdsSlot) inlineRuns++;
    const releaseSlot = () => {
      if (holdsSlot) inlineRuns--;
      holdsSlot = false;
    };
    let stored: Stored | undefined;
    try {
      stored = await batcher.store({
        instanceId: routed.instanceId,
        versionId: routed.versionId,
        flowName: flow.name,
        flowStableKey: flow.stableKey,
        isSynchronous: synchronous,
        trigger,
        queueName: queueNameFor(routed.instanceId, flow, randomUUID()),
        runAt: inline === undefined ? null : new Date(Date.now() + inline.leaseMs),
        ...(dedupeId !== undefined ? { dedupeId } : {}),
        ...(uniqueRequestId !== undefined ? { uniqueRequestId } : {}),
        ...(awaitsTrigger ? { awaitsTriggerResponse: true } : {}),
        ...(routed.preprocess ? { preprocess: routed.preprocess } : {}),
      });
    } finally {
      // Released at once unless the execution is run here below (then when that run ends).
      if (stored === undefined || stored.duplicate) releaseSlot();
    }
    if (stored === undefined) {
      // Paused or redeployed between the lookup and the insert: nothing was stored.
      throw new WeftError('INSTANCE_PAUSED', 'The instance was paused or redeployed just now; try again.', {
        instanceId: routed.instanceId,
      });
    }
    const { executionId } = stored;
    outcomes.set(reply.request, stored.duplicate ? 'duplicate' : 'accepted');
    reply.header('x-weft-execution-id', executionId);
    if (stored.duplicate) {
      // Within the deduplication window: nothing new runs. A synchronous caller gets the first request's outcome.
      reply.header('x-weft-duplicate', 'true');
      if (!synchronous) return reply.status(200).send({ executionId, duplicate: true });
      return answerDuplicate(reply, executionId);
    }
    if (awaitsTrigger) return answerFromTrigger(reply, executionId);
    if (!synchronous) return reply.status(200).send({ executionId });

    if (inline) {
      const running = inline.run(executionId).finally(releaseSlot);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.syncTimeoutMs);
      });
      // The run goes on past the time-out; it stores its own outcome.
      const outcome = await Promise.race([running, timedOut]).finally(() => clearTimeout(timer));
      if (outcome === 'timeout') return sendTimeout(reply, executionId, options.syncTimeoutMs);
      if (outcome) return sendOutcome(db, reply, executionId, outcome);
      // Not run here after all (lost its lease midway, or this process is stopping): wait for whoever runs it.
    }
    return answerWhenFinished(reply, executionId);
  };

  /**
   * A synchronous caller's duplicate: the first request's outcome when it has one or will announce one (it ran
   * synchronously); an asynchronous first request announces nothing, so it is named, not waited for.
   */
  const answerDuplicate = async (reply: FastifyReply, executionId: string) => {
    const original = await db
      .selectFrom('executions')
      .select(['status', 'response', 'error', 'is_synchronous'])
      .where('id', '=', executionId)
      .executeTakeFirst();
    if (original && (finishedStatuses as readonly string[]).includes(original.status))
      return sendOutcome(db, reply, executionId, original);
    if (original?.is_synchronous) return answerWhenFinished(reply, executionId);
    return reply.status(200).send({ executionId, duplicate: true });
  };

  const answerWhenFinished = async (reply: FastifyReply, executionId: string) => {
    const finished = await waiter.wait(executionId, options.syncTimeoutMs);
    if (!finished) return sendTimeout(reply, executionId, options.syncTimeoutMs);
    const outcome = await db
      .selectFrom('executions')
      .select(['status', 'response', 'error'])
      .where('id', '=', executionId)
      .executeTakeFirst();
    return sendOutcome(db, reply, executionId, outcome);
  };

  /** An asynchronous flow whose trigger may answer: its trigger's response once the trigger ran. */
  const answerFromTrigger = async (reply: FastifyReply, executionId: string) => {
    const ready = await waiter.waitForTrigger(executionId, options.syncTimeoutMs);
    const row = await db
      .selectFrom('executions')
      .select(['status', 'error', 'trigger_response', 'triggered_at'])
      .where('id', '=', executionId)
      .executeTakeFirst();
    if (row?.triggered_at) {
      const response = row.trigger_response as FlowResponse | null;
      return response ? sendResponse(db, reply, response) : reply.status(200).send({ executionId });
    }
    if (!ready && (row?.status === 'queued' || row?.status === 'running')) {
      return reply
        .status(504)
        .send(
          errorBody(
            'SYNC_EXECUTION_TIMEOUT',
            `The trigger of execution ${executionId} did not run within ${options.syncTimeoutMs} ms; the execution goes on.`,
            { executionId },
          ),
        );
    }
    if (row?.status === 'succeeded') return reply.status(200).send({ executionId });
    return sendOutcome(db, reply, executionId, row ?? undefined);
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply, token: string, path: string) => {
    const endpoint = await endpointOf(token);
    if (!endpoint) throw notFound();
    const trigger = triggerRequestOf(request, path, options.bodyShapeLimits);
    const body = trigger.body as { data?: unknown; contentType?: string } | undefined;
    if (
      body?.contentType &&
      /^multipart\/form-data\s*;/i.test(body.contentType) &&
      Buffer.isBuffer(body.data)
    ) {
      body.data = await parseMultipartBody(body.data, body.contentType, options.bodyShapeLimits);
    }
    const routed =
      endpoint.kind === 'shared'
        ? await routeShared(request, endpoint, trigger)
        : await routeInstance(request, endpoint, trigger);
    return accept(reply, routed, trigger);
  };

  return async function webhookIngressPlugin(app: FastifyInstance): Promise<void> {
    // Any content type, kept as bytes: webhook bodies are the flow's business, not the API's.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
      (_r, body, done) => done(null, body),
    );
    app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
      if (isWeftError(error)) refusals.set(request, error.code);
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        refusals.set(request, 'WEBHOOK_PAYLOAD_TOO_LARGE');
        return reply.status(413).send(
          errorBody('WEBHOOK_PAYLOAD_TOO_LARGE', 'The webhook body is too large.', {
            limitBytes: options.bodyLimitBytes,
          }),
        );
      }
      throw error; // everything else is answered by the app's error handler
    });
    // Once answered: a request that stored nothing was refused, with the code it was answered with (an error
    // that is not Weft's own, such as the database being down, by its status).
    app.addHook('onResponse', async (request, reply) => {
      const outcome = outcomes.get(request);
      if (outcome) metrics.webhookRequest(outcome);
      else metrics.webhookRequest('refused', refusals.get(request) ?? `HTTP_${reply.statusCode}`);
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

function notFound(): WeftError {
  return new WeftError('WEBHOOK_NOT_FOUND', 'No deployed instance flow answers at this webhook URL.');
}

function checkEnabled(enabled: boolean, instanceId: string): void {
  if (!enabled) {
    throw new WeftError('INSTANCE_PAUSED', 'The instance is paused: it runs nothing.', { instanceId });
  }
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not percent-encoding after all: taken as written
  }
}

/** Without flowNameField, a preprocess flow names the flow with its result itself (text) or its `flowName`. */
function defaultFlowName(result: unknown): unknown {
  if (typeof result === 'string') return result;
  return result !== null && typeof result === 'object'
    ? (result as { flowName?: unknown }).flowName
    : undefined;
}

/** Ids are kept as given up to `maxIdLength` characters; longer ones by their SHA-256. */
function boundedId(id: string | undefined): string | undefined {
  if (id === undefined || id.length <= maxIdLength) return id;
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

function preprocessFailed(run: PreprocessRun, error: ErrorRecord, executionId?: string): WeftError {
  const step = run.stepRecords.find((record) => record.key === error.stepKey);
  const stepName = step?.name ?? error.stepKey;
  const where = stepName ? ` at step '${stepName}'` : '';
  // The engine's message may name the step already: once is enough.
  const reason = stepName ? error.message.replace(`step '${stepName}' failed: `, '') : error.message;
  return new WeftError(
    'WEBHOOK_PREPROCESS_FAILED',
    `The preprocess flow '${run.flow}' failed${where}: ${reason}. The request was not routed.`,
    {
      flow: run.flow,
      stepKey: error.stepKey ?? null,
      stepName: step?.name ?? null,
      error,
      ...(executionId ? { executionId } : {}),
    },
  );
}

/**
 * The caller's choice of how to run the flow, Prismatic's `prismatic-synchronous: true|false` header (seed:
 * "pass in a header, prismatic-synchronous ... to instruct your instance to run synchronously or asynchronously");
 * undefined when absent or neither word, so the flow's own `isSynchronous` decides.
 */
function requestedSynchronous(trigger: TriggerRequest): boolean | undefined {
  const value = trigger.headers?.['prismatic-synchronous']?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
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

async function sendOutcome(
  db: Kysely<Database>,
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
  return sendResponse(db, reply, response);
}

/**
 * A flow's (or its trigger's) response: status, headers, content type and body. A body that is binary data (a
 * Buffer, or a file `{data, contentType}`) is answered as its bytes, with the file's content type unless the
 * response sets one; it is stored by digest, so its bytes are read back first.
 */
async function sendResponse(db: Kysely<Database>, reply: FastifyReply, stored: FlowResponse) {
  const response = (await withStoredFiles(db, stored)) as FlowResponse;
  // Flow code sets these: what HTTP cannot carry (a name that is no token, a value with a line break) is left out
  // rather than failing the answer.
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    const text = String(value);
    if (unsendableHeaders.has(name.toLowerCase()) || !headerName.test(name) || !headerValue.test(text))
      continue;
    reply.header(name, text);
  }
  const body = response.body;
  const statusCode =
    Number.isInteger(response.statusCode) && response.statusCode >= 100 && response.statusCode <= 599
      ? response.statusCode
      : 200;
  reply.status(statusCode);
  const contentType =
    typeof response.contentType === 'string' &&
    headerValue.test(response.contentType) &&
    response.contentType !== ''
      ? response.contentType
      : undefined;
  if (typeof body === 'string') {
    reply.type(contentType ?? 'text/plain; charset=utf-8');
    return reply.send(body);
  }
  const bytes = bytesOf(body);
  const file = bytes ? undefined : fileOf(body);
  if (bytes || file) {
    // A file's own type is flow output too: one HTTP cannot carry (a line break, non-Latin-1) is left out.
    const fileType = file && headerValue.test(file.contentType) ? file.contentType : undefined;
    reply.type(contentType ?? fileType ?? 'application/octet-stream');
    return reply.send(bytes ?? file?.data);
  }
  reply.type(contentType ?? 'application/json; charset=utf-8');
  return reply.send(body === undefined ? '' : JSON.stringify(body));
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;
