/**
 * The `code` component: JavaScript written into the step itself, as in Prismatic's code step
 * (`module.exports = async (context, stepResults) => { return { data } }`), run in the QuickJS sandbox.
 *
 * The code receives a JSON copy of the safe parts of the context (config variables, read-only copies of the four
 * state stores, customer, instance, user, integration, flow, ids, webhook URLs, `debug.enabled`) with bridged host
 * functions for `logger.*`, `debug.timeElapsed.*`, `debug.memoryUsage` and `invokeFlow`; and `stepResults`, every
 * earlier step's result by step key as the engine provides it (`stepResults.fetchUsers.results`). `console.*` goes to
 * the step's logger too. State changes are made by returning them (`{ data, executionState: {...} }`).
 *
 * Files keep their bytes: binary data in `stepResults` arrives as a `Buffer` (Node's, as Prismatic code steps
 * expect: `stepResults.readFile.results.data.toString('base64')`), and a returned `Buffer`/`Uint8Array` comes back
 * as a Buffer, so `{ data: stepResults.readFile.results.data, contentType }` passes a file through unchanged.
 */

import type { DataSourceContext, JSONForm, TriggerPayload, TriggerResult } from '@weft/sdk';
import {
  type ActionContext,
  type ActionPerformReturn,
  action,
  component,
  dataSource,
  input,
  trigger,
} from '@weft/sdk';
import { runSandboxedModule, type SandboxLogLevel } from '../code/sandbox.js';

const actionTemplate = `module.exports = async ({ logger, configVars }, stepResults) => {
  return { data: null };
};`;

const triggerTemplate = `module.exports = async ({ logger, configVars }, payload) => {
  return { payload };
};`;

const jsonFormTemplate = `module.exports = async ({ logger, configVars }, { connection, contextValue }) => {
  return { schema: { type: "object", properties: {} }, uiSchema: { type: "VerticalLayout", elements: [] }, data: {} };
};`;

/** Keys of an action's return object; an object with none of them is the data itself. */
const ACTION_RESULT_KEYS = [
  'data',
  'contentType',
  'statusCode',
  'headers',
  'instanceState',
  'crossFlowState',
  'executionState',
  'integrationState',
  'branch',
  'failed',
  'error',
];
const TRIGGER_RESULT_KEYS = [
  'payload',
  'response',
  'branch',
  'instanceState',
  'crossFlowState',
  'executionState',
  'integrationState',
  'polledNoChanges',
];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

const LOGGER_LEVELS = ['metric', 'trace', 'debug', 'info', 'log', 'warn', 'error'] as const;

/** The first argument the code receives: data copied in, and functions bridged to the real context. */
function sandboxContext(context: ActionContext): Record<string, unknown> {
  const logger: Record<string, (...args: unknown[]) => void> = {};
  for (const level of LOGGER_LEVELS) {
    logger[level] = (...args: unknown[]) => (context.logger?.[level] ?? context.logger?.log)?.(...args);
  }
  const debug = context.debug;
  return {
    logger,
    configVars: context.configVars,
    instanceState: context.instanceState,
    crossFlowState: context.crossFlowState,
    executionState: context.executionState,
    integrationState: context.integrationState,
    customer: context.customer,
    instance: context.instance,
    user: context.user,
    integration: context.integration,
    flow: context.flow,
    executionId: context.executionId,
    stepId: context.stepId,
    startedAt: context.startedAt,
    invokeUrl: context.invokeUrl,
    webhookUrls: context.webhookUrls,
    webhookApiKeys: context.webhookApiKeys,
    executionFrame: context.executionFrame,
    debug: {
      enabled: debug?.enabled === true,
      timeElapsed: {
        mark: (_context: unknown, label: string) => debug?.timeElapsed.mark(context, label),
        measure: (_context: unknown, label: string, marks: { start: string; end: string }) =>
          debug?.timeElapsed.measure(context, label, marks),
      },
      memoryUsage: (_context: unknown, label: string, showDetail?: boolean) =>
        debug?.memoryUsage(context, label, showDetail),
    },
    invokeFlow: (
      flowName: string,
      data?: Record<string, unknown>,
      config?: { headers?: Record<string, string> },
      source?: string,
    ) => context.invokeFlow(flowName, data, config, source),
  };
}

function sandboxOptions(context: ActionContext) {
  return {
    signal: (context as { signal?: AbortSignal }).signal,
    log: (level: SandboxLogLevel, message: string) =>
      (context.logger?.[level] ?? context.logger?.log)?.(message),
  };
}

