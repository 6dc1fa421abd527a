/** The components that steer a flow: loop, branch, stop-execution, log, sleep, cross-flow. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext, KeyValuePair } from '@weft/sdk';
import { action, component, input } from '@weft/sdk';
import { evaluateCondition, looselyEqual } from './conditions.js';

const LOOP_N_TIMES_CEILING = 1_000_000;

export const loopComponent = component({
  key: 'loop',
  public: true,
  display: { label: 'Loop', description: 'Run child steps once per item of a list, or N times' },
  actions: {
    loopOverItems: action({
      display: { label: 'Loop Over Items', description: 'Run the child steps once for each item of a list.' },
      loop: true,
      inputs: {
        items: input({
          label: 'Items',
          type: 'data',
          comments: 'The list to loop over, usually a reference to an earlier step.',
        }),
      },
      perform: async (_context, { items }) => {
        const list = typeof items === 'string' && items.trim().startsWith('[') ? JSON.parse(items) : items;
        if (list === undefined || list === null) return { data: [] };
        if (!Array.isArray(list))
          throw new Error(`Loop Over Items needs a list of items, got ${typeof list}`);
        return { data: list };
      },
    }),
    loopNTimes: action({
      display: {
        label: 'Loop N Times',
        description: 'Run the child steps N times, or until a Break Loop step runs.',
      },
      loop: true,
      inputs: {
        iterationCount: input({
          label: 'Number of Iterations',
          type: 'number',
          default: '1000',
          comments: 'How many times to run the child steps.',
        }),
      },
      perform: async (_context, { iterationCount }) => {
        const count = iterationCount ?? 0;
        if (!Number.isInteger(count) || count < 0)
          throw new Error(`Number of Iterations must be a whole number of at least 0, got ${count}`);
        if (count > LOOP_N_TIMES_CEILING)
          throw new Error(`Number of Iterations is ${count}; at most ${LOOP_N_TIMES_CEILING} are allowed`);
        return { data: Array.from({ length: count }, (_, index) => index) };
      },
    }),
    breakLoop: action({
      display: { label: 'Break Loop', description: 'Leave the innermost loop; execution resumes after it.' },
      breakLoop: true,
      inputs: {},
      perform: async () => ({ data: null }),
    }),
  },
});

function chosen(branch: string) {
  return { data: { branch }, branch };
}

export const branchComponent = component({
  key: 'branch',
  public: true,
  display: { label: 'Branch', description: 'Run one of several branches of steps' },
  actions: {
    branchOnExpression: action({
      display: {
        label: 'Branch on Expression',
        description: 'Run the first branch whose condition is true, else the Else branch.',
      },
      allowsBranching: true,
      staticBranchNames: ['Else'],
      dynamicBranchInput: 'conditions',
      inputs: {
        conditions: input({
          label: 'Conditions',
          type: 'conditional',
          comments: 'Named conditions; each name is a branch.',
        }),
      },
      perform: async (_context, { conditions }) => {
        for (const entry of (conditions as KeyValuePair[] | undefined) ?? []) {
          if (evaluateCondition(entry.value)) return chosen(entry.key);
        }
        return chosen('Else');
      },
    }),
    branchOnValue: action({
      display: {
        label: 'Branch on Value',
        description: 'Run the branch whose value equals the input value, else the Else branch.',
      },
      allowsBranching: true,
      staticBranchNames: ['Else'],
      dynamicBranchInput: 'branchValueMappings',
      inputs: {
        inputValue: input({
          label: 'Input Value',
          type: 'data',
          comments: 'The value to compare with each branch value.',
        }),
        branchValueMappings: input({
          label: 'Branch Value Mappings',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'Branch names and the value that selects each.',
        }),
      },
      perform: async (_context, { inputValue, branchValueMappings }) => {
        const match = branchValueMappings.find((mapping) => looselyEqual(inputValue, mapping.value));
        return chosen(match ? match.key : 'Else');
      },
    }),
    selectExecutedStepResult: action({
      display: {
        label: 'Select Executed Step Result',
        description: 'The first of several step results that exists (the branch that ran).',
      },
      inputs: {
        stepResults: input({
          label: 'Step Results',
          type: 'data',
          collection: 'valuelist',
          comments: 'References to the last step of each branch.',
        }),
      },
      perform: async (_context, { stepResults }) => ({
        data: stepResults.find((result) => result !== undefined && result !== null) ?? null,
      }),
    }),
  },
});

export const stopExecutionComponent = component({
  key: 'stop-execution',
  public: true,
  display: { label: 'Stop Execution', description: 'End the execution, optionally with an HTTP response' },
  actions: {
    stopExecution: action({
      display: {
        label: 'Stop Execution',
        description: 'End the execution now; synchronous callers get this response.',
      },
      terminateExecution: true,
      inputs: {
        statusCode: input({
          label: 'Status Code',
          type: 'number',
          default: '200',
          comments: 'The HTTP status of the response.',
        }),
        jsonBody: input({ label: 'Response Body', type: 'text', comments: 'The body of the response.' }),
        contentType: input({
          label: 'Content Type',
          type: 'string',
          default: 'application/json',
          comments: 'The content type of the body.',
        }),
        headers: input({
          label: 'Headers',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'Response headers.',
        }),
      },
      perform: async (_context, { statusCode, jsonBody, contentType, headers }) => ({
        data: jsonBody ?? null,
        statusCode: statusCode ?? 200,
        contentType: contentType || 'application/json',
        headers: Object.fromEntries(headers.map((header) => [header.key, String(header.value)])),
      }),
    }),
  },
});

const levels = ['debug', 'info', 'warn', 'error'] as const;

export const logComponent = component({
  key: 'log',
  public: true,
  display: { label: 'Log', description: 'Write to the execution log' },
  actions: {
    writeLog: action({
      display: {
        label: 'Write Log Message',
        description: 'Write a message to the execution log at a level.',
      },
      inputs: {
        level: input({
          label: 'Log Level',
          type: 'picklist',
          default: 'info',
          model: levels.map((value) => ({ label: value, value })),
          comments: 'debug, info, warn or error.',
        }),
        message: input({ label: 'Message', type: 'text', comments: 'The text to log.' }),
      },
      perform: async (context, { level, message }) => {
        const chosenLevel = (levels as readonly string[]).includes(level)
          ? (level as (typeof levels)[number])
          : 'info';
        context.logger[chosenLevel](message ?? '');
        return { data: null };
      },
    }),
    writeMetric: action({
      display: { label: 'Write Metric', description: 'Write a metric (JSON) to the execution log.' },
      inputs: {
        metrics: input({ label: 'Metrics', type: 'data', comments: 'An object of metric names and values.' }),
      },
      perform: async (context, { metrics }) => {
        context.logger.metric(metrics);
        return { data: null };
      },
    }),
  },
});

const SLEEP_CEILING_MS = 15 * 60 * 1000;

/**
 * Waits on the engine's clock (`context.clock`, which a test may replace with a fake one), or on a real timer when the
 * action runs without the engine. Either way, stopping the execution ends the wait with the signal's reason (the
 * engine's EXECUTION_CANCELLED), as the engine's own clock does: Node's timer would reject with an AbortError that
 * only wraps it.
 */
