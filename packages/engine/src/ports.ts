import { setTimeout as delay } from 'node:timers/promises';
import type { ComponentRef } from '@weft/definition';
import {
  applyStateOperation,
  type Component,
  type FlowInvocationResponse,
  type StateOperation,
  setStateValue,
  stateValue,
} from '@weft/sdk';
import { abortable } from './abortable.js';
import type { FlowResponse, StepRecord } from './execution-result.js';

/** The four key/value stores a flow can keep: this flow's, the instance's, the execution's, the integration's. */
export type StateScope = 'flow' | 'crossFlow' | 'execution' | 'integration';

/**
 * The keys of one store a step changed, compared with the store it was given: the values it set, the keys it
 * removed. Stored per key, so executions writing different keys of one store never overwrite each other.
 */
export interface StateChanges {
  set: Record<string, unknown>;
  deleted: string[];
}

/**
 * Where state lives between executions; the server keeps it in PostgreSQL, local runs in memory.
 *
 * Two kinds of writes. A step's plain changes (keys set or removed: what a component returning the whole store, as
 * Spectral's do, changed) go to `save`, per key, once the step ended; a port that persists step records can store
 * them with the step's record instead (`StepEvent.state`) and make `save` a no-op. Read-modify-write operations
 * (persist-data's increment, append, ...) go to `update` while the step runs: applied atomically to the shared
 * store, committed at once and visible to every other execution, answering the value after the operation. The
 * engine never calls `update` for execution state (it lives in the run).
 */
export interface StatePort {
  load(scope: StateScope): Promise<Record<string, unknown>>;
  save(scope: StateScope, changes: StateChanges): Promise<void>;
  update(scope: StateScope, key: string, operation: StateOperation): Promise<unknown>;
}

export interface ComponentLoader {
  load(ref: ComponentRef): Promise<Component | undefined>;
}

export interface FlowInvokerPort {
  /** Runs another flow of the same instance (through the durable path on the server) and answers with its result. */
  invoke(
    flowName: string,
    data: Record<string, unknown> | undefined,
    options: {
      depth: number;
      headers?: Record<string, string>;
      invokedByExecutionId: string;
      /** Aborts when the invoking execution is cancelled or times out: stop waiting for the invoked flow then. */
      signal?: AbortSignal;
    },
  ): Promise<FlowInvocationResponse>;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'metric';

export interface LogEntry {
  timestamp: string;
  level: LogLevel;
  message: string;
  stepKey?: string;
}

/**
 * Where the engine gets its time: every timestamp and duration it records (execution, attempts, log lines), retry
 * delays, the execution time limit, and, through `context.clock`, components' "now" and sleeps. `systemClock` is
 * the real one; `createFakeClock()` is one a test moves by hand, so nothing waits on real time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Waits `ms`, or rejects with the signal's reason when it aborts. It has to really wait: the execution time limit
   * is a sleep too, so a clock whose sleeps end at once stops every execution as it starts.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A connection refreshed after a step's failure, with the secret values to mask from now on. */
export interface RefreshedConnection {
  connection: unknown;
  secrets: string[];
}

/** Connections that can renew themselves mid-run; the server's keep their tokens in PostgreSQL. */
export interface ConnectionPort {
  /**
   * A step that used the connection in config variable `configVarKey` failed with `failure`. When that failure
   * means the access token expired early (the connection's `refreshOn`, by default status 401) and it can be
   * refreshed, answers the connection with a new token; otherwise undefined. At most once per step run.
   */
  refreshAfterFailure(
    configVarKey: string,
    failure: { message: string; status?: number },
  ): Promise<RefreshedConnection | undefined>;
  /** A component threw Spectral's `ConnectionError` for this connection: it is marked as failing. */
  reportFailure?(configVarKey: string, message: string): Promise<void>;
}

/**
 * Outbound HTTP of built-in components (the http component's requests): the server's applies its egress policy
 * (the SSRF guard, opened by WEFT_EGRESS_ALLOW). Components given none fall back to a guarded default of their
 * own, so leaving this port out never opens the network; it is how a caller chooses the policy.
 */
export interface HttpPort {
  fetch(url: string | URL, init?: RequestInit, options?: { ignoreTlsErrors?: boolean }): Promise<Response>;
}

export interface EnginePorts {
  components: ComponentLoader;
  /** Outbound HTTP of built-in components, handed to them as `context.http`. */
  http?: HttpPort;
  /** Token refresh on an expired-token failure; without it, such a step fails like any other. */
  connections?: ConnectionPort;
  state?: StatePort;
  flows?: FlowInvokerPort;
  /** Receives every log line as it is written (the result also carries them). */
  log?: (entry: LogEntry) => void;
  clock?: Clock;
  /**
   * Step started/finished notifications, for progress output and for storing step records as the run goes. A
   * `finished` event carries the step's full record and the state keys its action set or removed, so a port that
   * persists records can persist that state in the same transaction as the record (and make `StatePort.save` a
   * no-op for the stores it persists that way).
   */
  onStep?: (event: StepEvent) => void;
}

/**
 * The keys one step's action set and removed, per store (only stores it changed). Read-modify-write operations are
 * not in it: `StatePort.update` applied those while the step ran.
 */
export type StateWrites = Partial<Record<StateScope, StateChanges>>;

export type StepEvent =
  | { type: 'started'; stepKey: string; stepName: string }
  /**
   * The trigger ran successfully (sent right after its `finished` event): `response` is the HTTP response it set
   * (a webhook trigger's response inputs, a custom trigger's `response`), absent when it set none. Lets a caller
   * answer an asynchronous flow's request with its trigger's response while the rest of the flow runs.
   */
  | { type: 'triggered'; stepKey: string; stepName: string; response?: FlowResponse }
  | {
      type: 'finished';
      stepKey: string;
      stepName: string;
      status: 'succeeded' | 'failed' | 'ignored';
      result: unknown;
      durationMs: number;
      /** The step record, as `ExecutionResult.stepRecords` will hold it. */
      record: StepRecord;
      /** The state keys this step's action set or removed, per store (absent when it changed none). */
      state?: StateWrites;
    };

export const systemClock: Clock = {
  now: () => Date.now(),
  // Node clears the timer on abort; `abortable` rejects with the signal's reason (Node's own is an AbortError) in
  // the abort event itself, so the sleeping step unwinds, and is recorded, before the execution's result is built.
  sleep: (ms, signal) => abortable(signal, delay(ms, undefined, { signal })),
};

/** State kept in memory: for local runs and tests. */
export class MemoryState implements StatePort {
  readonly stores: Record<StateScope, Record<string, unknown>> = {
    flow: {},
    crossFlow: {},
    execution: {},
    integration: {},
  };
  async load(scope: StateScope): Promise<Record<string, unknown>> {
    return structuredClone(this.stores[scope]);
  }
  async save(scope: StateScope, changes: StateChanges): Promise<void> {
    const store = this.stores[scope];
    for (const key of changes.deleted) delete store[key];
    for (const [key, value] of Object.entries(changes.set)) setStateValue(store, key, structuredClone(value));
  }
  /** Atomic as it is: nothing runs between the read and the write. */
  async update(scope: StateScope, key: string, operation: StateOperation): Promise<unknown> {
    const store = this.stores[scope];
    setStateValue(store, key, applyStateOperation(key, stateValue(store, key), operation));
    return structuredClone(stateValue(store, key));
  }
}
