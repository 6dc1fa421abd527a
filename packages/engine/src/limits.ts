/** The limits every execution runs under. Each one breached ends the execution with its own error code. */
export interface ExecutionLimits {
  /** Total running time of one execution. */
  executionTimeMs: number;
  /** Size of one step's result (JSON text, or bytes for binary data). */
  stepOutputBytes: number;
  /** Size of the trigger payload's raw body. */
  triggerPayloadBytes: number;
  /** Iterations of one loop step (each run of the loop counts anew). */
  loopIterations: number;
  /** Loops and branches inside loops and branches. */
  nestingDepth: number;
  /** Flows invoking flows invoking flows. */
  crossFlowDepth: number;
  /** Log lines kept per execution; later lines are counted, not kept. */
  logEntries: number;
}

export const defaultLimits: ExecutionLimits = {
  executionTimeMs: 15 * 60 * 1000,
  stepOutputBytes: 50 * 1024 * 1024,
  triggerPayloadBytes: 50 * 1024 * 1024,
  loopIterations: 100_000,
  nestingDepth: 32,
  crossFlowDepth: 10,
  logEntries: 10_000,
};
