import { setMaxListeners } from 'node:events';
import { EngineError } from '../engine-error.js';
import type { ExecutionLimits } from '../limits.js';
import type { Clock } from '../ports.js';

/**
 * The signal an execution runs under. It aborts when the caller cancels, when the execution time limit passes on
 * the clock, and when the execution ends, so that nothing a step left running outlives its execution. Its reason
 * says which (an `EngineError`): steps see it as `context.signal`.
 */
export interface ExecutionSignal {
  signal: AbortSignal;
  /** The execution ended: stop the time limit, stop listening to the caller, abort what steps left running. */
  end(): void;
}

export function executionSignal(
  cancel: AbortSignal | undefined,
  limits: ExecutionLimits,
  clock: Clock,
): ExecutionSignal {
  const controller = new AbortController();
  // Every step, retry delay, HTTP call and cross-flow call of a long execution listens to this one signal (the time
  // limit itself keeps two listeners): Node's warning at 11 listeners would be noise, not a leak.
  setMaxListeners(0, controller.signal);
  // The time limit is a sleep on the execution's own signal: ending the execution (or cancelling it) ends the
  // sleep, and a fake clock fires it when a test moves time past it.
  clock.sleep(limits.executionTimeMs, controller.signal).then(
    () =>
      controller.abort(
        new EngineError(
          'EXECUTION_TIMEOUT',
          `the execution ran longer than ${limits.executionTimeMs} ms and was stopped`,
        ),
      ),
    () => {
      // The execution ended, or was cancelled, before its time was up.
    },
  );
  const onCancel = () =>
    controller.abort(new EngineError('EXECUTION_CANCELLED', 'the execution was cancelled'));
  if (cancel?.aborted) onCancel();
  cancel?.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    end: () => {
      cancel?.removeEventListener('abort', onCancel);
      controller.abort(new EngineError('EXECUTION_CANCELLED', 'the execution has ended'));
    },
  };
}
