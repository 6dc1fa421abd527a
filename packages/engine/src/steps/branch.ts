import type { Step } from '@weft/definition';
import { abortable } from '../abortable.js';
import type { AttemptRecord } from '../execution-result.js';
import type { StateWrites } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { log } from '../run/run-log.js';
import { record } from '../run/step-records.js';
import { type ActionResult, keepStepResult } from './action.js';
import { runSteps } from './run-steps.js';

/**
 * A branching step succeeded: keep its result, record the branch it chose (`Else` when it chose none), and run that
 * branch's steps. A branch the flow gives no steps is logged and skipped.
 */
export async function runBranch(
  run: RunContext,
  step: Step,
  result: ActionResult,
  attempts: AttemptRecord[],
  depth: number,
  state?: StateWrites,
): Promise<unknown> {
  const data = keepStepResult(run, step, result);
  const branchName = result.branch ?? 'Else';
  const chosen = step.branches?.find((branch) => branch.name === branchName);
  record(run, step, 'succeeded', data, attempts, { branch: branchName }, state);
  if (!chosen)
    log(run, 'info', `step '${step.name}' chose branch '${branchName}', which has no steps`, step.key);
  if (chosen) await runSteps(run, chosen.steps, depth + 1);
  return data;
}

/**
 * Some connectors' triggers branch (a webhook answering a verification request on one branch, notifications on
 * another): the chosen branch's steps run before the flow's other steps.
 */
export async function runTriggerBranch(run: RunContext, trigger: Step, branchName: string): Promise<void> {
  const chosen = trigger.branches?.find((branch) => branch.name === branchName);
  if (!chosen) {
    if (trigger.branches)
      log(
        run,
        'info',
        `trigger '${trigger.name}' chose branch '${branchName}', which has no steps`,
        trigger.key,
      );
    return;
  }
  await abortable(run.signal, runSteps(run, chosen.steps, 1));
}
