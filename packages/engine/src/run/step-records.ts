import type { Step } from '@weft/definition';
import type { ErrorRecord } from '../engine-error.js';
import type { AttemptRecord, StepRecord } from '../execution-result.js';
import type { StateWrites } from '../ports.js';
import type { RunContext } from './run-context.js';

/**
 * Starts timing one attempt of a step on the execution's clock; the function it answers ends the attempt and
 * answers its record, with the failure when it failed.
 */
export function startAttempt(run: RunContext, attempt: number): (failure?: ErrorRecord) => AttemptRecord {
  const startedAt = run.clock.now();
  return (failure) => ({
    attempt,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: run.clock.now() - startedAt,
    ...(failure ? { error: failure } : {}),
  });
}

/**
 * Adds a step's record (masked) to the execution's, and sends it with the state the step wrote as the step's
 * `finished` event. Its duration is its attempts' (retry delays are not in it).
 */
export function record(
  run: RunContext,
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
function innermostIteration(run: RunContext, stepKey: string): number | undefined {
  let index: number | undefined;
  // Loops enter the map as they start and leave it as they end: the last one in is the innermost.
  for (const [key, loop] of run.scope.loops) if (key !== stepKey) index = loop.index;
  return index;
}
