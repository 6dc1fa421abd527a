import type { Flow, Input, Step } from '@weft/definition';
import type { Egress } from '@weft/egress';
import {
  type ErrorRecord,
  type LogEntry,
  MemoryState,
  runFlow,
  type StepRecord,
  type TriggerRequest,
} from '@weft/engine';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import { ExecutionComponents } from '../components/execution-components.js';
import { ConnectionUnavailableError } from '../connections/connection-tokens.js';
import type { Database } from '../database/schema.js';
import { isWeftError } from '../errors.js';
import { jsonText } from '../executions/execution-blobs.js';
import { loadInstanceRuntime } from '../instances/instance-runtime.js';
import type { IntegrationVersions } from '../integrations/integration-versions.js';
import type { Keyring } from '../secrets/keyring.js';

/**
 * Runs an integration's preprocess flow on a webhook request, in the process that received it, before the request
 * is routed: its last step's result names the flow (and, for shared endpoints, the customer). Bounded by the sync
 * time-out. On an instance-specific endpoint it runs with the instance's config values and connections; on a
 * shared endpoint it runs for no instance (Prismatic's "system" instance): config variables have only their
 * defaults and there are no connections. State it writes is not kept, and it cannot invoke other flows.
 */

export interface PreprocessDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  log: Logger;
  sandboxes: ComponentSandboxes;
  versions: IntegrationVersions;
  /** The http steps of preprocess flows go out under it; without it, the sandboxes' (the server's). */
  egress?: Egress;
}

/** One run of a preprocess flow, as kept on the execution it routed to (`preprocess`) and in the logs. */
export interface PreprocessRun {
  flow: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: ErrorRecord;
  /** The last step's result: what routing reads `flowNameField` and `externalCustomerIdField` from. */
  result: unknown;
  /** False on shared endpoints: it ran for no instance. */
  ranForInstance: boolean;
  durationMs: number;
  stepRecords: StepRecord[];
  logs: LogEntry[];
}

export interface PreprocessRequest {
  orgId: string;
  versionId: string;
  flow: Flow;
  trigger: TriggerRequest;
  timeoutMs: number;
  /** Instance-specific endpoints: the instance whose config and connections it runs with. */
  instanceId?: string;
}

export async function runPreprocessFlow(
  deps: PreprocessDeps,
  request: PreprocessRequest,
): Promise<PreprocessRun> {
  const { flow } = request;
  const started = Date.now();
  const failedEarly = (message: string): PreprocessRun => ({
    flow: flow.name,
    status: 'failed',
    error: { code: 'STEP_FAILED', message },
    result: undefined,
    ranForInstance: request.instanceId !== undefined,
    durationMs: Date.now() - started,
    stepRecords: [],
    logs: [],
  });
  const entry = await deps.versions.entry(request.versionId);
  if (!entry) return failedEarly('the integration version it belongs to no longer exists');
  let integration = entry.integration;
  let components = new ExecutionComponents(
    deps.db,
    deps.sandboxes,
    request.orgId,
    entry.manifest && entry.bundleSha256
      ? { manifest: entry.manifest, bundleSha256: entry.bundleSha256 }
      : null,
  );
  let configVars: Record<string, unknown> = {};
  let secrets: string[] = [];
  let identity: Partial<Parameters<typeof runFlow>[0]> = {};
  if (request.instanceId !== undefined) {
    const runtime = await loadInstanceRuntime(deps, request.orgId, request.instanceId, 'deployed');
    if (!runtime) return failedEarly('the instance is no longer deployed');
    integration = runtime.integration;
    components = runtime.components;
    identity = { customer: runtime.identity.customer, instance: runtime.identity.instance };
    try {
      ({ values: configVars, secrets } = await runtime.configValues());
    } catch (error) {
      if (!(error instanceof ConnectionUnavailableError) && !isWeftError(error)) throw error;
      return failedEarly(`a connection of the instance cannot be used: ${(error as Error).message}`);
    }
  }
  const result = await runFlow({
    integration,
    flowName: flow.name,
    trigger: request.trigger,
    configVars,
    secrets,
    ...identity,
    limits: { executionTimeMs: request.timeoutMs },
    ports: { components, state: new MemoryState(), http: deps.egress ?? deps.sandboxes.egress },
  });
  const topLevel = new Set([flow.trigger.key, ...flow.steps.map((step) => step.key)]);
  const last = [...result.stepRecords].reverse().find((record) => topLevel.has(record.key));
  const run: PreprocessRun = {
    flow: flow.name,
    status: result.status,
    ...(result.error ? { error: withConfigHint(result.error, flow, request.instanceId === undefined) } : {}),
    result: last?.result,
    ranForInstance: request.instanceId !== undefined,
    durationMs: result.durationMs,
    stepRecords: result.stepRecords,
    logs: result.logs,
  };
  return run;
}

/**
 * A shared endpoint's preprocess flow has no instance: when the step that failed reads config variables (or
 * connections, which are config variables), the message says that is why.
 */
