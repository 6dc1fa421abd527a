// Issue 5 (executions): when a failed execution is retried, and how long each retry waits (Prismatic's rules).
import type { Flow } from '@weft/definition';
import { describe, expect, it } from 'vitest';
import { maxRetryDelayMs, retryPlan } from '../src/worker/retry-policy.js';

const now = Date.parse('2026-01-01T10:24:00Z');
const flow = (retryConfig?: Flow['retryConfig']) => ({ retryConfig }) as Flow;
const failed = (
  retry_number: number,
  trigger_kind: 'test' | 'webhook' | 'crossFlow' = 'webhook',
  sync = false,
) => ({
  retry_number,
  trigger_kind,
  is_synchronous: sync,
});
const waitMinutes = (plan: ReturnType<typeof retryPlan>) =>
  plan?.runAt ? (plan.runAt.getTime() - now) / 60_000 : plan ? 0 : undefined;

describe('retry policy', () => {
  it('retries maxAttempts times, numbering the retries 1, 2, ...', () => {
    const config = flow({ maxAttempts: 2, delayMinutes: 0, usesExponentialBackoff: false });
    expect(retryPlan(config, failed(0), now)).toEqual({ retryNumber: 1 });
    expect(retryPlan(config, failed(1), now)).toEqual({ retryNumber: 2 });
    expect(retryPlan(config, failed(2), now)).toBeUndefined();
  });

  it('waits delayMinutes, doubling each time with exponential backoff, never more than 24 hours', () => {
    const fixed = flow({ maxAttempts: 10, delayMinutes: 3, usesExponentialBackoff: false });
    expect([0, 1, 2].map((n) => waitMinutes(retryPlan(fixed, failed(n), now)))).toEqual([3, 3, 3]);
    const doubling = flow({ maxAttempts: 10, delayMinutes: 3, usesExponentialBackoff: true });
    expect([0, 1, 2, 3, 4].map((n) => waitMinutes(retryPlan(doubling, failed(n), now)))).toEqual([
      3, 6, 12, 24, 48,
    ]);
    const long = flow({ maxAttempts: 10, delayMinutes: 60, usesExponentialBackoff: true });
    expect(retryPlan(long, failed(9), now)?.runAt?.getTime()).toBe(now + maxRetryDelayMs);
  });

  it('does not retry without retryConfig, with maxAttempts 0, or when the caller already got the failure', () => {
    const config = flow({ maxAttempts: 3, delayMinutes: 0, usesExponentialBackoff: false });
    expect(retryPlan(flow(), failed(0), now)).toBeUndefined();
    expect(
      retryPlan(flow({ maxAttempts: 0, delayMinutes: 1, usesExponentialBackoff: false }), failed(0), now),
    ).toBeUndefined();
    expect(retryPlan(config, failed(0, 'webhook', true), now)).toBeUndefined();
    expect(retryPlan(config, failed(0, 'crossFlow'), now)).toBeUndefined();
    expect(retryPlan(config, failed(0, 'test', true), now)).toEqual({ retryNumber: 1 });
  });
});
