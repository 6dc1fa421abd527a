/** Why an execution or a step failed, with a stable code. */
export const engineErrorCodes = {
  STEP_FAILED: 'A step threw an error (its message is kept).',
  INPUT_INVALID: "An input's value does not fit the type the action declares.",
  COMPONENT_NOT_FOUND: 'A step uses a component the engine cannot load.',
  ACTION_NOT_FOUND: 'A step uses an action or trigger its component does not have.',
  FLOW_NOT_FOUND: 'The flow to run does not exist in the integration.',
  LOOP_INVALID: 'A loop step did not produce a list of items.',
  BREAK_OUTSIDE_LOOP: 'A breakLoop step ran outside any loop.',
  EXECUTION_TIMEOUT: 'The execution ran longer than its time limit.',
  EXECUTION_CANCELLED: 'The execution was cancelled from outside.',
  STEP_OUTPUT_TOO_LARGE: "A step's result is larger than the limit.",
  STEP_OUTPUT_INVALID: "A step's result cannot be stored (it refers to itself, or holds a BigInt).",
  TRIGGER_PAYLOAD_TOO_LARGE: 'The trigger payload is larger than the limit.',
  LOOP_ITERATION_LIMIT: 'A loop ran more iterations than the limit.',
  NESTING_TOO_DEEP: 'Loops and branches nest deeper than the limit.',
  CROSS_FLOW_DEPTH_EXCEEDED: 'Flows invoking flows went deeper than the limit.',
} as const;
export type EngineErrorCode = keyof typeof engineErrorCodes;

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly stepKey?: string,
  ) {
    super(message);
  }
}

/** The error as plain data: what results and logs carry. */
export interface ErrorRecord {
  code: string;
  message: string;
  stepKey?: string;
}

export function errorRecord(error: unknown, stepKey?: string): ErrorRecord {
  if (error instanceof EngineError) {
    return {
      code: error.code,
      message: error.message,
      ...((error.stepKey ?? stepKey) ? { stepKey: error.stepKey ?? stepKey } : {}),
    };
  }
  const message = error instanceof Error ? error.message : describeThrown(error);
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && code !== '' ? code : 'STEP_FAILED',
    message: message || 'the step failed without a message',
    ...(stepKey ? { stepKey } : {}),
  };
}

/** Components may throw anything (`throw 'text'`, `throw {status: 500}`, a cyclic object): describe it, never fail. */
function describeThrown(thrown: unknown): string {
  if (thrown === undefined || thrown === null) return '';
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}
