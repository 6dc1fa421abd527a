import type { StateChanges, StateScope } from '@weft/engine';
import { type StateOperation, StateValueError } from '@weft/sdk';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { jsonText, textValue } from '../executions/execution-blobs.js';
import type { RecordTarget } from './execution-recorder.js';
import { flowStateScope } from './state-scopes.js';

/**
 * The state stores in PostgreSQL (`instance_state`: a flow's and the instance's cross-flow store; `integration_state`),
 * written two ways, so that concurrent executions, in any number of processes, never lose one another's updates:
 *
 * - Per-key writes commit with the step that wrote them. The keys a step set or removed (the engine compares what a
 *   component returned with the store it was given) go in the same statement as the step's record, fenced by the
 *   execution's lease, as `(state - removed keys) || set keys`: a write touches only its own keys, so executions
 *   writing different keys of one store never overwrite each other (the same key: the last write wins).
 * - Read-modify-write operations (increment, append to a list, ...) are atomic and immediately visible. Each one is
 *   its own statement, run while its step runs (also fenced by the lease): an upsert whose `do update` computes the
 *   key's new value from the row as it stands once locked, so concurrent operations on one store serialize on its
 *   row and none is lost; the statement returns the value after the operation, which is the step's result. It
 *   commits at once rather than with the step record: the step's answer must be the stored value, and other
 *   executions must build on it. Like the step records flushed while a run goes on, an operation of a run that
 *   later fails (or is run again after its worker died) stays applied: at least once, as the step itself.
 *   The execution's per-key writes still waiting to be stored are written before an operation on the same store
 *   (`ExecutionRecorder.updateState`), so a key the flow set and then incremented ends as set, then incremented.
 *
 * Execution state lives only in the run (the engine's), never here.
 */

export type PersistedScope = Exclude<StateScope, 'execution'>;
export const persistedScopes: PersistedScope[] = ['flow', 'crossFlow', 'integration'];

/** One step's per-key writes of one store, ready for the statement: set values as JSON text. */
export interface PendingChanges {
  set: Map<string, string>;
  deleted: Set<string>;
}

/** A step's changes as JSON text (binary values as their marks, NUL characters dropped). */
export function pendingChanges(changes: StateChanges): PendingChanges {
  const set = new Map<string, string>();
  for (const [key, value] of Object.entries(changes.set)) set.set(textValue(key), jsonText(value) ?? 'null');
  return { set, deleted: new Set(changes.deleted.map(textValue)) };
}

/** `later` after `earlier` (into `earlier`). */
export function mergePendingChanges(earlier: PendingChanges, later: PendingChanges): PendingChanges {
  for (const [key, value] of later.set) {
    earlier.set.set(key, value);
    earlier.deleted.delete(key);
  }
  for (const key of later.deleted) {
    earlier.set.delete(key);
    earlier.deleted.add(key);
  }
  return earlier;
}

/**
 * The per-key writes of a batch's steps (in step order), as CTEs that run only when the `guard` CTE has a row (the
 * lease held).
 */
