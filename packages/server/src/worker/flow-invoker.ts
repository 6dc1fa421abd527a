import { setTimeout as delay } from 'node:timers/promises';
import type { Integration } from '@weft/definition';
import { defaultLimits, type FlowInvokerPort, type TriggerRequest } from '@weft/engine';
import type { Kysely } from 'kysely';
import type { Database, ExecutionStatus } from '../database/schema.js';
import { withStoredFiles } from '../executions/execution-files.js';
import { queueExecution, queueNameFor } from '../executions/execution-queue.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';

/**
 * Cross-flow invocations (`context.invokeFlow`, the `cross-flow` component): the invoked flow runs as an execution
 * of its own (kind `crossFlow`, `invoked_by_id` the caller, same instance and integration version), queued through
 * `queueExecution` like every other, so it is durable and shows in the executions list.
 *
 * Deadlocks: a caller holds its worker slot while it waits, so if the invoked execution had to wait for a free slot,
 * callers filling every slot would wait on executions queued behind them. So the invoked flow runs inline, in the
 * caller's slot, as soon as it is queued (its queue job is set to run one lease later: if this worker dies, the job
 * or the lease reaper hands it to another). Only flows with a `queueConfig` (FIFO, concurrency limit) go through
 * their queue, since running them inline would break their ordering or limit; the caller waits for those, bounded
 * by its own execution time limit and cancellation, and fails with a clear error when the wait runs out.
 */
export interface FlowInvokerContext {
  db: Kysely<Database>;
  integration: Integration;
  execution: {
    org_id: string;
    instance_id: string;
    integration_version_id: string;
  };
  leaseMs: number;
  waiter: ExecutionWaiter | undefined;
  /** Runs a just-queued execution in this slot; undefined when it could not be claimed here. */
  runInline(executionId: string, crossFlowDepth: number): Promise<InvokedOutcome | undefined>;
}

export interface InvokedOutcome {
  status: ExecutionStatus;
  error?: unknown;
  response?: unknown;
}

/** How long a caller waits at most for a queued invoked flow (its own execution time limit bounds it too). */
export const crossFlowWaitMs = defaultLimits.executionTimeMs;

export function flowInvoker(context: FlowInvokerContext): FlowInvokerPort {
  return {
    async invoke(flowName, data, { depth, headers, invokedByExecutionId, signal }) {
      const flow = context.integration.flows.find((candidate) => candidate.name === flowName);
      const inline = flow !== undefined && queueNameFor(context.execution.instance_id, flow, '0') === null;
      const trigger: TriggerRequest = {
        headers: { 'content-type': 'application/json', ...headers },
        queryParameters: {},
        body: { data: data ?? {}, contentType: 'application/json' },
      };
      // FLOW_NOT_FOUND, INSTANCE_PAUSED... are WeftErrors with a message that says what to do: the step fails with it.
      const queued = await queueExecution(context.db, {
        orgId: context.execution.org_id,
        instanceId: context.execution.instance_id,
        flowName,
        trigger,
        kind: 'crossFlow',
        invokedById: invokedByExecutionId,
        integrationVersionId: context.execution.integration_version_id,
        ...(inline ? { runAt: new Date(Date.now() + context.leaseMs) } : {}),
      });
      if (inline) {
        const outcome = await context.runInline(queued.executionId, depth);
        if (outcome) return answer(context.db, flowName, queued.executionId, outcome);
      }
      const finished = await waitFor(context, queued.executionId, signal);
      if (!finished) {
        throw new Error(
          `flow '${flowName}' (execution ${queued.executionId}) did not finish within ${Math.round(crossFlowWaitMs / 1000)} s; it goes on running, look at it in the executions list`,
        );
      }
      const row = await context.db
        .selectFrom('executions')
        .select(['status', 'error', 'response'])
        .where('id', '=', queued.executionId)
        .executeTakeFirst();
      if (!row)
        throw new Error(
          `flow '${flowName}' (execution ${queued.executionId}) was deleted before it finished`,
        );
      return answer(context.db, flowName, queued.executionId, row);
    },
  };
}

type FlowInvocationResponse = Awaited<ReturnType<FlowInvokerPort['invoke']>>;

async function answer(
  db: Kysely<Database>,
  flowName: string,
  executionId: string,
  outcome: InvokedOutcome,
): Promise<FlowInvocationResponse> {
  if (outcome.status === 'succeeded') {
    // Stored with binary marks: the calling step gets the files' bytes back.
    const response = (outcome.response ? await withStoredFiles(db, outcome.response) : undefined) as
      | { statusCode?: number; headers?: Record<string, string>; body?: unknown }
      | undefined;
    return {
      status: response?.statusCode ?? 200,
      headers: response?.headers ?? {},
      data: response?.body ?? null,
    };
  }
  if (outcome.status === 'cancelled')
    throw new Error(`flow '${flowName}' (execution ${executionId}) was cancelled`);
  const message = (outcome.error as { message?: unknown } | null | undefined)?.message;
  throw new Error(
    `flow '${flowName}' (execution ${executionId}) failed: ${typeof message === 'string' ? message : 'no error recorded'}`,
  );
}

/** Waits for the execution to finish, or for the caller to be cancelled or time out. */
async function waitFor(
  context: FlowInvokerContext,
  executionId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const finished = context.waiter
    ? context.waiter.wait(executionId, crossFlowWaitMs)
    : pollFinished(context.db, executionId, crossFlowWaitMs, signal);
  try {
    return await Promise.race([finished, aborted]);
  } finally {
    // One listener per call, gone when the call is: a flow calling many flows does not pile them up.
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function pollFinished(
  db: Kysely<Database>,
  executionId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal?.aborted) {
    const row = await db
      .selectFrom('executions')
      .select('status')
      .where('id', '=', executionId)
      .executeTakeFirst();
    if (!row || !['queued', 'running'].includes(row.status)) return true;
    await delay(200, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
  return false;
}
