import type { Step } from '@weft/definition';
import { EngineError } from '../engine-error.js';
import type { AttemptRecord } from '../execution-result.js';
import type { StateWrites } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { record } from '../run/step-records.js';
import { BreakLoop, StopExecution } from '../run/unwinding.js';
import { runSteps } from './run-steps.js';

/**
 * A loop step's action answered its items: run the loop's steps once per item, with `<loop>.currentItem` and
 * `.index` in scope. The loop's result is the list of each iteration's last result; a breakLoop step inside ends
 * it early.
 */
export async function runLoop(
  run: RunContext,
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

function checkLoopItems(run: RunContext, step: Step, items: unknown): asserts items is unknown[] {
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