async function sleepFor(context: ActionContext, ms: number): Promise<void> {
  const { signal, clock } = context as ActionContext & {
    signal?: AbortSignal;
    clock?: { sleep(ms: number, signal: AbortSignal): Promise<void> };
  };
  if (clock) return clock.sleep(ms, signal ?? new AbortController().signal);
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

export const sleepComponent = component({
  key: 'sleep',
  public: true,
  display: { label: 'Sleep', description: 'Wait before the next step' },
  actions: {
    sleep: action({
      display: { label: 'Sleep', description: 'Wait a number of milliseconds.' },
      inputs: {
        ms: input({
          label: 'Milliseconds',
          type: 'number',
          default: '1000',
          comments: 'How long to wait, at most 15 minutes.',
        }),
      },
      perform: async (context, { ms }) => {
        const wait = ms ?? 0;
        if (wait < 0 || wait > SLEEP_CEILING_MS)
          throw new Error(`Milliseconds must be from 0 to ${SLEEP_CEILING_MS}, got ${wait}`);
        await sleepFor(context, wait);
        return { data: null };
      },
    }),
  },
});

export const crossFlowComponent = component({
  key: 'cross-flow',
  public: true,
  display: { label: 'Cross Flow', description: 'Invoke other flows of the same instance' },
  actions: {
    invokeFlow: action({
      display: { label: 'Invoke Flow', description: 'Run another flow of this instance and get its result.' },
      inputs: {
        flowName: input({ label: 'Flow Name', type: 'string', comments: 'The name of the flow to run.' }),
        data: input({ label: 'Data', type: 'data', comments: 'The payload the invoked flow receives.' }),
      },
      perform: async (context, { flowName, data }) => {
        if (!flowName) throw new Error('Flow Name is empty: name the flow to invoke');
        const payload =
          data && typeof data === 'object' && !Array.isArray(data)
            ? (data as Record<string, unknown>)
            : { data };
        const response = await context.invokeFlow(flowName, payload);
        return { data: response.data };
      },
    }),
  },
  triggers: {
    crossFlow: {
      display: { label: 'Cross Flow Trigger', description: 'Starts the flow when another flow invokes it.' },
      inputs: {},
      perform: async (_context, payload) => ({ payload }),
    },
  },
});
