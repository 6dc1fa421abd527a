import type { FlowResponse } from '../execution-result.js';

/**
 * Control flow that unwinds the step runner, thrown rather than returned so that every level between the step and
 * the loop or execution it ends (nested branches, loops, their records) lets it through on the way.
 */

/** A breakLoop step ran: leave the innermost loop. */
export class BreakLoop {}

/** A stop-execution step ran, or a polling trigger found nothing new: end the execution with this response. */
export class StopExecution {
  constructor(readonly response: FlowResponse | undefined) {}
}
