/**
 * Testing helpers for component authors: a complete action context with in-memory state and captured logs, and
 * `invokeAction` / `invokeTrigger` to call a component's operations as the platform would.
 */
import type { Component } from './component.js';
import type {
  ActionContext,
  ActionLogger,
  ActionPerformReturn,
  TriggerPayload,
  TriggerResult,
} from './context.js';

export interface CapturedLog {
  level: 'metric' | 'trace' | 'debug' | 'info' | 'log' | 'warn' | 'error';
  message: string;
}

function loggerInto(logs: CapturedLog[]): ActionLogger {
  const write =
    (level: CapturedLog['level']) =>
    (...args: unknown[]) => {
      logs.push({
        level,
        message: args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '),
      });
    };
  return {
    metric: write('metric'),
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    log: write('log'),
    warn: write('warn'),
    error: write('error'),
  };
}

/** An action context for tests: empty state, no config variables, a logger that records into `logs`. */
export function createTestContext(
  overrides: Partial<ActionContext> = {},
  logs: CapturedLog[] = [],
): ActionContext {
  const startedAt = new Date().toISOString();
  const context: ActionContext = {
    logger: loggerInto(logs),
    instanceState: {},
    crossFlowState: {},
    executionState: {},
    integrationState: {},
    configVars: {},
    components: {},
    stepId: 'test-step',
    executionId: 'test-execution',
    webhookUrls: {},
    webhookApiKeys: {},
    invokeUrl: 'http://127.0.0.1/trigger/test',
    customer: { id: 'test-customer', externalId: 'test-customer', name: 'Test Customer' },
    instance: { id: 'test-instance', name: 'Test Instance' },
    user: { id: 'test-user', email: 'test@example.test', name: 'Test User', externalId: 'test-user' },
    integration: {
      id: 'test-integration',
      name: 'Test Integration',
      versionSequenceId: '1',
      externalVersion: '',
    },
    flow: { id: 'test-flow', name: 'Test Flow' },
    startedAt,
    invokeFlow: async () => {
      throw new Error('invokeFlow is not available in this test context; pass one in the overrides');
    },
    executionFrame: { invokedByExecutionJWT: '', invokedByExecutionStartedAt: '', customSource: 'test' },
    debug: {
      enabled: false,
      timeElapsed: { mark: () => {}, measure: () => {} },
      memoryUsage: () => {},
      results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
    },
    ...overrides,
  };
  return context;
}

/** Runs one action of a component with the given input values; returns its result and the logs it wrote. */
export async function invokeAction(
  component: Component,
  actionKey: string,
  params: Record<string, unknown>,
  contextOverrides: Partial<ActionContext> = {},
): Promise<{ result: ActionPerformReturn; logs: CapturedLog[] }> {
  const action = component.actions[actionKey];
  if (!action) throw new Error(`component '${component.key}' has no action '${actionKey}'`);
  const logs: CapturedLog[] = [];
  const defaults = Object.fromEntries(
    action.inputs.filter((input) => input.default !== undefined).map((input) => [input.key, input.default]),
  );
  const result = await action.perform(createTestContext(contextOverrides, logs), { ...defaults, ...params });
  return { result, logs };
}

/** Runs one trigger of a component with a payload; returns its result and the logs it wrote. */
export async function invokeTrigger(
  component: Component,
  triggerKey: string,
  payload: TriggerPayload,
  params: Record<string, unknown> = {},
  contextOverrides: Partial<ActionContext> = {},
): Promise<{ result: TriggerResult; logs: CapturedLog[] }> {
  const trigger = component.triggers[triggerKey];
  if (!trigger) throw new Error(`component '${component.key}' has no trigger '${triggerKey}'`);
  const logs: CapturedLog[] = [];
  const result = await trigger.perform(createTestContext(contextOverrides, logs), payload, params);
  return { result, logs };
}
