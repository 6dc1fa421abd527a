import type { Step } from '@weft/definition';
import { EngineError } from '../engine-error.js';
import type { AttemptRecord } from '../execution-result.js';
import type { RunContext } from '../run/run-context.js';
import { completeAction } from './action.js';
import { runBranch } from './branch.js';
import { performWithErrorHandling } from './error-handling.js';
import { runLoop } from './loop.js';
import { loadComponent } from './step-context.js';

/** Runs steps in series; the result of the last one is what a loop iteration yields. */
export async function runSteps(run: RunContext, steps: Step[], depth: number): Promise<unknown> {
  let last: unknown = null;
  for (const step of steps) {
    if (run.signal.aborted) throw run.signal.reason;
    last = await runStep(run, step, depth);
  }
  return last;
}

/**
 * Runs one step: its action under its error handling, then, by what the action is, the loop over its items, the
 * branch it chose, or nothing more. `depth` counts the loops and branches around it.
 */
async function runStep(run: RunContext, step: Step, depth: number): Promise<unknown> {
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
  const { result, state } = outcome;
  if (action.loop) return runLoop(run, step, result.data ?? null, attempts, depth, state);
  if (action.allowsBranching) return runBranch(run, step, result, attempts, depth, state);
  return completeAction(run, step, action, result, attempts, state);
}
