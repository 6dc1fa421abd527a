import type { ErrorConfig, Step } from '@weft/definition';
import type { ComponentAction } from '@weft/sdk';
import { EngineError, type ErrorRecord, errorRecord } from '../engine-error.js';
import type { AttemptRecord } from '../execution-result.js';
import type { StateWrites } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { log } from '../run/run-log.js';
import { record, startAttempt } from '../run/step-records.js';
import { type ActionResult, performAction } from './action.js';
import { refreshAfterFailure, reportConnectionError } from './connection-recovery.js';

/**
 * Runs the step's action under its errorConfig: `fail` (the default) ends the execution, `ignore` makes the error
 * the step's result, `retry` runs it again after a delay on the clock (doubling each time with exponential backoff)
 * and then fails or ignores. Every attempt lands in `attempts`; a step that fails for good (or is cut short by a
 * limit or cancellation) is recorded before the throw.
 */
export async function performWithErrorHandling(
  run: RunContext,
  step: Step,
  action: ComponentAction,
  attempts: AttemptRecord[],
): Promise<{ result: ActionResult; state?: StateWrites } | { ignored: unknown }> {
  const config = step.errorConfig;
  const maxAttempts = config?.errorHandlerType === 'retry' ? Math.max(1, config.maxAttempts ?? 1) : 1;
  let refreshedConnections = false;
  for (let attempt = 1; ; attempt += 1) {
    const endAttempt = startAttempt(run, attempt);
    let failure: ErrorRecord;
    let thrown: unknown;
    try {
      const { result, state } = await performAction(run, step, action);
      attempts.push(endAttempt());
      return { result, state };
    } catch (error) {
      thrown = run.signal.aborted ? run.signal.reason : error;
      failure = errorRecord(thrown, step.key);
      attempts.push(endAttempt(failure));
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
      const delayMs = retryDelayMs(config, attempt);
      log(
        run,
        'warn',
        `step '${step.name}' failed (attempt ${attempt} of ${maxAttempts}): ${failure.message}; retrying in ${delayMs} ms`,
        step.key,
      );
      try {
        await run.clock.sleep(delayMs, run.signal);
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
    // The failure in the log too, at the step, so whoever reads the logs (or follows them) sees why the run stopped.
    if (!run.signal.aborted) log(run, 'error', `step '${step.name}' failed: ${failure.message}`, step.key);
    record(run, step, 'failed', null, attempts);
    if (!handled) throw thrown;
    if (thrown instanceof EngineError)
      throw thrown.stepKey ? thrown : new EngineError(thrown.code, thrown.message, step.key);
    throw new EngineError('STEP_FAILED', `step '${step.name}' failed: ${failure.message}`, step.key);
  }
}

/** The wait before attempt `attempt + 1`: `delaySeconds`, doubled after each failure with exponential backoff. */
function retryDelayMs(config: ErrorConfig | undefined, attempt: number): number {
  return (config?.delaySeconds ?? 0) * 1000 * (config?.usesExponentialBackoff ? 2 ** (attempt - 1) : 1);
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
