import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import { addRunJob, queueNameFor } from '../executions/execution-queue.js';
import { executionFinishedChannel } from '../executions/execution-waiter.js';
import type { IntegrationVersions } from '../integrations/integration-versions.js';
import type { ExecutionLeases } from './execution-leases.js';

/**
 * Hands on the executions of dead workers. Every worker process runs it every `leaseMs / 2`: it looks for running
 * executions whose lease expired (a cheap query on `executions_lease_idx`) and makes them runnable again.
 * graphile-worker keeps a dead worker's jobs locked for hours, so their locks are released at once
 * (`graphile_worker.force_unlock_workers`, which also frees the FIFO and concurrency-limit queues they held) and
 * the workers are nudged; an execution whose job is gone (its task returned when shutdown cut the run off) gets
 * its job back (`addRunJob`). The next worker to run the job claims the execution as a new attempt.
 *
 * A job whose worker is alive but stalled past its lease is unlocked too: whoever takes it over becomes the
 * lease owner, and the stalled worker, fenced off, stores nothing when it wakes up.
 *
 * Once a minute it also looks for jobs locked for longer than a lease whose execution was never claimed (a worker
 * that died between taking the job and claiming the execution, a window of one round trip) and unlocks them. That
 * query reads the jobs table without an index (as graphile-worker's own stale-lock reset does), hence the rarity.
 */
export interface ExecutionReaper {
  /** One pass (tests call it to avoid waiting for the timer). */
  reap(): Promise<number>;
  stop(): void;
}

/** Executions handed on per pass at most. */
const batchSize = 100;
/** How often the jobs locked but never claimed are looked for. */
const unclaimedCheckEveryMs = 60_000;
const uuidText = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

interface ExpiredExecution {
  id: string;
  instance_id: string;
  integration_version_id: string;
  flow_stable_key: string;
  job_id: string | null;
  locked_by: string | null;
  job_exhausted: boolean | null;
}

