import { builtinComponent } from '@weft/components';
import type { Integration } from '@weft/definition';
import {
  type ExecutionResult,
  type LogEntry,
  runFlow,
  type StatePort,
  type StateScope,
  type TriggerRequest,
} from '@weft/engine';
import type { Task } from 'graphile-worker';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { configVarsOf, type StoredValues } from '../api/instance-config.js';
import type { Database } from '../database/schema.js';
import { executionFinishedChannel } from '../executions/execution-waiter.js';

/** Rows per INSERT when storing step records and logs (well under PostgreSQL's parameter limit). */
const insertChunk = 500;

/**
 * The `run-execution` task: runs one queued execution with the engine and stores what it did. Idempotent: an
 * execution that already finished (or was cancelled) is left alone, so a job run twice changes nothing.
 */
export function runExecutionTask(db: Kysely<Database>, log: Logger): Task {
  return async (payload) => {
    const executionId = (payload as { executionId?: unknown } | null)?.executionId;
    if (typeof executionId !== 'string') {
      log.warn({ payload }, 'run-execution job without an executionId; dropped');
      return;
    }
    await runExecution(db, executionId, log);
  };
}

export async function runExecution(db: Kysely<Database>, executionId: string, log: Logger): Promise<void> {
  // Claim it: queued becomes running; running again (a worker died mid-run, the job came back) is a new attempt.
  const execution = await db
    .updateTable('executions')
    .set({
      status: 'running',
      started_at: sql<Date>`now()`,
      attempt: sql<number>`case when status = 'running' then attempt + 1 else attempt end`,
    })
    .where('id', '=', executionId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
  if (!execution) return; // finished, cancelled, or deleted with its instance

  const context = await db
    .selectFrom('instances as n')
    .innerJoin('customers as c', 'c.id', 'n.customer_id')
    .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
    .select([
      'n.name as instance_name',
      'n.config_values',
      'c.name as customer_name',
      'c.external_id as customer_external_id',
      'v.definition',
    ])
    .where('n.id', '=', execution.instance_id)
    .where('v.id', '=', execution.integration_version_id)
    .executeTakeFirst();

  let result: ExecutionResult;
  if (!context) {
    result = failedBeforeStart(
      executionId,
      'EXECUTION_CONTEXT_MISSING',
      'the integration version this execution was queued for no longer exists',
    );
  } else {
    const integration = context.definition as Integration;
    result = await runFlow({
      integration,
      flowName: execution.flow_name,
      trigger: execution.trigger as TriggerRequest,
      configVars: configValuesByName(integration, context.config_values),
      executionId,
      customer: {
        id: execution.customer_id,
        externalId: context.customer_external_id ?? '',
        name: context.customer_name,
      },
      instance: { id: execution.instance_id, name: context.instance_name },
      ports: {
        components: { load: async (ref) => builtinComponent(ref.key) },
        state: new PostgresState(db, {
          orgId: execution.org_id,
          instanceId: execution.instance_id,
          integrationId: execution.integration_id,
          flowStableKey: execution.flow_stable_key,
        }),
      },
    });
  }

  await storeResult(db, executionId, result);
  log.debug({ executionId, status: result.status, durationMs: result.durationMs }, 'execution finished');
}

/** Stored values are keyed by config variable stable key; the engine takes them by name. */
function configValuesByName(integration: Integration, stored: StoredValues): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const configVar of configVarsOf(integration)) {
    if (Object.hasOwn(stored, configVar.stableKey)) values[configVar.key] = stored[configVar.stableKey];
  }
  return values;
}

