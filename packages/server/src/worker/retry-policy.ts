import type { Flow } from '@weft/definition';
import type { TriggerKind } from '../database/schema.js';

/**
 * A flow's automatic retry (`retryConfig`), Prismatic's way: `maxAttempts` is how many times a failed execution is
 * run again (0 to 10, as validation allows), each a new execution with the same trigger payload and version,
 * linked to the first execution of the chain (`retry_of_id`) and numbered 1, 2, ... (`retry_number`). The first
 * retry waits `delayMinutes`; with exponential backoff each next one waits twice as long (3, 6, 12, ... minutes),
 * never more than 24 hours.
 *
 * Not retried: cancelled executions, and executions whose caller waited for the result and already got the failure
 * (a synchronous flow's webhook call, a cross-flow invocation): Prismatic retries only asynchronous invocations.
 */
export const maxRetryDelayMs = 24 * 60 * 60 * 1000;

export interface RetryCandidate {
  trigger_kind: TriggerKind;
  is_synchronous: boolean;
  retry_number: number;
}

export interface RetryPlan {
  retryNumber: number;
  /** Undefined: at once. */
  runAt?: Date;
}

export function retryPlan(
  flow: Flow | undefined,
  execution: RetryCandidate,
  now = Date.now(),
): RetryPlan | undefined {
  const config = flow?.retryConfig;
  if (!config || !(config.maxAttempts > 0)) return undefined;
  if (execution.trigger_kind === 'crossFlow') return undefined;
  if (execution.trigger_kind === 'webhook' && execution.is_synchronous) return undefined;
  if (execution.retry_number >= config.maxAttempts) return undefined;
  const factor = config.usesExponentialBackoff ? 2 ** execution.retry_number : 1;
  const delayMs = Math.min(Math.max(0, config.delayMinutes) * 60_000 * factor, maxRetryDelayMs);
  return {
    retryNumber: execution.retry_number + 1,
    ...(delayMs > 0 ? { runAt: new Date(now + delayMs) } : {}),
  };
}
