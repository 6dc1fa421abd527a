import type { Step } from '@weft/definition';
import type { ComponentAction } from '@weft/sdk';
import { bytesOf } from '../binary-data.js';
import type { AttemptRecord } from '../execution-result.js';
import type { StateWrites } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { record } from '../run/step-records.js';
import { BreakLoop, StopExecution } from '../run/unwinding.js';
import { actionContext, stepParams } from './step-context.js';
import { applyStateChanges, checkOutput, withStatesChangedInPlace } from './step-output.js';

/** What an action answers, once a bare value is taken as its data. */
export type ActionResult = {
  data?: unknown;
  branch?: string;
  statusCode?: number;
  headers?: Record<string, string>;
  contentType?: string;
} & Record<string, unknown>;

/**
 * Runs a step's action once: its inputs resolved, its result checked against the limits and its state writes
 * saved. Error handling (`error-handling.ts`) decides what a throw from here means for the step.
 */
export async function performAction(
  run: RunContext,
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

/**
 * Keeps an action's result as the step's result, for the steps after it to address, and as the flow's response
 * should no later step answer. Answers the step's result.
 */
export function keepStepResult(run: RunContext, step: Step, result: ActionResult): unknown {
  const returned = result.data ?? null;
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
  return data;
}

/**
 * A plain action step (neither loop nor branch) succeeded: keep and record its result, then act on what the action
 * is marked to do to the flow around it (leave the loop, end the execution).
 */
export function completeAction(
  run: RunContext,
  step: Step,
  action: ComponentAction,
  result: ActionResult,
  attempts: AttemptRecord[],
  state?: StateWrites,
): unknown {
  const data = keepStepResult(run, step, result);
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
