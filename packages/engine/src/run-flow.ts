import { randomUUID } from 'node:crypto';
import { type Flow, type Integration, isUnsetInput, type Step } from '@weft/definition';
import type {
  ActionContext,
  ActionLogger,
  Component,
  ComponentAction,
  ComponentInput,
  CustomerAttributes,
  InstanceAttributes,
  TriggerPayload,
  UserAttributes,
} from '@weft/sdk';
import { bytesOf, needsBinaryMarks, replaceBinary } from './binary-data.js';
import { configValues } from './config-values.js';
import { EngineError, type ErrorRecord, errorRecord } from './engine-error.js';
import { convertInput, type InputScope, resolveInput } from './inputs.js';
import { defaultLimits, type ExecutionLimits } from './limits.js';
import {
  type EnginePorts,
  type LogEntry,
  type LogLevel,
  type StateScope,
  type StateWrites,
  systemClock,
} from './ports.js';
import { Redactor } from './redaction.js';
import { collectStateWrites, copyOfStore, sameJson, stateFields, stateUpdater } from './state-changes.js';

export interface TriggerRequest {
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  body?: { data: unknown; contentType?: string };
  rawBody?: { data: unknown; contentType?: string };
  pathFragment?: string;
}

export interface RunFlowRequest {
  integration: Integration;
  flowName: string;
  trigger?: TriggerRequest;
  /** Config values by name; missing ones take the definition's defaults. */
  configVars?: Record<string, unknown>;
  ports: EnginePorts;
  limits?: Partial<ExecutionLimits>;
  /** Aborting it cancels the execution; the running step sees the abort through `context.signal`. */
  signal?: AbortSignal;
  executionId?: string;
  /** How many flow invocations led here (0 for a flow triggered from outside). */
  crossFlowDepth?: number;
  customer?: CustomerAttributes;
  instance?: InstanceAttributes;
  user?: UserAttributes;
  webhookUrls?: Record<string, string>;
  webhookApiKeys?: Record<string, string[]>;
  invokeUrl?: string;
  /**
   * Secret values (connection passwords, keys, tokens) to mask in everything the run writes out: logs, step
   * results, errors and the response. Steps see the real values.
   */
  secrets?: Iterable<string>;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  durationMs: number;
  error?: ErrorRecord;
}

export interface StepRecord {
  key: string;
  name: string;
  status: 'succeeded' | 'failed' | 'ignored';
  result: unknown;
  attempts: AttemptRecord[];
  /** Loop steps: how many iterations ran. */
  iterations?: number;
  /** Branch steps: the branch that ran. */
  branch?: string;
  /** Steps inside a loop: the index of the innermost loop's iteration this record belongs to. */
  iteration?: number;
}

export interface FlowResponse {
  statusCode: number;
  headers: Record<string, string>;
  contentType?: string;
  body: unknown;
}

export interface ExecutionResult {
  executionId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: ErrorRecord;
  /** Every step's result by step key (for loop children, the last iteration's). */
  steps: Record<string, unknown>;
  stepRecords: StepRecord[];
  logs: LogEntry[];
  /** Log lines beyond the limit, counted and dropped. */
  droppedLogs: number;
  response?: FlowResponse;
  startedAt: string;
  durationMs: number;
}

/** Control flow that unwinds the step runner: leave the innermost loop, or end the execution. */
class BreakLoop {}
class StopExecution {
  constructor(readonly response: FlowResponse | undefined) {}
}

interface RunState {
  request: RunFlowRequest;
  flow: Flow;
  limits: ExecutionLimits;
  executionId: string;
  startedAt: string;
  signal: AbortSignal;
  scope: InputScope;
  states: Record<StateScope, Record<string, unknown>>;
  records: StepRecord[];
  logs: LogEntry[];
  droppedLogs: number;
  response?: FlowResponse;
  lastResult?: { data: unknown; statusCode?: number; headers?: Record<string, string>; contentType?: string };
  components: Map<string, Component>;
  redactor: Redactor;
  /** Who and what this execution is for: the same in the trigger payload and in every step's context. */
  identity: ExecutionIdentity;
}

type ExecutionIdentity = Pick<
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

/**
 * Runs one flow of an integration: the trigger, then the steps in series, with loops, branches, per-step error
 * handling, state, limits and cancellation. Never throws: every failure is in the result.
 */