export function stateWriteParts(
  target: RecordTarget,
  steps: Array<{ state?: Partial<Record<PersistedScope, PendingChanges>> }>,
): RawBuilder<unknown>[] {
  const merged: Partial<Record<PersistedScope, PendingChanges>> = {};
  for (const step of steps) {
    for (const scope of persistedScopes) {
      const changes = step.state?.[scope];
      if (!changes) continue;
      merged[scope] = mergePendingChanges(merged[scope] ?? { set: new Map(), deleted: new Set() }, {
        set: new Map(changes.set),
        deleted: new Set(changes.deleted),
      });
    }
  }
  const parts: RawBuilder<unknown>[] = [];
  for (const scope of persistedScopes) {
    const changes = merged[scope];
    if (!changes || (changes.set.size === 0 && changes.deleted.size === 0)) continue;
    const set = `{${[...changes.set].map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
    const deleted = [...changes.deleted];
    const name = sql.raw(`${scope === 'crossFlow' ? 'cross_flow' : scope}_state_write`);
    parts.push(
      scope === 'integration'
        ? sql`${name} as (
            insert into integration_state as t (org_id, integration_id, state)
            select ${target.orgId}::uuid, ${target.integrationId}::uuid, ${set}::jsonb
            where exists (select 1 from guard)
            on conflict (org_id, integration_id) do update
              set state = (t.state - ${deleted}::text[]) || excluded.state)`
        : sql`${name} as (
            insert into instance_state as t (instance_id, scope, state)
            select ${target.instanceId}::uuid, ${instanceScope(target, scope)}, ${set}::jsonb
            where exists (select 1 from guard)
            on conflict (instance_id, scope) do update
              set state = (t.state - ${deleted}::text[]) || excluded.state)`,
    );
  }
  return parts;
}

function instanceScope(target: RecordTarget, scope: 'flow' | 'crossFlow'): string {
  return scope === 'flow' ? flowStateScope(target.flowStableKey, target.testState) : 'crossFlow';
}

const numericText = '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$';

/**
 * The jsonb value of a key after `operation`, given its value before (`current`, SQL null when the key is absent);
 * SQL null when the value before is not of the operation's kind. The same rules as @weft/sdk's
 * `applyStateOperation` (and `stateNumber`): keep them alike.
 */
function valueAfter(current: RawBuilder<unknown>, operation: StateOperation): RawBuilder<unknown> {
  const absent = sql`(${current} is null or jsonb_typeof(${current}) = 'null')`;
  // As JavaScript's trim() for the whitespace numbers are written with (btrim alone trims spaces only).
  const text = sql`btrim(${current} #>> '{}', E' \t\n\r\f\v')`;
  if (operation.type === 'add') {
    const amount = sql`${String(operation.amount)}::numeric`;
    return sql`case
      when ${absent} then to_jsonb(${amount})
      when jsonb_typeof(${current}) = 'number' then to_jsonb((${current} #>> '{}')::numeric + ${amount})
      when jsonb_typeof(${current}) = 'boolean' then
        to_jsonb(case when ${current} = 'true'::jsonb then 1 else 0 end + ${amount})
      when jsonb_typeof(${current}) = 'string' and ${text} = '' then to_jsonb(${amount})
      when jsonb_typeof(${current}) = 'string' and ${text} ~ ${numericText}
        then to_jsonb(${text}::numeric + ${amount})
    end`;
  }
  const list = sql`(case when ${absent} then '[]'::jsonb when jsonb_typeof(${current}) = 'array' then ${current} end)`;
  if (operation.type === 'append') return sql`${list} || ${jsonText(operation.values) ?? '[]'}::jsonb`;
  const value = sql`${jsonText(operation.value) ?? 'null'}::jsonb`;
  if (operation.type === 'addToSet') {
    return sql`case
      when exists (select 1 from jsonb_array_elements(${list}) as e(item) where e.item = ${value}) then ${list}
      else ${list} || jsonb_build_array(${value})
    end`;
  }
  if (operation.all) {
    return sql`case when ${list} is not null then (select coalesce(jsonb_agg(e.item order by e.at), '[]'::jsonb)
      from jsonb_array_elements(${list}) with ordinality as e(item, at) where e.item <> ${value}) end`;
  }
  return sql`case when ${list} is not null then (select coalesce(jsonb_agg(e.item order by e.at), '[]'::jsonb)
    from jsonb_array_elements(${list}) with ordinality as e(item, at)
    where e.at is distinct from (select min(f.at) from jsonb_array_elements(${list}) with ordinality as f(item, at)
      where f.item = ${value})) end`;
}

/** The lease gone: this worker no longer owns the execution, so it must not change any state. */
export class LeaseLostError extends Error {
  constructor(executionId: string) {
    super(
      `execution ${executionId} is no longer this worker's (its lease was lost); the state was not changed`,
    );
    this.name = 'LeaseLostError';
  }
}

/**
 * Applies `operation` to `key` of a store in one statement (see the top of this file) and answers the value
 * after it. Throws `StateValueError` when the stored value is not of the operation's kind (nothing changes), and
 * `LeaseLostError` when the execution is no longer this worker's.
 */
export async function applyStateOperation(
  db: Kysely<Database>,
  target: RecordTarget,
  scope: PersistedScope,
  rawKey: string,
  operation: StateOperation,
): Promise<unknown> {
  const key = textValue(rawKey);
  const current = sql`(t.state -> ${key}::text)`;
  const first = valueAfter(sql`null::jsonb`, operation);
  const after = valueAfter(current, operation);
  const guard = sql`select 1 from executions
    where id = ${target.executionId} and lease_owner = ${target.leaseOwner} and status in ('running', 'cancelled')
    for share`;
  const upsert =
    scope === 'integration'
      ? sql`insert into integration_state as t (org_id, integration_id, state)
          select ${target.orgId}::uuid, ${target.integrationId}::uuid, jsonb_build_object(${key}::text, ${first})
          where exists (select 1 from guard)
          on conflict (org_id, integration_id) do update
            set state = jsonb_set(t.state, array[${key}::text], ${after})
            where ${after} is not null
          returning t.state -> ${key}::text as value`
      : sql`insert into instance_state as t (instance_id, scope, state)
          select ${target.instanceId}::uuid, ${instanceScope(target, scope)}, jsonb_build_object(${key}::text, ${first})
          where exists (select 1 from guard)
          on conflict (instance_id, scope) do update
            set state = jsonb_set(t.state, array[${key}::text], ${after})
            where ${after} is not null
          returning t.state -> ${key}::text as value`;
  const before =
    scope === 'integration'
      ? sql`select t.state -> ${key}::text from integration_state t
          where t.org_id = ${target.orgId}::uuid and t.integration_id = ${target.integrationId}::uuid`
      : sql`select t.state -> ${key}::text from instance_state t
          where t.instance_id = ${target.instanceId}::uuid and t.scope = ${instanceScope(target, scope)}`;
  // Not worth an fsync of its own, as the step records written while a run goes on: the execution's outcome is
  // committed synchronously, after this, and its commit makes the WAL before it durable too.
  const { rows } = await sql<{ owned: number; written: number; value: unknown; before: unknown }>`
    with guard as (${guard}), written as (${upsert})
    select (select count(*) from guard)::int as owned, (select count(*) from written)::int as written,
      (select value from written) as value, (${before}) as before
    from (select set_config('synchronous_commit', 'off', true)) as async_commit`.execute(db);
  const row = rows[0];
  if (!row || row.owned === 0) throw new LeaseLostError(target.executionId);
  if (row.written === 0)
    throw new StateValueError(rawKey, operation.type === 'add' ? 'number' : 'list', row.before);
  return row.value;
}
