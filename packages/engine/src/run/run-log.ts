import type { ActionLogger } from '@weft/sdk';
import type { LogEntry, LogLevel } from '../ports.js';
import { type RunContext, timestamp } from './run-context.js';

/** Writes a log line, masked, to the log port and, up to the limit, to the execution's result. */
export function log(run: RunContext, level: LogLevel, message: string, stepKey?: string): void {
  const entry: LogEntry = {
    timestamp: timestamp(run),
    level,
    message: run.redactor.text(message),
    ...(stepKey ? { stepKey } : {}),
  };
  run.request.ports.log?.(entry);
  if (run.logs.length < run.limits.logEntries) run.logs.push(entry);
  else run.droppedLogs += 1;
}

/** The execution's last line, past the limit on purpose: how many lines it dropped. */
export function logDroppedLines(run: RunContext): void {
  if (run.droppedLogs === 0) return;
  run.logs.push({
    timestamp: timestamp(run),
    level: 'warn',
    message: `${run.droppedLogs} more log lines were dropped (limit ${run.limits.logEntries} per execution)`,
  });
}

/** `context.logger` for a step: its lines carry the step's key. */
export function stepLogger(run: RunContext, stepKey: string): ActionLogger {
  const write =
    (level: LogLevel) =>
    (...args: unknown[]) =>
      log(run, level, args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' '), stepKey);
  return {
    metric: write('metric'),
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

function safeJson(value: unknown): string {
  try {
    return value instanceof Error ? value.message : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}
