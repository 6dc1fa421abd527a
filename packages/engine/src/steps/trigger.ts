import type { Step } from '@weft/definition';
import type { TriggerPayload } from '@weft/sdk';
import { EngineError, errorRecord } from '../engine-error.js';
import type { FlowResponse } from '../execution-result.js';
import type { RunContext } from '../run/run-context.js';
import { log } from '../run/run-log.js';
import { record, startAttempt } from '../run/step-records.js';
import { StopExecution } from '../run/unwinding.js';
import { actionContext, loadComponent, stepParams } from './step-context.js';
import { applyStateChanges, checkOutput, outputSize, withStatesChangedInPlace } from './step-output.js';

/**
 * Runs the flow's trigger on the request that set it off; its result (the payload) is what the steps read as the
 * trigger's. For a trigger that branches, answers the branch it chose. Triggers are not retried: one attempt.
 */
export async function runTrigger(run: RunContext, step: Step): Promise<string | undefined> {
  const request = run.request;
  const payload = triggerPayload(run, step);
  const component = await loadComponent(run, step);
  const definition = component.triggers[step.action.key];
  if (!definition) {
    throw new EngineError(
      'ACTION_NOT_FOUND',
      `component '${component.key}' has no trigger '${step.action.key}'`,
      step.key,
    );
  }
  const endAttempt = startAttempt(run, 1);
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
    if (result?.response) run.response = triggerResponse(result.response);
    // A trigger that branches chooses the branch whose steps run before the flow's other steps (`runTriggerBranch`).
    const branch = definition.allowsBranching
      ? ((result as { branch?: unknown } | undefined)?.branch ?? 'Else')
      : undefined;
    record(
      run,
      step,
      'succeeded',
      results,
      [endAttempt()],
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
    record(run, step, 'failed', null, [endAttempt(failure)]);
    // The execution's error names the trigger, as it names any failing step.
    if (error instanceof EngineError)
      throw error.stepKey ? error : new EngineError(error.code, error.message, step.key);
    throw new EngineError('STEP_FAILED', `trigger '${step.name}' failed: ${failure.message}`, step.key);
  }
}

/** What the trigger is given: the request (within the payload limit) and who the execution is for. */
function triggerPayload(run: RunContext, step: Step): TriggerPayload {
  const trigger = run.request.trigger ?? {};
  const rawBody = trigger.rawBody ?? trigger.body ?? { data: null };
  const rawSize = outputSize(rawBody.data) ?? 0;
  if (rawSize > run.limits.triggerPayloadBytes) {
    throw new EngineError(
      'TRIGGER_PAYLOAD_TOO_LARGE',
      `the trigger payload is ${rawSize} bytes; the limit is ${run.limits.triggerPayloadBytes} bytes`,
      step.key,
    );
  }
  return {
    headers: trigger.headers ?? {},
    queryParameters: trigger.queryParameters ?? {},
    rawBody,
    body: trigger.body ?? rawBody,
    pathFragment: trigger.pathFragment ?? '',
    ...run.identity,
    globalDebug: false,
  };
}

/** The HTTP response a trigger set (a webhook trigger's response inputs, a custom trigger's `response`). */
function triggerResponse(set: unknown): FlowResponse {
  const response = set as {
    statusCode?: number;
    headers?: Record<string, string>;
    contentType?: string;
    body?: unknown;
  };
  return {
    statusCode: response.statusCode ?? 200,
    headers: response.headers ?? {},
    ...(response.contentType ? { contentType: response.contentType } : {}),
    body: response.body,
  };
}
