import { randomUUID } from 'node:crypto';
import { isUnsetInput, type Step } from '@weft/definition';
import type { ActionContext, Component, ComponentInput } from '@weft/sdk';
import { EngineError } from '../engine-error.js';
import { convertInput, resolveInput } from '../inputs.js';
import type { Clock, HttpPort } from '../ports.js';
import type { RunContext } from '../run/run-context.js';
import { stepLogger } from '../run/run-log.js';
import { copyOfStore, stateUpdater } from '../state-changes.js';

/** The step's component, loaded through the port once per execution. */
export async function loadComponent(run: RunContext, step: Step): Promise<Component> {
  const ref = step.action.component;
  const cacheKey = `${ref.key}@${ref.version ?? ref.signature ?? 'LATEST'}`;
  const cached = run.components.get(cacheKey);
  if (cached) return cached;
  const component = await run.request.ports.components.load(ref);
  if (!component) {
    throw new EngineError(
      'COMPONENT_NOT_FOUND',
      `step '${step.name}' uses component '${ref.key}', which is not available`,
      step.key,
    );
  }
  run.components.set(cacheKey, component);
  return component;
}

/**
 * The step's inputs resolved and converted. Inputs the step leaves out, or leaves empty in any form (an empty
 * value, or an empty config variable, reference or template, as exports write optional inputs), take the action's
 * defaults: an empty `connection` is no connection.
 */
export function stepParams(run: RunContext, step: Step, inputs: ComponentInput[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const definition of inputs) {
    const given = step.inputs[definition.key];
    const raw = given && !isUnsetInput(given) ? resolveInput(given, run.scope) : undefined;
    const value = raw === undefined || raw === '' ? (definition.default ?? raw) : raw;
    params[definition.key] = convertInput(value, definition, step.name);
  }
  // Inputs the action does not declare are passed through as given (validation warned about them).
  for (const [name, input] of Object.entries(step.inputs)) {
    if (!(name in params) && !isUnsetInput(input)) params[name] = resolveInput(input, run.scope);
  }
  return params;
}

/**
 * The context a step's action or trigger runs with: Spectral's `ActionContext`, plus the execution's abort signal,
 * every step result at once (for code steps), the execution's clock (for components that read the time or
 * sleep, so that they follow a test's fake clock too) and, when the caller gave one, the HTTP port built-in
 * components make their requests through (`http`, the caller's egress policy).
 */
export function actionContext(run: RunContext, step: Step): ActionContext {
  const request = run.request;
  const context: ActionContext & {
    signal: AbortSignal;
    stepResults: Record<string, unknown>;
    clock: Clock;
    http?: HttpPort;
  } = {
    logger: stepLogger(run, step.key),
    // Copies all the way down: what a step changes in place is its own until its changes are taken (state-changes.ts).
    instanceState: copyOfStore(run.states.flow),
    crossFlowState: copyOfStore(run.states.crossFlow),
    executionState: copyOfStore(run.states.execution),
    integrationState: copyOfStore(run.states.integration),
    // Atomic read-modify-write on one key (persist-data's increment, append, ...): see state-changes.ts.
    updateState: stateUpdater(run.states, request.ports.state, () => context),
    configVars: run.scope.configVars,
    components: {},
    stepId: randomUUID(),
    ...run.identity,
    invokeFlow: async (flowName, data, config) => {
      const flows = request.ports.flows;
      if (!flows)
        throw new Error(`step '${step.name}' invokes flow '${flowName}', but flows cannot be invoked here`);
      const depth = (request.crossFlowDepth ?? 0) + 1;
      if (depth > run.limits.crossFlowDepth) {
        throw new EngineError(
          'CROSS_FLOW_DEPTH_EXCEEDED',
          `step '${step.name}' invokes flow '${flowName}' ${depth} levels deep; the limit is ${run.limits.crossFlowDepth}`,
          step.key,
        );
      }
      return flows.invoke(flowName, data, {
        depth,
        headers: config?.headers,
        invokedByExecutionId: run.executionId,
        signal: run.signal,
      });
    },
    executionFrame: {
      invokedByExecutionJWT: '',
      invokedByExecutionStartedAt: run.startedAt,
      componentActionKey: step.action.key,
      executionId: run.executionId,
      executionStartedAt: run.startedAt,
      stepName: step.name,
      loopPath: '',
    },
    debug: {
      enabled: false,
      timeElapsed: { mark: () => {}, measure: () => {} },
      memoryUsage: () => {},
      results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
    },
    signal: run.signal,
    // Only code steps read every result at once: built when read, not for every step. The shape is Prismatic's:
    // `stepResults.listFiles.results`, and `stepResults.myLoop.currentItem` / `.index` inside a loop.
    get stepResults() {
      const all: Record<string, Record<string, unknown>> = {};
      for (const [key, value] of run.scope.stepResults) all[key] = { results: value };
      for (const [key, loop] of run.scope.loops)
        all[key] = { ...all[key], currentItem: loop.currentItem, index: loop.index };
      return all;
    },
    clock: run.clock,
    ...(request.ports.http ? { http: request.ports.http } : {}),
  };
  return context;
}