function withConfigHint(error: ErrorRecord, flow: Flow, shared: boolean): ErrorRecord {
  if (!shared || !error.stepKey) return error;
  const step = findStep([flow.trigger, ...flow.steps], error.stepKey);
  if (!step) return error;
  const names = new Set<string>();
  let templated = false;
  const visit = (input: Input | undefined): void => {
    if (!input || typeof input !== 'object') return;
    const value = (input as { value?: unknown }).value;
    if (input.type === 'configVar' && typeof value === 'string') names.add(value);
    // A template or code that reads `configVars` (a code step's `context.configVars[...]`).
    if (input.type !== 'configVar' && typeof value === 'string' && value.includes('configVars')) {
      templated = true;
    }
    if (Array.isArray(value)) for (const item of value) visit(item as Input);
  };
  for (const input of Object.values(step.inputs ?? {})) visit(input);
  if (names.size === 0 && !templated) return error;
  const what =
    names.size > 0
      ? `config variables ${[...names].map((name) => `'${name}'`).join(', ')}`
      : 'config variables';
  return {
    ...error,
    message: `${error.message} (the step reads ${what}: a shared endpoint's preprocess flow runs for no instance, so it has no config values but defaults and no connections)`,
  };
}

function findStep(steps: Step[], key: string): Step | undefined {
  for (const step of steps) {
    if (step.key === key) return step;
    const inner = findStep(
      [...(step.steps ?? []), ...(step.branches ?? []).flatMap((branch) => branch.steps)],
      key,
    );
    if (inner) return inner;
  }
  return undefined;
}

/** What is kept of a run on the execution it routed to: bounded, so a chatty preprocess flow cannot bloat rows. */
const keptBytes = 256 * 1024;

export function preprocessRecord(run: PreprocessRun): Record<string, unknown> {
  const record = {
    flow: run.flow,
    status: run.status,
    ranForInstance: run.ranForInstance,
    durationMs: run.durationMs,
    result: run.result ?? null,
    stepRecords: run.stepRecords,
    logs: run.logs,
  };
  const text = jsonText(record) ?? '{}';
  const size = Buffer.byteLength(text);
  // Through JSON text: what a jsonb column can hold (no NUL characters).
  if (size <= keptBytes) return JSON.parse(text) as Record<string, unknown>;
  return JSON.parse(
    jsonText({
      ...record,
      result: null,
      stepRecords: run.stepRecords.map(({ result: _result, ...rest }) => ({ ...rest, result: null })),
      logs: run.logs.slice(0, 100),
      truncated: `the run's records were ${size} bytes; step results and all but the first 100 log lines were left out`,
    }) ?? '{}',
  ) as Record<string, unknown>;
}

/**
 * Stores a failed run of an instance's preprocess flow as a failed execution of that flow, with its step records
 * and logs (an instance-specific endpoint's preprocess run belongs to the instance, and its failures are shown
 * with its executions). Answers the execution id.
 */
export async function storeFailedPreprocess(
  db: Kysely<Database>,
  options: {
    instanceId: string;
    versionId: string;
    flow: Flow;
    trigger: TriggerRequest;
    run: PreprocessRun;
    error: ErrorRecord;
  },
): Promise<string | undefined> {
  const { run } = options;
  const steps = run.stepRecords.map((record, seq) => ({
    seq,
    step_key: record.key,
    step_name: record.name,
    status: record.status,
    result: record.result ?? null,
    attempts: record.attempts,
    iterations: record.iterations ?? null,
    branch: record.branch ?? null,
    iteration: record.iteration ?? null,
  }));
  const logs = run.logs.map((entry, seq) => ({
    seq,
    at: entry.timestamp,
    level: entry.level,
    message: entry.message,
    step_key: entry.stepKey ?? null,
  }));
  const durationMs = Math.max(0, Math.round(run.durationMs));
  const { rows } = await sql<{ id: string }>`
    with execution as (
      insert into executions (org_id, instance_id, customer_id, integration_id, integration_version_id, flow_name,
                              flow_stable_key, trigger, trigger_kind, is_synchronous, status, error, started_at,
                              finished_at, duration_ms)
      select n.org_id, n.id, n.customer_id, n.integration_id, ${options.versionId}::uuid, ${options.flow.name},
             ${options.flow.stableKey}, ${jsonText(options.trigger) ?? '{}'}::jsonb, 'webhook', true, 'failed',
             ${jsonText(options.error)}::jsonb, now() - ${durationMs} * interval '1 millisecond', now(),
             ${durationMs}
        from instances n where n.id = ${options.instanceId}::uuid
      returning id
    ),
    steps as (
      insert into execution_steps (execution_id, seq, step_key, step_name, status, result, attempts, iterations,
                                   branch, iteration)
      select e.id, s.seq, s.step_key, s.step_name, s.status, s.result, coalesce(s.attempts, '[]'), s.iterations,
             s.branch, s.iteration
        from execution e, jsonb_to_recordset(${jsonText(steps)}::jsonb)
          as s(seq integer, step_key text, step_name text, status text, result jsonb, attempts jsonb,
               iterations integer, branch text, iteration integer)
    ),
    logs as (
      insert into execution_logs (execution_id, seq, at, level, message, step_key)
      select e.id, l.seq, l.at, l.level, l.message, l.step_key
        from execution e, jsonb_to_recordset(${jsonText(logs)}::jsonb)
          as l(seq integer, at timestamptz, level text, message text, step_key text)
    )
    select id from execution`.execute(db);
  return rows[0]?.id;
}