/** What a JSON Forms data source's code gets as its context: who is configuring, and the values set so far. */
function dataSourceSandboxContext(context: DataSourceContext): Record<string, unknown> {
  const logger: Record<string, (...args: unknown[]) => void> = {};
  for (const level of LOGGER_LEVELS) {
    logger[level] = (...args: unknown[]) => (context.logger?.[level] ?? context.logger?.log)?.(...args);
  }
  return {
    logger,
    configVars: context.configVars,
    customer: context.customer,
    instance: context.instance,
    user: context.user,
  };
}

/** `{schema, uiSchema, data}` from what the code returned (as is, or wrapped in `{result}`), or why it is not one. */
function jsonFormOf(returned: unknown): JSONForm {
  const form = isPlainObject(returned) && isPlainObject(returned.result) ? returned.result : returned;
  if (!isPlainObject(form) || !isPlainObject(form.schema) || !isPlainObject(form.uiSchema)) {
    throw new Error(
      'the JSON Forms code must return { schema, uiSchema, data } (schema and uiSchema objects); it returned ' +
        (returned === undefined ? 'nothing' : JSON.stringify(returned)?.slice(0, 120)),
    );
  }
  return { schema: form.schema, uiSchema: form.uiSchema, data: form.data ?? {} } as JSONForm;
}

export const codeComponent = component({
  key: 'code',
  public: true,
  display: { label: 'Code', description: 'Run your own JavaScript.' },
  actions: {
    runCode: action({
      display: { label: 'Code Block', description: 'Run your own JavaScript.' },
      inputs: {
        code: input({
          label: 'Code',
          type: 'code',
          language: 'javascript',
          default: actionTemplate,
        }),
      },
      perform: async (context, { code }): Promise<ActionPerformReturn> => {
        const stepResults = (context as { stepResults?: Record<string, unknown> }).stepResults ?? {};
        const result = await runSandboxedModule(
          String(code ?? ''),
          [sandboxContext(context), stepResults],
          sandboxOptions(context),
        );
        if (result === undefined) return { data: null };
        if (isPlainObject(result) && ACTION_RESULT_KEYS.some((key) => Object.hasOwn(result, key))) {
          return result as unknown as ActionPerformReturn;
        }
        return { data: result };
      },
    }),
  },
  dataSources: {
    runCodeJsonForm: dataSource({
      display: {
        label: 'Code Block (JSON Forms)',
        description:
          'Build a JSON Forms config variable (schema, UI schema, default data) with your own JavaScript.',
      },
      dataSourceType: 'jsonForm',
      inputs: {
        code: input({
          label: 'Code',
          type: 'code',
          language: 'javascript',
          default: jsonFormTemplate,
          comments:
            'module.exports = async (context, { connection, contextValue }) => ({ schema, uiSchema, data })',
        }),
        connection: input({
          label: 'Connection',
          type: 'connection',
          comments: 'A connection the code may use (its fields and token), or none.',
        }),
        contextValue: input({
          label: 'Context Value',
          type: 'data',
          comments: 'Any value the code needs, usually a config variable set on an earlier page.',
        }),
      },
      perform: async (context, { code, connection, contextValue }) => {
        const returned = await runSandboxedModule(
          String(code ?? ''),
          [
            dataSourceSandboxContext(context),
            { connection: connection ?? null, contextValue: contextValue ?? null },
          ],
          {
            log: (level: SandboxLogLevel, message: string) =>
              (context.logger?.[level] ?? context.logger?.log)?.(message),
          },
        );
        return { result: jsonFormOf(returned) };
      },
    }),
  },
  triggers: {
    runCodeTrigger: trigger({
      display: { label: 'Code Block Trigger', description: 'Run your own JavaScript as a trigger.' },
      inputs: {
        code: input({
          label: 'Code',
          type: 'code',
          language: 'javascript',
          default: triggerTemplate,
        }),
      },
      perform: async (context, payload, { code }): Promise<TriggerResult> => {
        const result = await runSandboxedModule(
          String(code ?? ''),
          [sandboxContext(context), payload],
          sandboxOptions(context),
        );
        if (result === undefined) return { payload };
        if (isPlainObject(result) && TRIGGER_RESULT_KEYS.some((key) => Object.hasOwn(result, key))) {
          return { payload, ...result } as TriggerResult;
        }
        return { payload: result as TriggerPayload };
      },
    }),
  },
});
