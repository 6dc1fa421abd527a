/** The platform triggers: webhooks, schedules, instance life cycle, and recursive flows. */
import type { HttpResponse, KeyValuePair, TriggerPayload } from '@weft/sdk';
import { action, component, input, trigger } from '@weft/sdk';

const passThrough = async (_context: unknown, payload: TriggerPayload) => ({ payload });

export const webhookTriggersComponent = component({
  key: 'webhook-triggers',
  public: true,
  display: { label: 'Webhook', description: 'Start a flow with an HTTP request to its webhook URL' },
  triggers: {
    webhook: trigger({
      display: {
        label: 'Webhook',
        description: 'Runs the flow for each request; synchronous flows can answer with a custom response.',
      },
      inputs: {
        body: input({
          label: 'Response Body',
          type: 'text',
          comments: 'The body sent back to synchronous callers.',
        }),
        contentType: input({
          label: 'Response Content Type',
          type: 'string',
          comments: 'The content type of that body.',
        }),
        headers: input({
          label: 'Response Headers',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'Headers sent back.',
        }),
        statusCode: input({
          label: 'Response Status Code',
          type: 'number',
          comments: 'The HTTP status sent back.',
        }),
      },
      perform: async (_context, payload, { body, contentType, headers, statusCode }) => {
        const response = webhookTriggerResponse({ body, contentType, headers, statusCode });
        return response ? { payload, response } : { payload };
      },
    }),
  },
});

/**
 * The response the webhook trigger's inputs describe, or undefined when they describe none. Prismatic exports
 * every response input, empty when unset (`body: ""`, `statusCode: ""`, `headers: []`): empty means "not set", so
 * a synchronous flow then answers with its last step's result, as Prismatic's does.
 */
function webhookTriggerResponse(inputs: {
  body: unknown;
  contentType: unknown;
  headers: unknown;
  statusCode: unknown;
}): HttpResponse | undefined {
  const isSet = (value: unknown) => value !== undefined && value !== null && value !== '';
  const pairs = ((inputs.headers as KeyValuePair[] | undefined) ?? []).filter((pair) => isSet(pair.key));
  const { body, contentType, statusCode } = inputs;
  if (!isSet(body) && !isSet(contentType) && !isSet(statusCode) && pairs.length === 0) return undefined;
  return {
    statusCode: isSet(statusCode) ? Number(statusCode) : 200,
    contentType: isSet(contentType) ? String(contentType) : 'application/json',
    headers: Object.fromEntries(pairs.map((pair) => [pair.key, String(pair.value)])),
    body: isSet(body) ? String(body) : '',
  };
}

export const scheduleTriggersComponent = component({
  key: 'schedule-triggers',
  public: true,
  display: { label: 'Schedule', description: 'Start a flow on a schedule' },
  triggers: {
    schedule: trigger({
      display: { label: 'Schedule', description: 'Runs the flow at the times of its cron schedule.' },
      inputs: {},
      scheduleSupport: 'required',
      perform: passThrough,
    }),
  },
});

const lifecycle = (label: string, description: string) =>
  trigger({ display: { label, description }, inputs: {}, scheduleSupport: 'invalid', perform: passThrough });

export const managementTriggersComponent = component({
  key: 'management-triggers',
  public: true,
  display: {
    label: 'Management Triggers',
    description: 'Start a flow when an instance is deployed or removed',
  },
  triggers: {
    instanceDeploy: lifecycle('Instance Deploy', 'Runs the flow when an instance is deployed.'),
    instanceRemove: lifecycle('Instance Remove', 'Runs the flow when an instance is removed.'),
    userLevelConfigDeploy: lifecycle(
      'User Level Config Deploy',
      "Runs the flow when a customer user's configuration is deployed.",
    ),
    userLevelConfigRemove: lifecycle(
      'User Level Config Remove',
      "Runs the flow when a customer user's configuration is removed.",
    ),
  },
});

const CURSOR_KEY = '__recursiveFlowCursor';

export const recursiveFlowComponent = component({
  key: 'recursive-flow',
  public: true,
  display: {
    label: 'Recursive Flow',
    description: 'Process large data sets by a flow invoking itself with a cursor',
  },
  actions: {
    getCursor: action({
      display: { label: 'Get Cursor', description: 'The cursor this execution received.' },
      inputs: {},
      perform: async (context) => ({ data: context.executionState[CURSOR_KEY] ?? null }),
    }),
    setCursor: action({
      display: { label: 'Set Cursor', description: 'The cursor the next execution will receive.' },
      inputs: {
        cursor: input({ label: 'Cursor', type: 'data', comments: 'Where the next execution continues.' }),
      },
      perform: async (context, { cursor }) => ({
        data: cursor,
        executionState: { ...context.executionState, [CURSOR_KEY]: cursor },
      }),
    }),
    invokeRecursive: action({
      display: { label: 'Invoke Recursive', description: 'Run this flow again with the current cursor.' },
      inputs: {},
      perform: async (context) => {
        const response = await context.invokeFlow(context.flow.name, {
          cursor: context.executionState[CURSOR_KEY] ?? null,
        });
        return { data: response.data };
      },
    }),
  },
  triggers: {
    recursiveTrigger: trigger({
      display: {
        label: 'Recursive Trigger',
        description: 'Starts the flow with the cursor it was invoked with, or the default.',
      },
      inputs: {
        defaultCursor: input({
          label: 'Default Cursor',
          type: 'string',
          comments: 'The cursor of the first execution.',
        }),
        runOnDeploy: input({
          label: 'Run on Deploy',
          type: 'boolean',
          comments: 'Start the flow when the instance is deployed.',
        }),
      },
      perform: async (context, payload, { defaultCursor }) => {
        const data = payload.body.data as { cursor?: unknown } | null | undefined;
        const cursor =
          data && typeof data === 'object' && 'cursor' in data ? data.cursor : (defaultCursor ?? null);
        return { payload, executionState: { ...context.executionState, [CURSOR_KEY]: cursor } };
      },
    }),
  },
});
