import type { Flow } from '@weft/definition';
import type { Component, TriggerPayload } from '@weft/sdk';
import { configValues } from '../config-values.js';
import type { FlowResponse, StepRecord } from '../execution-result.js';
import type { InputScope } from '../inputs.js';
import type { ExecutionLimits } from '../limits.js';
import type { Clock, LogEntry, StateScope } from '../ports.js';
import { Redactor } from '../redaction.js';
import type { RunFlowRequest } from '../run-request.js';

/**
 * Everything one execution keeps while it runs, handed to every step runner: what was asked, the limits and the
 * clock it runs under, the results so far (which step inputs address by step key), the state stores, and what the
 * result will report (records, logs, response).
 */
export interface RunContext {
  request: RunFlowRequest;
  /** The flow being run; set as soon as it is found, before any step runs. */
  flow: Flow;
  limits: ExecutionLimits;
  executionId: string;
  /** When the execution started, by its clock. */
  startedAt: string;
  /** The one source of time for the execution: the port's clock, or the system's. */
  clock: Clock;
  /** Aborts on cancellation, at the time limit, and when the execution ends (`execution-signal.ts`). */
  signal: AbortSignal;
  /**
   * What step inputs address: each step's result by step key (`listFiles.results.files`), the loops running around
   * the current step (`myLoop.currentItem`, `.index`) and the config values.
   */
  scope: InputScope;
  /** The four stores as the steps so far left them; loaded once at the start. */
  states: Record<StateScope, Record<string, unknown>>;
  records: StepRecord[];
  logs: LogEntry[];
  droppedLogs: number;
  /** The response a trigger or stop-execution step set; otherwise the last step's result answers. */
  response?: FlowResponse;
  /** The last step's result, the flow's response when no step set one. */
  lastResult?: { data: unknown; statusCode?: number; headers?: Record<string, string>; contentType?: string };
  /** Components loaded so far, by reference: each loads once per execution. */
  components: Map<string, Component>;
  redactor: Redactor;
  /** Who and what this execution is for: the same in the trigger payload and in every step's context. */
  identity: ExecutionIdentity;
}

export type ExecutionIdentity = Pick<
  TriggerPayload,
  | 'webhookUrls'
  | 'webhookApiKeys'
  | 'invokeUrl'
  | 'executionId'
  | 'customer'
  | 'instance'
  | 'user'
  | 'integration'
  | 'flow'
  | 'startedAt'
>;

/** A new execution's context, before its flow is found (`startFlow`). */
export function createRunContext(
  request: RunFlowRequest,
  execution: Pick<RunContext, 'limits' | 'executionId' | 'startedAt' | 'clock' | 'signal'>,
): RunContext {
  return {
    request,
    ...execution,
    // Both set by startFlow, which runs before anything reads them.
    flow: undefined as unknown as Flow,
    identity: undefined as unknown as ExecutionIdentity,
    scope: {
      stepResults: new Map(),
      loops: new Map(),
      configVars: configValues(request.integration, request.configVars),
    },
    states: { flow: {}, crossFlow: {}, execution: {}, integration: {} },
    records: [],
    logs: [],
    droppedLogs: 0,
    components: new Map(),
    redactor: new Redactor(request.secrets ?? []),
  };
}

/** The flow to run was found: it, and who the execution is for, are known from here on. */
export function startFlow(run: RunContext, flow: Flow): void {
  run.flow = flow;
  run.identity = executionIdentity(run.request, flow, run.executionId, run.startedAt);
}

function executionIdentity(
  request: RunFlowRequest,
  flow: Flow,
  executionId: string,
  startedAt: string,
): ExecutionIdentity {
  return {
    webhookUrls: request.webhookUrls ?? {},
    webhookApiKeys: request.webhookApiKeys ?? {},
    invokeUrl: request.invokeUrl ?? '',
    executionId,
    customer: request.customer ?? { id: '', externalId: '', name: '' },
    instance: request.instance ?? { id: '', name: '' },
    user: request.user ?? { id: '', email: '', name: '', externalId: '' },
    integration: {
      id: '',
      name: request.integration.name,
      versionSequenceId: '',
      externalVersion: request.integration.version ?? '',
    },
    flow: { id: flow.stableKey, name: flow.name },
    startedAt,
  };
}

export async function loadStates(run: RunContext): Promise<void> {
  const port = run.request.ports.state;
  if (!port) return;
  for (const scope of ['flow', 'crossFlow', 'execution', 'integration'] as const)
    run.states[scope] = await port.load(scope);
}

/** The clock's current time as a timestamp, as records and log lines carry it. */
export function timestamp(run: RunContext): string {
  return new Date(run.clock.now()).toISOString();
}
