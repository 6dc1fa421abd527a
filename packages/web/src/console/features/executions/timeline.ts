import type { Execution } from './queries.js';

export type StepRecord = Execution['stepRecords'][number];

export interface Attempt {
  attempt?: number;
  startedAt?: string;
  durationMs?: number | null;
  error?: unknown;
}

/** A step as the timeline draws it: a loop holds its child steps by iteration. */
export interface TimelineStep {
  id: string;
  record: StepRecord;
  start: number | null;
  durationMs: number | null;
  attempts: Attempt[];
  iterations?: Map<number, TimelineStep[]>;
}

export function attemptsOf(record: StepRecord): Attempt[] {
  return record.attempts.filter(
    (attempt): attempt is Attempt => typeof attempt === 'object' && attempt !== null,
  );
}

function toStep(record: StepRecord, index: number): TimelineStep {
  const attempts = attemptsOf(record);
  const starts = attempts
    .map((attempt) => (attempt.startedAt ? new Date(attempt.startedAt).getTime() : Number.NaN))
    .filter((time) => !Number.isNaN(time));
  const durations = attempts.map((attempt) => attempt.durationMs).filter((ms) => typeof ms === 'number');
  const start = starts.length > 0 ? Math.min(...starts) : null;
  const lastStart = starts.length > 0 ? Math.max(...starts) : null;
  const durationMs =
    start !== null && lastStart !== null && durations.length > 0
      ? lastStart - start + (durations.at(-1) as number)
      : null;
  return { id: `${index}`, record, start, durationMs, attempts };
}

/**
 * The execution's step records (run order; a loop's children come per iteration, before the loop's own record,
 * which is stored when the loop ends) as a tree: each loop takes the child records stored since it started.
 */
export function buildTimeline(records: readonly StepRecord[]): TimelineStep[] {
  const pending: TimelineStep[] = [];
  const top: TimelineStep[] = [];
  records.forEach((record, index) => {
    const step = toStep(record, index);
    if (record.iterations !== undefined) {
      const children: TimelineStep[] = [];
      while (pending.length > 0) {
        const last = pending[pending.length - 1] as TimelineStep;
        if (step.start !== null && last.start !== null && last.start < step.start) break;
        children.unshift(pending.pop() as TimelineStep);
      }
      const iterations = new Map<number, TimelineStep[]>();
      for (const child of children) {
        const number = child.record.iteration ?? 0;
        iterations.set(number, [...(iterations.get(number) ?? []), child]);
      }
      step.iterations = iterations;
      // The loop's own record times its bookkeeping only: it lasts until its last child ended.
      const lastEnd = Math.max(...children.map((child) => (child.start ?? 0) + (child.durationMs ?? 0)));
      if (step.start !== null && children.length > 0 && lastEnd - step.start > (step.durationMs ?? 0)) {
        step.durationMs = lastEnd - step.start;
      }
    }
    if (record.iteration !== undefined) pending.push(step);
    else top.push(step);
  });
  // Records of a loop still running (its own record not stored yet) stay top-level rather than vanish.
  top.push(...pending);
  return top.sort((a, b) => (a.start ?? Number.MAX_SAFE_INTEGER) - (b.start ?? Number.MAX_SAFE_INTEGER));
}

export function findStep(steps: readonly TimelineStep[], id: string): TimelineStep | undefined {
  for (const step of steps) {
    if (step.id === id) return step;
    for (const children of step.iterations?.values() ?? []) {
      const found = findStep(children, id);
      if (found) return found;
    }
  }
  return undefined;
}

/** The latest end of any step, nested ones included (ms since the epoch). */
export function lastEndOf(steps: readonly TimelineStep[]): number {
  let end = 0;
  for (const step of steps) {
    if (step.start !== null) end = Math.max(end, step.start + (step.durationMs ?? 0));
    for (const children of step.iterations?.values() ?? []) end = Math.max(end, lastEndOf(children));
  }
  return end;
}
