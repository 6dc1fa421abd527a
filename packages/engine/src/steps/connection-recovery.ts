import type { Step } from '@weft/definition';
import type { ErrorRecord } from '../engine-error.js';
import type { RunContext } from '../run/run-context.js';
import { log } from '../run/run-log.js';

/**
 * What a step's failure may say about the connections it used: a token that expired early (refreshed, and the step
 * runs again), or a connection the component declares broken (reported to the connection port).
 */

/**
 * Refreshes the tokens of the connections a failed step used, where the connection port sees the failure as an
 * expired token; answers whether any was refreshed (the step then runs again at once, with the fresh connection).
 */
export async function refreshAfterFailure(
  run: RunContext,
  step: Step,
  thrown: unknown,
  failure: ErrorRecord,
): Promise<boolean> {
  const port = run.request.ports.connections;
  if (!port) return false;
  let refreshed = false;
  const status = failureStatus(thrown);
  for (const configVarKey of connectionsUsedBy(run, step)) {
    const fresh = await port.refreshAfterFailure(configVarKey, {
      message: failure.message,
      ...(status !== undefined ? { status } : {}),
    });
    if (!fresh) continue;
    run.redactor.add(fresh.secrets);
    run.scope.configVars[configVarKey] = fresh.connection;
    refreshed = true;
    log(
      run,
      'info',
      `step '${step.name}': connection '${configVarKey}' was refused (${status ?? 'expired token'}); its token was refreshed and the step runs again`,
      step.key,
    );
  }
  return refreshed;
}

/** Spectral's `ConnectionError(connection, message)`: the component says the connection itself is at fault. */
export async function reportConnectionError(run: RunContext, thrown: unknown): Promise<void> {
  const port = run.request.ports.connections;
  const error = thrown as {
    name?: unknown;
    connection?: { configVarKey?: unknown };
    message?: unknown;
  } | null;
  if (!port?.reportFailure || error?.name !== 'ConnectionError') return;
  const configVarKey = error.connection?.configVarKey;
  if (typeof configVarKey !== 'string') return;
  await port
    .reportFailure(configVarKey, run.redactor.text(String(error.message ?? '')))
    .catch(() => undefined);
}

/** The connection config variables a step's inputs use. */
function connectionsUsedBy(run: RunContext, step: Step): string[] {
  const keys: string[] = [];
  for (const input of Object.values(step.inputs)) {
    if (input.type !== 'configVar' || typeof input.value !== 'string') continue;
    const value = run.scope.configVars[input.value];
    if (typeof value === 'object' && value !== null && 'fields' in value) keys.push(input.value);
  }
  return keys;
}

/** The HTTP status an error carries, in the shapes components throw it (fetch wrappers, axios). */
function failureStatus(thrown: unknown): number | undefined {
  const candidate = thrown as {
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown };
  } | null;
  for (const value of [candidate?.status, candidate?.statusCode, candidate?.response?.status]) {
    if (typeof value === 'number') return value;
  }
  return undefined;
}
