import type { Integration } from '@weft/definition';
import type { CustomerAttributes, InstanceAttributes, UserAttributes } from '@weft/sdk';
import type { ExecutionLimits } from './limits.js';
import type { EnginePorts } from './ports.js';

/** The request that set the flow off, as its trigger sees it (a webhook's HTTP request, a schedule's empty one). */
export interface TriggerRequest {
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  body?: { data: unknown; contentType?: string };
  rawBody?: { data: unknown; contentType?: string };
  pathFragment?: string;
}

export interface RunFlowRequest {
  integration: Integration;
  flowName: string;
  trigger?: TriggerRequest;
  /** Config values by name; missing ones take the definition's defaults. */
  configVars?: Record<string, unknown>;
  ports: EnginePorts;
  limits?: Partial<ExecutionLimits>;
  /** Aborting it cancels the execution; the running step sees the abort through `context.signal`. */
  signal?: AbortSignal;
  executionId?: string;
  /** How many flow invocations led here (0 for a flow triggered from outside). */
  crossFlowDepth?: number;
  customer?: CustomerAttributes;
  instance?: InstanceAttributes;
  user?: UserAttributes;
  webhookUrls?: Record<string, string>;
  webhookApiKeys?: Record<string, string[]>;
  invokeUrl?: string;
  /**
   * Secret values (connection passwords, keys, tokens) to mask in everything the run writes out: logs, step
   * results, errors and the response. Steps see the real values.
   */
  secrets?: Iterable<string>;
}
