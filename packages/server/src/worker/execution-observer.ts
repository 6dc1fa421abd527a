import type { Flow, Integration, Step } from '@weft/definition';
import type { HttpPort, StepEvent } from '@weft/engine';
import type { ExecutionStatus, WeftMetrics } from '../monitoring/metrics.js';
import type { ExecutionTrace, ExecutionTracer, StepIdentity } from '../monitoring/tracing.js';

/**
 * What a running execution tells monitoring: its start, each step's end and its stored outcome go to the metrics
 * (counters and histograms: nothing but `inc` and `observe`); with a tracer, the same moments and each outbound HTTP
 * request become the spans of its trace. Without a tracer, nothing of tracing runs.
 */
export interface ExecutionObserver {
  /** The execution's trace id, when it is traced. */
  readonly traceId: string | undefined;
  /** The engine's `onStep`, observed: `inner` first (it stores the step), then the step's figures and span. */
  steps(inner: (event: StepEvent) => void): (event: StepEvent) => void;
  /** The engine's HTTP port: traced requests when the execution is traced, else `port` itself. */
  http(port: HttpPort, secrets: readonly string[]): HttpPort;
  /** The outcome was stored. */
  finished(status: ExecutionStatus, durationMs: number, error?: { code?: string; message?: string }): void;
  /** The run is over: a trace still open (nothing was stored: lost, cut off, thrown) ends without an outcome. */
  close(): void;
}

export interface ObservedExecution {
  id: string;
  attempt: number;
  trigger_kind: string;
  instance_id: string;
  customer_id: string;
  flow_name: string;
  flow_stable_key: string;
  retry_of_id: string | null;
}

/** Counts the execution as started, and opens its trace when this process traces. */
export function observeExecution(
  monitoring: { metrics: WeftMetrics; tracer?: ExecutionTracer | undefined },
  execution: ObservedExecution,
  integration: Integration | undefined,
): ExecutionObserver {
  const { metrics } = monitoring;
  // Integration and flow names, never ids: bounded by what the organization defined (monitoring/metrics.ts).
  const labels = { integration: integration?.name ?? 'unknown', flow: execution.flow_name };
  metrics.executionStarted(labels);
  const flow = integration?.flows.find((candidate) => candidate.stableKey === execution.flow_stable_key);
  const identities = flow ? stepIdentities(flow) : new Map<string, StepIdentity>();
  const trace: ExecutionTrace | undefined = monitoring.tracer?.startExecution({
    executionId: execution.id,
    attempt: execution.attempt,
    triggerKind: execution.trigger_kind,
    instanceId: execution.instance_id,
    customerId: execution.customer_id,
    integrationName: labels.integration,
    flowName: execution.flow_name,
    retryOfId: execution.retry_of_id ?? undefined,
  });

  return {
    traceId: trace?.traceId,
    steps: (inner) => (event) => {
      inner(event);
      if (event.type === 'finished') {
        const identity = identities.get(event.stepKey);
        // Steps by component and action key, not by name: see the label rules in monitoring/metrics.ts.
        metrics.stepFinished(
          {
            component: identity?.component ?? 'unknown',
            action: identity?.action ?? 'unknown',
            status: event.status,
          },
          event.durationMs / 1000,
        );
        trace?.stepFinished(event, identity);
      } else if (event.type === 'started') {
        trace?.stepStarted(event.stepKey, event.stepName, identities.get(event.stepKey));
      }
    },
    http: (port, secrets) => (trace ? trace.http(port, secrets) : port),
    finished: (status, durationMs, error) => {
      metrics.executionFinished({ ...labels, status }, durationMs / 1000);
      trace?.end({ status, error });
    },
    close: () => trace?.end(),
  };
}

/** Versions are cached and immutable, so each flow's step map is built once. */
const identitiesByFlow = new WeakMap<Flow, Map<string, StepIdentity>>();

/** The component and action key of each step of a flow (its trigger, loop children and branch steps too). */
function stepIdentities(flow: Flow): Map<string, StepIdentity> {
  let identities = identitiesByFlow.get(flow);
  if (identities) return identities;
  identities = new Map();
  const add = (step: Step) => {
    identities?.set(step.key, { component: step.action.component.key, action: step.action.key });
    for (const child of step.steps ?? []) add(child);
    for (const branch of step.branches ?? []) for (const child of branch.steps) add(child);
  };
  add(flow.trigger);
  for (const step of flow.steps) add(step);
  identitiesByFlow.set(flow, identities);
  return identities;
}
