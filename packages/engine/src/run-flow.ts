import { randomUUID } from 'node:crypto';
import type { Flow } from '@weft/definition';
import { abortable } from './abortable.js';
import { EngineError, type ErrorRecord, errorRecord } from './engine-error.js';
import type { ExecutionResult, FlowResponse } from './execution-result.js';
import { defaultLimits } from './limits.js';
import { systemClock } from './ports.js';
import { executionSignal } from './run/execution-signal.js';
import { createRunContext, loadStates, type RunContext, startFlow } from './run/run-context.js';
import { logDroppedLines } from './run/run-log.js';
import { BreakLoop, StopExecution } from './run/unwinding.js';
import type { RunFlowRequest } from './run-request.js';
import { runTriggerBranch } from './steps/branch.js';
import { runSteps } from './steps/run-steps.js';
import { runTrigger } from './steps/trigger.js';

export type { AttemptRecord, ExecutionResult, FlowResponse, StepRecord } from './execution-result.js';
export type { RunFlowRequest, TriggerRequest } from './run-request.js';

/**
 * Runs one flow of an integration: the trigger, then the steps in series, with loops, branches, per-step error
 * handling, state, limits and cancellation. Never throws: every failure is in the result.
 *
 * The pieces: `run/` keeps the execution's context (results, state, records, logs) and its abort signal (the time
 * limit, cancellation); `steps/` runs each kind of step (trigger, action, loop, branch) and a step's error handling.
 * All time comes from the clock port.
 */
export async function runFlow(request: RunFlowRequest): Promise<ExecutionResult> {
  const clock = request.ports.clock ?? systemClock;
  const started = clock.now();
  const limits = { ...defaultLimits, ...request.limits };
  const executionId = request.executionId ?? randomUUID();
  const execution = executionSignal(request.signal, limits, clock);
  const run = createRunContext(request, {
    limits,
    executionId,
    startedAt: new Date(started).toISOString(),
    clock,
    signal: execution.signal,
  });
  let status: ExecutionResult['status'] = 'succeeded';
  let error: ErrorRecord | undefined;
  try {
    await runTriggerAndSteps(run, findFlow(request));
  } catch (caught) {
    if (caught instanceof StopExecution) {
      run.response = caught.response;
    } else if (caught instanceof BreakLoop) {
      error = errorRecord(
        new EngineError('BREAK_OUTSIDE_LOOP', 'a breakLoop step ran outside any loop; put it inside a loop'),
      );
      status = 'failed';
    } else {
      // Once the execution is aborted, what a step threw is a consequence; the reason (timeout, cancel) is the error.
      const reason = run.signal.aborted ? run.signal.reason : caught;
      error = errorRecord(reason);
      status = error.code === 'EXECUTION_CANCELLED' ? 'cancelled' : 'failed';
    }
  } finally {
    execution.end();
  }
  logDroppedLines(run);
  const response = run.response ?? (status === 'succeeded' ? lastResultResponse(run) : undefined);
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
    durationMs: clock.now() - started,
  };
}

function findFlow(request: RunFlowRequest): Flow {
  const flow = request.integration.flows.find((candidate) => candidate.name === request.flowName);
  if (!flow) {
    throw new EngineError(
      'FLOW_NOT_FOUND',
      `integration '${request.integration.name}' has no flow '${request.flowName}' (flows: ${request.integration.flows.map((f) => f.name).join(', ')})`,
    );
  }
  return flow;
}

async function runTriggerAndSteps(run: RunContext, flow: Flow): Promise<void> {
  startFlow(run, flow);
  const depth = run.request.crossFlowDepth ?? 0;
  if (depth > run.limits.crossFlowDepth) {
    throw new EngineError(
      'CROSS_FLOW_DEPTH_EXCEEDED',
      `flows invoked flows ${run.request.crossFlowDepth} levels deep; the limit is ${run.limits.crossFlowDepth} (look for flows that invoke each other in a cycle)`,
    );
  }
  await loadStates(run);
  const triggerBranch = await abortable(run.signal, runTrigger(run, flow.trigger));
  if (triggerBranch !== undefined) await runTriggerBranch(run, flow.trigger, triggerBranch);
  await abortable(run.signal, runSteps(run, flow.steps, 0));
}

/** With no response set by a trigger or a stop-execution step, a succeeded flow answers with its last result. */
function lastResultResponse(run: RunContext): FlowResponse | undefined {
  const last = run.lastResult;
  if (!last) return undefined;
  return {
    statusCode: last.statusCode ?? 200,
    headers: last.headers ?? {},
    ...(last.contentType ? { contentType: last.contentType } : {}),
    body: last.data,
  };
}
