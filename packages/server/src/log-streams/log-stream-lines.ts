import { sql } from 'kysely';
import type { Db } from '../integrations/integration-store.js';
import type { LogLineFields } from './log-stream-template.js';

/**
 * Reads finished executions' log lines with what a template may name of them: the execution (its outcome, retry
 * links, test flag), its instance, customer and integration names, and the step that logged each line (lines carry
 * the step's key; `execution_steps` knows its name). An execution pruned since it finished is simply not in the
 * answer.
 */

interface ExecutionRow {
  id: string;
  instance_id: string;
  integration_version_id: string;
  flow_name: string;
  flow_stable_key: string;
  status: string;
  error: { message?: unknown; stepKey?: unknown } | null;
  duration_ms: number | null;
  retry_number: number;
  retry_of_id: string | null;
  test_state: boolean;
  instance_name: string | null;
  instance_labels: string[] | null;
  customer_name: string | null;
  customer_external_id: string | null;
  integration_name: string | null;
}

/** Each execution found (by id) with its lines in the order they were logged. */
export async function loadExecutionLines(
  db: Db,
  orgId: string,
  executionIds: string[],
): Promise<Map<string, LogLineFields[]>> {
  const found = new Map<string, LogLineFields[]>();
  if (executionIds.length === 0) return found;
  const { rows: executions } = await sql<ExecutionRow>`
    select e.id, e.instance_id, e.integration_version_id, e.flow_name, e.flow_stable_key, e.status, e.error,
      e.duration_ms, e.retry_number, e.retry_of_id, e.test_state,
      i.name as instance_name, i.labels as instance_labels,
      c.name as customer_name, c.external_id as customer_external_id,
      g.name as integration_name
    from executions e
    left join instances i on i.id = e.instance_id
    left join customers c on c.id = e.customer_id
    left join integrations g on g.id = e.integration_id
    where e.org_id = ${orgId}::uuid and e.id = any(${executionIds}::uuid[])`.execute(db);
  if (executions.length === 0) return found;
  const ids = executions.map((execution) => execution.id);
  const [{ rows: steps }, { rows: lines }] = await Promise.all([
    sql<{ execution_id: string; step_key: string; step_name: string }>`
      select distinct on (execution_id, step_key) execution_id, step_key, step_name
      from execution_steps where execution_id = any(${ids}::uuid[])
      order by execution_id, step_key, seq`.execute(db),
    sql<{ execution_id: string; at: Date; level: string; message: string; step_key: string | null }>`
      select execution_id, at, level, message, step_key
      from execution_logs where execution_id = any(${ids}::uuid[])
      order by execution_id, seq`.execute(db),
  ]);
  const stepNames = new Map(steps.map((step) => [`${step.execution_id} ${step.step_key}`, step.step_name]));
  const nameOf = (executionId: string, stepKey: unknown): string | null =>
    typeof stepKey === 'string' ? (stepNames.get(`${executionId} ${stepKey}`) ?? stepKey) : null;
  const byId = new Map(executions.map((execution) => [execution.id, execution]));
  for (const execution of executions) found.set(execution.id, []);
  for (const line of lines) {
    const execution = byId.get(line.execution_id);
    if (!execution) continue;
    const failed = execution.status !== 'succeeded';
    found.get(line.execution_id)?.push({
      at: line.at,
      level: line.level,
      message: line.message,
      instanceId: execution.instance_id,
      instanceName: execution.instance_name,
      instanceLabels: execution.instance_labels ?? [],
      flowStableKey: execution.flow_stable_key,
      integrationVersionId: execution.integration_version_id,
      integrationName: execution.integration_name,
      flowName: execution.flow_name,
      stepName: nameOf(execution.id, line.step_key),
      isTest: execution.test_state,
      executionId: execution.id,
      customerExternalId: execution.customer_external_id,
      customerName: execution.customer_name,
      errorStepName: failed && execution.error ? nameOf(execution.id, execution.error.stepKey) : null,
      durationMs: execution.duration_ms,
      succeeded: !failed,
      errorMessage:
        failed && execution.error && typeof execution.error.message === 'string'
          ? execution.error.message
          : null,
      retryNumber: execution.retry_number,
      retryOfId: execution.retry_of_id,
    });
  }
  return found;
}