export async function runFlow(request: RunFlowRequest): Promise<ExecutionResult> {
  const started = Date.now();
  const limits = { ...defaultLimits, ...request.limits };
  const executionId = request.executionId ?? randomUUID();
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new EngineError(
          'EXECUTION_TIMEOUT',
          `the execution ran longer than ${limits.executionTimeMs} ms and was stopped`,
        ),
      ),
    limits.executionTimeMs,
  );
  const onCancel = () =>
    controller.abort(new EngineError('EXECUTION_CANCELLED', 'the execution was cancelled'));
  if (request.signal?.aborted) onCancel();
  request.signal?.addEventListener('abort', onCancel, { once: true });

  const run: RunState = {
    request,
    flow: undefined as unknown as Flow,
    limits,
    executionId,
    startedAt: new Date(started).toISOString(),
    signal: controller.signal,
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
    identity: undefined as unknown as ExecutionIdentity,
  };
  let status: ExecutionResult['status'] = 'succeeded';
  let error: ErrorRecord | undefined;
  try {
    const flow = request.integration.flows.find((candidate) => candidate.name === request.flowName);
    if (!flow) {
      throw new EngineError(
        'FLOW_NOT_FOUND',
        `integration '${request.integration.name}' has no flow '${request.flowName}' (flows: ${request.integration.flows.map((f) => f.name).join(', ')})`,
      );
    }
    run.flow = flow;
    run.identity = executionIdentity(request, flow, executionId, run.startedAt);
    if ((request.crossFlowDepth ?? 0) > limits.crossFlowDepth) {
      throw new EngineError(
        'CROSS_FLOW_DEPTH_EXCEEDED',
        `flows invoked flows ${request.crossFlowDepth} levels deep; the limit is ${limits.crossFlowDepth} (look for flows that invoke each other in a cycle)`,
      );
    }
    await loadStates(run);
    const triggerBranch = await abortable(run, runTrigger(run, flow.trigger));
    if (triggerBranch !== undefined) await runTriggerBranch(run, flow.trigger, triggerBranch);
    await abortable(run, runSteps(run, flow.steps, 0));
  } catch (caught) {
    if (caught instanceof StopExecution) {
      run.response = caught.response;
    } else if (caught instanceof BreakLoop) {
      error = errorRecord(
        new EngineError('BREAK_OUTSIDE_LOOP', 'a breakLoop step ran outside any loop; put it inside a loop'),
      );
      status = 'failed';
    } else {
      const reason = run.signal.aborted ? run.signal.reason : caught;
      error = errorRecord(reason);
      status = error.code === 'EXECUTION_CANCELLED' ? 'cancelled' : 'failed';
    }
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCancel);
    controller.abort(new EngineError('EXECUTION_CANCELLED', 'the execution has ended'));
  }
  if (run.droppedLogs > 0) {
    run.logs.push({
      timestamp: new Date().toISOString(),
      level: 'warn',
      message: `${run.droppedLogs} more log lines were dropped (limit ${limits.logEntries} per execution)`,
    });
  }
  const response =
    run.response ??
    (status === 'succeeded' && run.lastResult
      ? {
          statusCode: run.lastResult.statusCode ?? 200,
          headers: run.lastResult.headers ?? {},
          ...(run.lastResult.contentType ? { contentType: run.lastResult.contentType } : {}),
          body: run.lastResult.data,
        }
      : undefined);
  const { redactor } = run;
  return {
    executionId,
    status,
    ...(error ? { error: redactor.value(error) } : {}),
    steps: redactor.value(Object.fromEntries(run.scope.stepResults)),
    stepRecords: run.records,
    logs: run.logs,
    droppedLogs: run.droppedLogs,
    ...(response ? { response: redactor.value(response) } : {}),
    startedAt: run.startedAt,
    durationMs: Date.now() - started,
  };
}

async function runTriggerBranch(run: RunState, trigger: Step, branchName: string): Promise<void> {
  const chosen = trigger.branches?.find((branch) => branch.name === branchName);
  if (!chosen) {
    if (trigger.branches)
      log(
        run,
        'info',
        `trigger '${trigger.name}' chose branch '${branchName}', which has no steps`,
        trigger.key,
      );
    return;
  }
  await abortable(run, runSteps(run, chosen.steps, 1));
}