export function startExecutionReaper(
  db: Kysely<Database>,
  log: Logger,
  deps: { leases: ExecutionLeases; versions: IntegrationVersions },
): ExecutionReaper {
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastUnclaimedCheck = Date.now();

  const reap = async (): Promise<number> => {
    if (Date.now() - lastUnclaimedCheck >= unclaimedCheckEveryMs) {
      lastUnclaimedCheck = Date.now();
      await unlockUnclaimed(db, log, deps.leases.leaseMs);
    }
    const { rows } = await sql<ExpiredExecution>`
      select e.id, e.instance_id, e.integration_version_id, e.flow_stable_key,
        j.id::text as job_id, j.locked_by, j.attempts >= j.max_attempts as job_exhausted
      from executions e
      left join graphile_worker._private_jobs j on j.key = e.id::text
      where e.status = 'running' and e.lease_expires_at < now()
      order by e.lease_expires_at
      limit ${batchSize}`.execute(db);
    // Runs of this very process whose renewal was late (a slow database): renew now, do not hand them on.
    const expired = rows.filter((row) => !deps.leases.isRunningHere(row.id));
    if (expired.length < rows.length) void deps.leases.heartbeat();
    if (expired.length === 0) return 0;

    const lockedBy = [...new Set(expired.flatMap((row) => (row.locked_by ? [row.locked_by] : [])))];
    if (lockedBy.length > 0) {
      await sql`select graphile_worker.force_unlock_workers(${lockedBy}::text[])`.execute(db);
    }
    for (const row of expired.filter((candidate) => candidate.job_id === null)) {
      await addRunJob(db, row.id, await queueName(deps.versions, row));
    }
    const exhausted = expired.filter((row) => row.job_exhausted === true).map((row) => row.id);
    if (exhausted.length > 0) await failExhausted(db, exhausted);
    const runnable = expired.length - exhausted.length;
    if (lockedBy.length > 0 && runnable > 0) {
      // Unlocked jobs are due now: wake the idle workers instead of waiting for their next poll.
      await sql`select pg_notify('jobs:insert', ${JSON.stringify({ r: Math.random(), count: runnable })})`.execute(
        db,
      );
    }
    log.warn(
      {
        executions: expired.map((row) => row.id),
        unlockedWorkers: lockedBy,
        rescheduled: expired.filter((row) => row.job_id === null).length,
        failed: exhausted.length,
      },
      'executions of stopped workers made runnable again',
    );
    return expired.length;
  };

  const tick = () => {
    if (stopped) return;
    running ??= reap()
      .catch((error: Error) => {
        log.warn({ error: error.message }, 'could not look for executions of stopped workers; retrying');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    // A little jitter, so the reapers of many workers do not all ask at the same moment.
    const period = Math.max(250, Math.floor(deps.leases.leaseMs / 2));
    timer = setTimeout(tick, period * (0.8 + Math.random() * 0.4));
    timer.unref();
  };
  timer = setTimeout(tick, Math.random() * Math.max(250, deps.leases.leaseMs / 2));
  timer.unref();

  return {
    reap: () => running ?? reap(),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Jobs locked for longer than a lease whose execution is still queued: their worker died before claiming it. */
async function unlockUnclaimed(db: Kysely<Database>, log: Logger, leaseMs: number): Promise<void> {
  const { rows } = await sql<{ locked_by: string }>`
    select distinct j.locked_by
    from graphile_worker._private_jobs j
    join executions e on e.id = case when j.key ~ ${uuidText} then j.key::uuid end
    where j.locked_at < now() - ${leaseMs} * interval '1 millisecond' and e.status = 'queued'`.execute(db);
  if (rows.length === 0) return;
  const workers = rows.map((row) => row.locked_by);
  await sql`select graphile_worker.force_unlock_workers(${workers}::text[])`.execute(db);
  await sql`select pg_notify('jobs:insert', ${JSON.stringify({ r: Math.random(), count: rows.length })})`.execute(
    db,
  );
  log.warn(
    { unlockedWorkers: workers },
    'jobs taken by stopped workers before they ran them made runnable again',
  );
}

async function queueName(versions: IntegrationVersions, row: ExpiredExecution): Promise<string | null> {
  const integration = await versions.get(row.integration_version_id).catch(() => undefined);
  const flow = integration?.flows.find((candidate) => candidate.stableKey === row.flow_stable_key);
  return flow ? queueNameFor(row.instance_id, flow, row.id) : null;
}

/** Executions whose job ran out of attempts: nothing will run them again, so they end failed. */
async function failExhausted(db: Kysely<Database>, ids: string[]): Promise<void> {
  const error = JSON.stringify({
    code: 'EXECUTION_ABANDONED',
    message: 'the workers running this execution stopped too many times; it was not run again (replay it)',
  });
  await sql`
    with failed as (
      update executions set status = 'failed', error = ${error}::jsonb, finished_at = now(), lease_expires_at = null
      where id = any(${ids}::uuid[]) and status = 'running' and lease_expires_at < now()
      returning id, org_id, instance_id, customer_id, integration_id, flow_name, attempt, retry_number, retry_of_id,
        test_state, trigger_kind
    ),
    -- As a finished run would (worker/execution-recorder.ts): the alert monitors watching the instance hear of it.
    monitored as (
      insert into monitoring_events (org_id, type, subject_id, data)
      select f.org_id, 'execution.finished', f.id, jsonb_build_object(
          'executionId', f.id, 'instanceId', f.instance_id, 'instanceName', n.name, 'customerId', f.customer_id,
          'customerName', c.name, 'customerExternalId', c.external_id, 'integrationId', f.integration_id,
          'flowName', f.flow_name, 'triggerKind', f.trigger_kind, 'durationMs', 0, 'attempt', f.attempt,
          'retryNumber', f.retry_number, 'retryOfId', f.retry_of_id, 'isTest', f.test_state, 'retryPending', false,
          'status', 'failed', 'worstLog', null,
          'error', jsonb_build_object('code', 'EXECUTION_ABANDONED', 'message', ${error}::jsonb ->> 'message'))
      from failed f
      join instances n on n.id = f.instance_id
      join customers c on c.id = f.customer_id
      where exists (
          select 1 from alert_monitors m
          where m.org_id = f.org_id and m.enabled
            and (m.instance_id = f.instance_id or (m.instance_id is null
              and (m.integration_id is null or m.integration_id = f.integration_id)
              and (m.customer_id is null or m.customer_id = f.customer_id))))
        or exists (select 1 from log_streams s where s.org_id = f.org_id and s.enabled)
    )
    select pg_notify(${executionFinishedChannel}, id::text) from failed`.execute(db);
}
