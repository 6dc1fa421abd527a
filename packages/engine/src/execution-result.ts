import type { ErrorRecord } from './engine-error.js';
import type { LogEntry } from './ports.js';

/** One run of a step's action: a step retried under its errorConfig has several. Times are the clock's. */
export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  durationMs: number;
  error?: ErrorRecord;
}

export interface StepRecord {
  key: string;
  name: string;
  status: 'succeeded' | 'failed' | 'ignored';
  result: unknown;
  attempts: AttemptRecord[];
  /** Loop steps: how many iterations ran. */
  iterations?: number;
  /** Branch steps: the branch that ran. */
  branch?: string;
  /** Steps inside a loop: the index of the innermost loop's iteration this record belongs to. */
  iteration?: number;
}

export interface FlowResponse {
  statusCode: number;
  headers: Record<string, string>;
  contentType?: string;
  body: unknown;
}

export interface ExecutionResult {
  executionId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: ErrorRecord;
  /** Every step's result by step key (for loop children, the last iteration's). */
  steps: Record<string, unknown>;
  stepRecords: StepRecord[];
  logs: LogEntry[];
  /** Log lines beyond the limit, counted and dropped. */
  droppedLogs: number;
  response?: FlowResponse;
  startedAt: string;
  durationMs: number;
}