function failedBeforeStart(executionId: string, code: string, message: string): ExecutionResult {
  return {
    executionId,
    status: 'failed',
    error: { code, message },
    steps: {},
    stepRecords: [],
    logs: [],
    droppedLogs: 0,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
}

/** JSON text for a jsonb column; undefined (no result) is SQL null. */
function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Steps, logs and the outcome, in one transaction; only while this execution is still the running one. */
async function storeResult(
  db: Kysely<Database>,
  executionId: string,
  result: ExecutionResult,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('executions')
      .set({
        status: result.status,
        error: json(result.error),
        response: json(result.response),
        finished_at: sql<Date>`now()`,
        duration_ms: Math.round(result.durationMs),
      })
      .where('id', '=', executionId)
      .where('status', '=', 'running')
      .returning('id')
      .executeTakeFirst();
    if (!updated) return; // cancelled or deleted meanwhile
    await sql`select pg_notify(${executionFinishedChannel}, ${executionId})`.execute(trx);
    await trx.deleteFrom('execution_steps').where('execution_id', '=', executionId).execute();
    await trx.deleteFrom('execution_logs').where('execution_id', '=', executionId).execute();
    const steps = result.stepRecords.map((record, seq) => ({
      execution_id: executionId,
      seq,
      step_key: record.key,
      step_name: record.name,
      status: record.status,
      result: json(record.result),
      attempts: JSON.stringify(record.attempts),
      iterations: record.iterations ?? null,
      branch: record.branch ?? null,
    }));
    for (let i = 0; i < steps.length; i += insertChunk)
      await trx
        .insertInto('execution_steps')
        .values(steps.slice(i, i + insertChunk))
        .execute();
    const logs = result.logs.map((entry: LogEntry, seq) => ({
      execution_id: executionId,
      seq,
      at: new Date(entry.timestamp),
      level: entry.level,
      message: entry.message,
      step_key: entry.stepKey ?? null,
    }));
    for (let i = 0; i < logs.length; i += insertChunk)
      await trx
        .insertInto('execution_logs')
        .values(logs.slice(i, i + insertChunk))
        .execute();
  });
}

/**
 * The engine's state stores in PostgreSQL: flow state per instance flow and cross-flow state per instance in
 * `instance_state`, integration state in `integration_state`; execution state lives in memory for the run.
 */
export class PostgresState implements StatePort {
  private execution: Record<string, unknown> = {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly owner: {
      orgId: string;
      instanceId: string;
      integrationId: string;
      flowStableKey: string;
    },
  ) {}

  private instanceScope(scope: 'flow' | 'crossFlow'): string {
    return scope === 'flow' ? `flow:${this.owner.flowStableKey}` : 'crossFlow';
  }

  async load(scope: StateScope): Promise<Record<string, unknown>> {
    if (scope === 'execution') return structuredClone(this.execution);
    if (scope === 'integration') {
      const row = await this.db
        .selectFrom('integration_state')
        .select('state')
        .where('org_id', '=', this.owner.orgId)
        .where('integration_id', '=', this.owner.integrationId)
        .executeTakeFirst();
      return row?.state ?? {};
    }
    const row = await this.db
      .selectFrom('instance_state')
      .select('state')
      .where('instance_id', '=', this.owner.instanceId)
      .where('scope', '=', this.instanceScope(scope))
      .executeTakeFirst();
    return row?.state ?? {};
  }

  async save(scope: StateScope, state: Record<string, unknown>): Promise<void> {
    if (scope === 'execution') {
      this.execution = structuredClone(state);
      return;
    }
    const text = JSON.stringify(state);
    if (scope === 'integration') {
      await this.db
        .insertInto('integration_state')
        .values({ org_id: this.owner.orgId, integration_id: this.owner.integrationId, state: text })
        .onConflict((conflict) => conflict.columns(['org_id', 'integration_id']).doUpdateSet({ state: text }))
        .execute();
      return;
    }
    await this.db
      .insertInto('instance_state')
      .values({ instance_id: this.owner.instanceId, scope: this.instanceScope(scope), state: text })
      .onConflict((conflict) => conflict.columns(['instance_id', 'scope']).doUpdateSet({ state: text }))
      .execute();
  }
}
