import type { Step } from '@weft/definition';
import type { ActionContext } from '@weft/sdk';
import { needsBinaryMarks, replaceBinary } from '../binary-data.js';
import { EngineError } from '../engine-error.js';
import type { StateScope, StateWrites } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { collectStateWrites, sameJson, stateFields } from '../state-changes.js';

/**
 * What a step hands on, checked and kept: its result against the size limits, and the state it wrote.
 */

/** The stored size of a value; undefined when it cannot be stored at all (it refers to itself, or holds a BigInt). */
export function outputSize(value: unknown): number | undefined {
  if (value === undefined) return 0;
  try {
    if (!needsBinaryMarks(value)) return Buffer.byteLength(JSON.stringify(value) ?? '');
    // Binary data counts by its bytes (it is stored as bytes, not as JSON).
    let binaryBytes = 0;
    const json = JSON.stringify(
      replaceBinary(value, (bytes) => {
        binaryBytes += bytes.length;
        return '';
      }),
    );
    return Buffer.byteLength(json ?? '') + binaryBytes;
  } catch {
    return undefined;
  }
}

export function checkOutput(run: RunContext, step: Step, data: unknown): void {
  const size = outputSize(data);
  if (size === undefined) {
    throw new EngineError(
      'STEP_OUTPUT_INVALID',
      `step '${step.name}' returned a result that cannot be stored (an object that refers to itself, or a BigInt); return plain data`,
      step.key,
    );
  }
  if (size > run.limits.stepOutputBytes) {
    throw new EngineError(
      'STEP_OUTPUT_TOO_LARGE',
      `step '${step.name}' returned ${size} bytes; the limit is ${run.limits.stepOutputBytes} bytes (page through the data, or store it elsewhere and pass a reference)`,
      step.key,
    );
  }
}

/**
 * Saves the keys a step's returned state objects set or removed (compared with the stores it was given: per key,
 * see state-changes.ts) through the port, and keeps them for the steps after it; returns what it wrote (with the
 * execution-state operations it applied), for the step's `finished` event.
 */
export async function applyStateChanges(
  run: RunContext,
  result: Record<string, unknown> | undefined,
  context: ActionContext,
): Promise<StateWrites | undefined> {
  const writes = collectStateWrites(run.states, result, context);
  if (!writes) return undefined;
  for (const [scope, changes] of Object.entries(writes) as Array<
    [StateScope, NonNullable<StateWrites[StateScope]>]
  >)
    await run.request.ports.state?.save(scope, changes);
  return writes;
}

/**
 * A trigger's result with the state stores its perform changed in place on the context rather than returned
 * (Spectral's polling triggers keep their state in `context.instanceState` that way).
 */
export function withStatesChangedInPlace(
  run: RunContext,
  context: ActionContext,
  result: object | undefined | null,
): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = { ...(result ?? {}) };
  for (const [field, scope] of stateFields) {
    if (merged[field] !== undefined) continue;
    const current = context[field];
    if (current && typeof current === 'object' && !sameJson(current, run.states[scope]))
      merged[field] = current;
  }
  return merged;
}