/** Races work against the execution's abort signal, so a step that ignores the signal cannot outlive the limit. */
function abortable<T>(run: RunState, work: Promise<T>): Promise<T> {
  if (run.signal.aborted) return Promise.reject(run.signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(run.signal.reason);
    run.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        run.signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason) => {
        run.signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}

async function loadStates(run: RunState): Promise<void> {
  const port = run.request.ports.state;
  if (!port) return;
  for (const scope of ['flow', 'crossFlow', 'execution', 'integration'] as const)
    run.states[scope] = await port.load(scope);
}

function log(run: RunState, level: LogLevel, message: string, stepKey?: string): void {
  const entry: LogEntry = {
    timestamp: new Date().toISOString(),
    level,
    message: run.redactor.text(message),
    ...(stepKey ? { stepKey } : {}),
  };
  run.request.ports.log?.(entry);
  if (run.logs.length < run.limits.logEntries) run.logs.push(entry);
  else run.droppedLogs += 1;
}

function stepLogger(run: RunState, stepKey: string): ActionLogger {
  const write =
    (level: LogLevel) =>
    (...args: unknown[]) =>
      log(run, level, args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' '), stepKey);
  return {
    metric: write('metric'),
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

function safeJson(value: unknown): string {
  try {
    return value instanceof Error ? value.message : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

async function loadComponent(run: RunState, step: Step): Promise<Component> {
  const ref = step.action.component;
  const cacheKey = `${ref.key}@${ref.version ?? ref.signature ?? 'LATEST'}`;
  const cached = run.components.get(cacheKey);
  if (cached) return cached;
  const component = await run.request.ports.components.load(ref);
  if (!component) {
    throw new EngineError(
      'COMPONENT_NOT_FOUND',
      `step '${step.name}' uses component '${ref.key}', which is not available`,
      step.key,
    );
  }
  run.components.set(cacheKey, component);
  return component;
}

/**
 * The step's inputs resolved and converted. Inputs the step leaves out, or leaves empty in any form (an empty
 * value, or an empty config variable, reference or template, as exports write optional inputs), take the action's
 * defaults: an empty `connection` is no connection.
 */
function stepParams(run: RunState, step: Step, inputs: ComponentInput[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const definition of inputs) {
    const given = step.inputs[definition.key];
    const raw = given && !isUnsetInput(given) ? resolveInput(given, run.scope) : undefined;
    const value = raw === undefined || raw === '' ? (definition.default ?? raw) : raw;
    params[definition.key] = convertInput(value, definition, step.name);
  }
  // Inputs the action does not declare are passed through as given (validation warned about them).
  for (const [name, input] of Object.entries(step.inputs)) {
    if (!(name in params) && !isUnsetInput(input)) params[name] = resolveInput(input, run.scope);
  }
  return params;
}

function actionContext(run: RunState, step: Step): ActionContext {
  const request = run.request;
  const clock = request.ports.clock ?? systemClock;
  const context: ActionContext & {
    signal: AbortSignal;
    stepResults: Record<string, unknown>;
    clock: typeof clock;
  } = {
    logger: stepLogger(run, step.key),
    // Copies all the way down: what a step changes in place is its own until its changes are taken (state-changes.ts).
    instanceState: copyOfStore(run.states.flow),
    crossFlowState: copyOfStore(run.states.crossFlow),
    executionState: copyOfStore(run.states.execution),
    integrationState: copyOfStore(run.states.integration),
    // Atomic read-modify-write on one key (persist-data's increment, append, ...): see state-changes.ts.
    updateState: stateUpdater(run.states, request.ports.state, () => context),
    configVars: run.scope.configVars,
    components: {},
    stepId: randomUUID(),
    ...run.identity,
    invokeFlow: async (flowName, data, config) => {
      const flows = request.ports.flows;
      if (!flows)
        throw new Error(`step '${step.name}' invokes flow '${flowName}', but flows cannot be invoked here`);
      const depth = (request.crossFlowDepth ?? 0) + 1;
      if (depth > run.limits.crossFlowDepth) {
        throw new EngineError(
          'CROSS_FLOW_DEPTH_EXCEEDED',
          `step '${step.name}' invokes flow '${flowName}' ${depth} levels deep; the limit is ${run.limits.crossFlowDepth}`,
          step.key,
        );
      }
      return flows.invoke(flowName, data, {
        depth,
        headers: config?.headers,
        invokedByExecutionId: run.executionId,
        signal: run.signal,
      });
    },
    executionFrame: {
      invokedByExecutionJWT: '',
      invokedByExecutionStartedAt: run.startedAt,
      componentActionKey: step.action.key,
      executionId: run.executionId,
      executionStartedAt: run.startedAt,
      stepName: step.name,
      loopPath: '',
    },
    debug: {
      enabled: false,
      timeElapsed: { mark: () => {}, measure: () => {} },
      memoryUsage: () => {},
      results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
    },
    signal: run.signal,
    // Only code steps read every result at once: built when read, not for every step. The shape is Prismatic's:
    // `stepResults.listFiles.results`, and `stepResults.myLoop.currentItem` / `.index` inside a loop.
    get stepResults() {
      const all: Record<string, Record<string, unknown>> = {};
      for (const [key, value] of run.scope.stepResults) all[key] = { results: value };
      for (const [key, loop] of run.scope.loops)
        all[key] = { ...all[key], currentItem: loop.currentItem, index: loop.index };
      return all;
    },
    clock,
  };
  return context;
}

/**
 * Saves the keys a step's returned state objects set or removed (compared with the stores it was given: per key,
 * see state-changes.ts) through the port, and keeps them for the steps after it; returns what it wrote (with the
 * execution-state operations it applied), for the step's `finished` event.
 */
async function applyStateChanges(
  run: RunState,
  result: Record<string, unknown> | undefined,
  context: ActionContext,
): Promise<StateWrites | undefined> {
  const writes = collectStateWrites(run.states, result, context);
  if (!writes) return undefined;
  for (const [scope, changes] of Object.entries(writes) as Array<
    [StateScope, NonNullable<StateWrites[StateScope]>]
  >)
    await run.request.ports.state?.save(scope, changes);
  return writes;
}

/**
 * A trigger's result with the state stores its perform changed in place on the context rather than returned
 * (Spectral's polling triggers keep their state in `context.instanceState` that way).
 */
function withStatesChangedInPlace(
  run: RunState,
  context: ActionContext,
  result: object | undefined | null,
): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = { ...(result ?? {}) };
  for (const [field, scope] of stateFields) {
    if (merged[field] !== undefined) continue;
    const current = context[field];
    if (current && typeof current === 'object' && !sameJson(current, run.states[scope]))
      merged[field] = current;
  }
  return merged;
}

/** The stored size of a value; undefined when it cannot be stored at all (it refers to itself, or holds a BigInt). */
function outputSize(value: unknown): number | undefined {
  if (value === undefined) return 0;
  try {
    if (!needsBinaryMarks(value)) return Buffer.byteLength(JSON.stringify(value) ?? '');
    // Binary data counts by its bytes (it is stored as bytes, not as JSON).
    let binaryBytes = 0;
    const json = JSON.stringify(
      replaceBinary(value, (bytes) => {
        binaryBytes += bytes.length;
        return '';
      }),
    );
    return Buffer.byteLength(json ?? '') + binaryBytes;
  } catch {
    return undefined;
  }
}

function checkOutput(run: RunState, step: Step, data: unknown): void {
  const size = outputSize(data);
  if (size === undefined) {
    throw new EngineError(
      'STEP_OUTPUT_INVALID',
      `step '${step.name}' returned a result that cannot be stored (an object that refers to itself, or a BigInt); return plain data`,
      step.key,
    );
  }
  if (size > run.limits.stepOutputBytes) {
    throw new EngineError(
      'STEP_OUTPUT_TOO_LARGE',
      `step '${step.name}' returned ${size} bytes; the limit is ${run.limits.stepOutputBytes} bytes (page through the data, or store it elsewhere and pass a reference)`,
      step.key,
    );
  }
}

/** Runs the trigger; for a trigger that branches, returns the branch it chose. */
async function runTrigger(run: RunState, step: Step): Promise<string | undefined> {
  const request = run.request;
  const trigger = request.trigger ?? {};
  const rawBody = trigger.rawBody ?? trigger.body ?? { data: null };
  const rawSize = outputSize(rawBody.data) ?? 0;
  if (rawSize > run.limits.triggerPayloadBytes) {
    throw new EngineError(
      'TRIGGER_PAYLOAD_TOO_LARGE',
      `the trigger payload is ${rawSize} bytes; the limit is ${run.limits.triggerPayloadBytes} bytes`,
      step.key,
    );
  }
  const payload: TriggerPayload = {
    headers: trigger.headers ?? {},
    queryParameters: trigger.queryParameters ?? {},
    rawBody,
    body: trigger.body ?? rawBody,
    pathFragment: trigger.pathFragment ?? '',
    ...run.identity,
    globalDebug: false,
  };
  const component = await loadComponent(run, step);
  const definition = component.triggers[step.action.key];
  if (!definition) {
    throw new EngineError(
      'ACTION_NOT_FOUND',
      `component '${component.key}' has no trigger '${step.action.key}'`,
      step.key,
    );
  }
  const startedAt = new Date();
  request.ports.onStep?.({ type: 'started', stepKey: step.key, stepName: step.name });
  try {
    const params = stepParams(run, step, definition.inputs);
    const context = actionContext(run, step);
    const result = await definition.perform(context, payload, params);
    const results = result?.payload ?? payload;
    checkOutput(run, step, results);
    run.scope.stepResults.set(step.key, results);
    // Only private (custom, code-native) triggers change state in place; built-in ones skip the comparison.
    const state = await applyStateChanges(
      run,
      step.action.component.isPublic
        ? (result as Record<string, unknown> | undefined)
        : withStatesChangedInPlace(run, context, result),
      context,
    );
    if (result?.response) {
      const response = result.response as {
        statusCode?: number;
        headers?: Record<string, string>;
        contentType?: string;
        body?: unknown;
      };
      run.response = {
        statusCode: response.statusCode ?? 200,
        headers: response.headers ?? {},
        ...(response.contentType ? { contentType: response.contentType } : {}),
        body: response.body,
      };
    }
    // Some connectors' triggers branch (a webhook answering a verification request on one branch, notifications on
    // another): the chosen branch's steps run before the flow's other steps.
    const branch = definition.allowsBranching
      ? ((result as { branch?: unknown } | undefined)?.branch ?? 'Else')
      : undefined;
    record(
      run,
      step,
      'succeeded',
      results,
      [{ attempt: 1, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime() }],
      typeof branch === 'string' ? { branch } : {},
      state,
    );
    request.ports.onStep?.({
      type: 'triggered',
      stepKey: step.key,
      stepName: step.name,
      ...(run.response ? { response: run.redactor.value(run.response) } : {}),
    });
    // A polling trigger that found nothing new ends the execution here, successfully (Spectral's resultType).
    if ((result as { resultType?: unknown } | undefined)?.resultType === 'polled_no_changes') {
      log(run, 'info', 'the polling trigger found no changes; the flow stops here', step.key);
      throw new StopExecution(run.response);
    }
    return typeof branch === 'string' ? branch : undefined;
  } catch (error) {
    if (error instanceof StopExecution) throw error;
    const failure = errorRecord(error, step.key);
    record(run, step, 'failed', null, [
      {
        attempt: 1,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        error: failure,
      },
    ]);
    // The execution's error names the trigger, as it names any failing step.
    if (error instanceof EngineError)
      throw error.stepKey ? error : new EngineError(error.code, error.message, step.key);
    throw new EngineError('STEP_FAILED', `trigger '${step.name}' failed: ${failure.message}`, step.key);
  }
}

function record(
  run: RunState,
  step: Step,
  status: StepRecord['status'],
  result: unknown,
  attempts: AttemptRecord[],
  extra: Partial<StepRecord> = {},
  state?: StateWrites,
): void {
  const iteration = innermostIteration(run, step.key);
  const { redactor } = run;
  const shownResult = redactor.value(result);
  const stepRecord: StepRecord = {
    key: step.key,
    name: step.name,
    status,
    result: shownResult,
    attempts: redactor.value(attempts),
    ...extra,
    ...(iteration !== undefined ? { iteration } : {}),
  };
  run.records.push(stepRecord);
  const onStep = run.request.ports.onStep;
  if (!onStep) return;
  const durationMs = attempts.reduce((total, attempt) => total + attempt.durationMs, 0);
  onStep({
    type: 'finished',
    stepKey: step.key,
    stepName: step.name,
    status,
    result: shownResult,
    durationMs,
    record: stepRecord,
    ...(state ? { state } : {}),
  });
}

/** The iteration index of the innermost loop running around a step (not counting the step's own loop). */
function innermostIteration(run: RunState, stepKey: string): number | undefined {
  let index: number | undefined;
  // Loops enter the map as they start and leave it as they end: the last one in is the innermost.
  for (const [key, loop] of run.scope.loops) if (key !== stepKey) index = loop.index;
  return index;
}

/** Runs steps in series; the result of the last one is what a loop iteration yields. */
async function runSteps(run: RunState, steps: Step[], depth: number): Promise<unknown> {
  let last: unknown = null;
  for (const step of steps) {
    if (run.signal.aborted) throw run.signal.reason;
    last = await runStep(run, step, depth);
  }
  return last;
}

async function runStep(run: RunState, step: Step, depth: number): Promise<unknown> {
  const component = await loadComponent(run, step);
  const action = component.actions[step.action.key];
  if (!action) {
    throw new EngineError(
      'ACTION_NOT_FOUND',
      `component '${component.key}' has no action '${step.action.key}'`,
      step.key,
    );
  }
  if ((action.loop || action.allowsBranching) && depth + 1 > run.limits.nestingDepth) {
    throw new EngineError(
      'NESTING_TOO_DEEP',
      `step '${step.name}' nests loops and branches deeper than ${run.limits.nestingDepth} levels`,
      step.key,
    );
  }
  run.request.ports.onStep?.({ type: 'started', stepKey: step.key, stepName: step.name });
  const attempts: AttemptRecord[] = [];
  const outcome = await performWithErrorHandling(run, step, action, attempts);
  if ('ignored' in outcome) return outcome.ignored;
  // Error handling applies to the step's own action; the steps inside a loop or branch have their own.
  return afterAction(run, step, action, outcome.result, attempts, depth, outcome.state);
}

/**
 * Runs the step's action under its errorConfig: retries with delays, then fails or ignores. Every attempt lands in
 * `attempts`; a step that fails for good (or is cut short by a limit or cancellation) is recorded before the throw.
 */
async function performWithErrorHandling(
  run: RunState,
  step: Step,
  action: ComponentAction,
  attempts: AttemptRecord[],
): Promise<{ result: ActionResult; state?: StateWrites } | { ignored: unknown }> {
  const config = step.errorConfig;
  const maxAttempts = config?.errorHandlerType === 'retry' ? Math.max(1, config.maxAttempts ?? 1) : 1;
  const clock = run.request.ports.clock ?? systemClock;
  let refreshedConnections = false;
  for (let attempt = 1; ; attempt += 1) {
    const startedAt = new Date();
    let failure: ErrorRecord;
    let thrown: unknown;
    try {
      const { result, state } = await performAction(run, step, action);
      attempts.push({
        attempt,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
      });
      return { result, state };
    } catch (error) {
      thrown = run.signal.aborted ? run.signal.reason : error;
      failure = errorRecord(thrown, step.key);
      attempts.push({
        attempt,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        error: failure,
      });
    }
    if (!run.signal.aborted && !(thrown instanceof EngineError)) {
      await reportConnectionError(run, thrown);
      // An access token that expired early: once per step run, refresh it and run the step again at once.
      if (!refreshedConnections) {
        refreshedConnections = true;
        if (await refreshAfterFailure(run, step, thrown, failure)) {
          attempt -= 1;
          attempts.pop();
          continue;
        }
      }
    }
    // Limits and cancellation end the execution whatever the step's error handling says.
    const handled = !run.signal.aborted && !(thrown instanceof EngineError && isExecutionLimit(thrown));
    if (handled && attempt < maxAttempts) {
      const delayMs =
        (config?.delaySeconds ?? 0) * 1000 * (config?.usesExponentialBackoff ? 2 ** (attempt - 1) : 1);
      log(
        run,
        'warn',
        `step '${step.name}' failed (attempt ${attempt} of ${maxAttempts}): ${failure.message}; retrying in ${delayMs} ms`,
        step.key,
      );
      try {
        await clock.sleep(delayMs, run.signal);
      } catch (reason) {
        record(run, step, 'failed', null, attempts);
        throw reason;
      }
      continue;
    }
    const ignore =
      config?.errorHandlerType === 'ignore' ||
      (config?.errorHandlerType === 'retry' && config.ignoreFinalError);
    if (handled && ignore) {
      // Prismatic's shape: the ignored step's result carries an `error` a later branch can test with `exists`.
      const ignored = { error: { code: failure.code, message: failure.message } };
      run.scope.stepResults.set(step.key, ignored);
      log(run, 'warn', `step '${step.name}' failed and its error is ignored: ${failure.message}`, step.key);
      record(run, step, 'ignored', ignored, attempts);
      return { ignored };
    }
    record(run, step, 'failed', null, attempts);
    if (!handled) throw thrown;
    if (thrown instanceof EngineError)
      throw thrown.stepKey ? thrown : new EngineError(thrown.code, thrown.message, step.key);
    throw new EngineError('STEP_FAILED', `step '${step.name}' failed: ${failure.message}`, step.key);
  }
}

/** The connection config variables a step's inputs use. */
function connectionsUsedBy(run: RunState, step: Step): string[] {
  const keys: string[] = [];
  for (const input of Object.values(step.inputs)) {
    if (input.type !== 'configVar' || typeof input.value !== 'string') continue;
    const value = run.scope.configVars[input.value];
    if (typeof value === 'object' && value !== null && 'fields' in value) keys.push(input.value);
  }
  return keys;
}

/** The HTTP status an error carries, in the shapes components throw it (fetch wrappers, axios). */
function failureStatus(thrown: unknown): number | undefined {
  const candidate = thrown as {
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown };
  } | null;
  for (const value of [candidate?.status, candidate?.statusCode, candidate?.response?.status]) {
    if (typeof value === 'number') return value;
  }
  return undefined;
}

async function refreshAfterFailure(
  run: RunState,
  step: Step,
  thrown: unknown,
  failure: ErrorRecord,
): Promise<boolean> {
  const port = run.request.ports.connections;
  if (!port) return false;
  let refreshed = false;
  const status = failureStatus(thrown);
  for (const configVarKey of connectionsUsedBy(run, step)) {
    const fresh = await port.refreshAfterFailure(configVarKey, {
      message: failure.message,
      ...(status !== undefined ? { status } : {}),
    });
    if (!fresh) continue;
    run.redactor.add(fresh.secrets);
    run.scope.configVars[configVarKey] = fresh.connection;
    refreshed = true;
    log(
      run,
      'info',
      `step '${step.name}': connection '${configVarKey}' was refused (${status ?? 'expired token'}); its token was refreshed and the step runs again`,
      step.key,
    );
  }
  return refreshed;
}

/** Spectral's `ConnectionError(connection, message)`: the component says the connection itself is at fault. */
async function reportConnectionError(run: RunState, thrown: unknown): Promise<void> {
  const port = run.request.ports.connections;
  const error = thrown as {
    name?: unknown;
    connection?: { configVarKey?: unknown };
    message?: unknown;
  } | null;
  if (!port?.reportFailure || error?.name !== 'ConnectionError') return;
  const configVarKey = error.connection?.configVarKey;
  if (typeof configVarKey !== 'string') return;
  await port
    .reportFailure(configVarKey, run.redactor.text(String(error.message ?? '')))
    .catch(() => undefined);
}

function isExecutionLimit(error: EngineError): boolean {
  return [
    'EXECUTION_TIMEOUT',
    'EXECUTION_CANCELLED',
    'NESTING_TOO_DEEP',
    'LOOP_ITERATION_LIMIT',
    'CROSS_FLOW_DEPTH_EXCEEDED',
  ].includes(error.code);
}

type ActionResult = {
  data?: unknown;
  branch?: string;
  statusCode?: number;
  headers?: Record<string, string>;
  contentType?: string;
} & Record<string, unknown>;

async function performAction(
  run: RunState,
  step: Step,
  action: ComponentAction,
): Promise<{ result: ActionResult; state?: StateWrites }> {
  const params = stepParams(run, step, action.inputs);
  const codeNative = run.request.integration.isCodeNative === true;
  // A code-native flow's onExecution receives its trigger's result as `params.onTrigger.results`, as in Spectral.
  if (codeNative && step.action.key.endsWith('_onExecution') && !('onTrigger' in params)) {
    params.onTrigger = { results: run.scope.stepResults.get(run.flow.trigger.key) ?? null };
  }
  const context = actionContext(run, step);
  const result: unknown = await action.perform(context, params);
  // Actions return `{data, ...}`; a bare value (text, a list, a Buffer, nothing) is taken as the data itself.
  const isActionResult =
    typeof result === 'object' && result !== null && !Array.isArray(result) && !Buffer.isBuffer(result);
  const normalized: ActionResult = isActionResult ? (result as ActionResult) : { data: result ?? null };
  checkOutput(run, step, normalized.data);
  // Code-native flow functions may set state in place on the context (`context.instanceState.x = 1`), as in Spectral.
  const state = await applyStateChanges(
    run,
    codeNative ? withStatesChangedInPlace(run, context, normalized) : normalized,
    context,
  );
  return { result: normalized, ...(state ? { state } : {}) };
}

async function afterAction(
  run: RunState,
  step: Step,
  action: ComponentAction,
  result: ActionResult,
  attempts: AttemptRecord[],
  depth: number,
  state?: StateWrites,
): Promise<unknown> {
  const returned = result.data ?? null;
  if (action.loop) return runLoop(run, step, returned, attempts, depth, state);
  // Binary data is a file to the steps after: `{data: Buffer, contentType}` (Prismatic's binary step results).
  const bytes = bytesOf(returned);
  const data = bytes
    ? { data: bytes, contentType: result.contentType || 'application/octet-stream' }
    : returned;
  run.scope.stepResults.set(step.key, data);
  run.lastResult = {
    data: bytes ?? returned,
    statusCode: result.statusCode,
    headers: result.headers,
    contentType: result.contentType,
  };
  if (action.allowsBranching) {
    const branchName = result.branch ?? 'Else';
    const chosen = step.branches?.find((branch) => branch.name === branchName);
    record(run, step, 'succeeded', data, attempts, { branch: branchName }, state);
    if (!chosen)
      log(run, 'info', `step '${step.name}' chose branch '${branchName}', which has no steps`, step.key);
    if (chosen) await runSteps(run, chosen.steps, depth + 1);
    return data;
  }
  record(run, step, 'succeeded', data, attempts, {}, state);
  if (action.breakLoop) throw new BreakLoop();
  if (action.terminateExecution) {
    throw new StopExecution({
      statusCode: result.statusCode ?? 200,
      headers: result.headers ?? {},
      ...(result.contentType ? { contentType: result.contentType } : {}),
      body: data,
    });
  }
  return data;
}

async function runLoop(
  run: RunState,
  step: Step,
  items: unknown,
  attempts: AttemptRecord[],
  depth: number,
  state?: StateWrites,
): Promise<unknown> {
  const results: unknown[] = [];
  run.scope.stepResults.set(step.key, results);
  try {
    checkLoopItems(run, step, items);
    for (const [index, currentItem] of items.entries()) {
      run.scope.loops.set(step.key, { currentItem, index });
      try {
        results.push(await runSteps(run, step.steps ?? [], depth + 1));
      } catch (error) {
        if (error instanceof BreakLoop) break;
        throw error;
      }
    }
  } catch (error) {
    // The loop ends with its children (a failure, a stop-execution): record it too, with the iterations that ran.
    const status = error instanceof StopExecution ? 'succeeded' : 'failed';
    record(run, step, status, results, attempts, { iterations: results.length }, state);
    throw error;
  } finally {
    run.scope.loops.delete(step.key);
  }
  run.lastResult = { data: results };
  record(run, step, 'succeeded', results, attempts, { iterations: results.length }, state);
  return results;
}

function checkLoopItems(run: RunState, step: Step, items: unknown): asserts items is unknown[] {
  if (!Array.isArray(items)) {
    throw new EngineError(
      'LOOP_INVALID',
      `loop '${step.name}' needs a list of items, got ${items === null ? 'null' : typeof items}`,
      step.key,
    );
  }
  if (items.length > run.limits.loopIterations) {
    throw new EngineError(
      'LOOP_ITERATION_LIMIT',
      `loop '${step.name}' would run ${items.length} iterations; the limit is ${run.limits.loopIterations}`,
      step.key,
    );
  }
}
