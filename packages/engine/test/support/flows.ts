import { builtinComponent } from '@weft/components';
import { type Integration, parseIntegrationYaml } from '@weft/definition';
import type { Component } from '@weft/sdk';
import {
  type ComponentLoader,
  createFakeClock,
  type EnginePorts,
  type ExecutionResult,
  type FakeClock,
  MemoryState,
  runFlow,
} from '../../src/index.js';

/** Loads the built-ins, plus any extra components a test defines. */
export function loader(...extra: Component[]): ComponentLoader {
  return {
    load: async (ref) => extra.find((component) => component.key === ref.key) ?? builtinComponent(ref.key),
  };
}

/** A one-flow integration from its steps (YAML, indented six spaces), after a webhook trigger named Trigger. */
export function integration(steps: string, { flows = '', top = '' } = {}): Integration {
  const text = `definitionVersion: 7
name: Engine Test
${top}flows:
  - name: Main
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
${steps}${flows}`;
  const result = parseIntegrationYaml(text, { fileName: 'engine-test.yaml' });
  if (!result.ok)
    throw new Error(
      result.problems.map((problem) => `${problem.line}:${problem.column} ${problem.message}`).join('\n'),
    );
  return result.integration;
}

/**
 * Ports for a test: built-ins, in-memory state, and a fake clock. Its time stands still unless the test moves it
 * (`clock.advance`): sleeps of no time end at once, longer ones (retry delays, the sleep component) wait for it,
 * and the execution time limit never passes on its own.
 */
export function ports(extra: Partial<EnginePorts> = {}, ...components: Component[]) {
  const clock = createFakeClock();
  const state = new MemoryState();
  const value: EnginePorts = {
    components: loader(...components),
    state,
    clock,
    ...extra,
  };
  return { ports: value, clock, state };
}

export const step = (name: string, component: string, action: string, inputs = '', indent = 6): string => {
  const pad = ' '.repeat(indent);
  return `${pad}- name: ${name}\n${pad}  action: {key: ${action}, component: {key: ${component}}}\n${inputs ? `${pad}  inputs:\n${inputs.replace(/^/gm, `${pad}    `)}\n` : ''}`;
};

/**
 * Runs Main and cancels it once something sleeps `ms` on the fake clock (a retry delay, the sleep component), which
 * no one moves: only the cancellation can end that sleep.
 */
export async function cancelWhileSleeping(
  flow: Integration,
  enginePorts: EnginePorts,
  clock: FakeClock,
  ms: number,
): Promise<ExecutionResult> {
  const controller = new AbortController();
  const running = runFlow({
    integration: flow,
    flowName: 'Main',
    ports: enginePorts,
    signal: controller.signal,
  });
  await clock.untilSleeping(ms);
  controller.abort();
  return running;
}
