import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';

/**
 * The executions this process runs, and their leases. Claiming an execution sets `lease_owner` (this process's
 * id) and `lease_expires_at`; one heartbeat for all of them renews the leases every `leaseMs / 3` and, in the same
 * pass, notices the ones it could not renew: cancelled through the API (the run is aborted, what ran is stored, the
 * status stays cancelled) or taken over by another worker after this one stalled past its lease (the run is
 * aborted and stores nothing).
 */
export class ActiveRun {
  readonly controller = new AbortController();
  /** Set once the claim succeeded: only claimed runs have a lease to renew. */
  claimed = false;
  /** The lease went to another worker (or the row is gone): nothing of this run may be stored. */
  lost = false;
  /** Shutdown gave up waiting for it: it keeps its lease, stores nothing, and the reaper hands it on. */
  detached = false;
  private settle!: () => void;
  /** Settles when the run has stored its outcome (or given up). */
  readonly done = new Promise<void>((resolve) => {
    this.settle = resolve;
  });

  constructor(readonly executionId: string) {}

  /** @internal called by `ExecutionLeases.release` */
  settled(): void {
    this.settle();
  }
}

/** Why a run's signal was aborted. */
export type AbortCause = 'cancelled' | 'lease-lost' | 'shutdown';

export class ExecutionLeases {
  /** This process's lease owner id: host, pid and a random part (a restarted process is a new owner). */
  readonly owner: string;
  private readonly runs = new Map<string, ActiveRun>();
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    readonly leaseMs: number,
  ) {
    this.owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Registers a run before its claim; undefined when this process already runs that execution. */
  reserve(executionId: string): ActiveRun | undefined {
    if (this.runs.has(executionId)) return undefined;
    const run = new ActiveRun(executionId);
    this.runs.set(executionId, run);
    if (!this.timer) {
      this.timer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
    return run;
  }

  release(run: ActiveRun): void {
    if (this.runs.get(run.executionId) === run) this.runs.delete(run.executionId);
    run.settled();
    if (this.runs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get active(): ActiveRun[] {
    return [...this.runs.values()];
  }

  isRunningHere(executionId: string): boolean {
    return this.runs.has(executionId);
  }

  /** Aborts a run, recording why (the engine ends it as cancelled; the cause decides what gets stored). */
  abort(run: ActiveRun, cause: AbortCause): void {
    if (cause === 'lease-lost') run.lost = true;
    if (cause === 'shutdown') run.detached = true;
    if (!run.controller.signal.aborted) run.controller.abort(cause);
  }

  /** Renews every claimed lease in one statement; runs whose lease could not be renewed are stopped. */
  async heartbeat(): Promise<void> {
    if (this.beating) return;
    const ids = this.active
      .filter((run) => run.claimed && !run.detached && !run.lost)
      .map((run) => run.executionId);
    if (ids.length === 0) return;
    this.beating = true;
    try {
      const renewed = await sql<{ id: string }>`
        update executions set lease_expires_at = now() + ${this.leaseMs} * interval '1 millisecond'
        where id = any(${ids}::uuid[]) and lease_owner = ${this.owner} and status = 'running'
        returning id`.execute(this.db);
      if (renewed.rows.length === ids.length) return;
      const kept = new Set(renewed.rows.map((row) => row.id));
      const missing = ids.filter((id) => !kept.has(id));
      const rows = await this.db
        .selectFrom('executions')
        .select(['id', 'status', 'lease_owner'])
        .where('id', 'in', missing)
        .execute();
      for (const id of missing) {
        const run = this.runs.get(id);
        if (!run?.claimed) continue; // finished meanwhile
        const row = rows.find((candidate) => candidate.id === id);
        if (row?.status === 'cancelled' && row.lease_owner === this.owner) {
          this.log.info({ executionId: id }, 'execution cancelled; stopping it');
          this.abort(run, 'cancelled');
        } else if (!(row?.status === 'running' && row.lease_owner === this.owner)) {
          this.log.warn(
            { executionId: id, owner: row?.lease_owner ?? null },
            'lost the lease of a running execution (this worker stalled past it, or the execution was deleted); stopping it',
          );
          this.abort(run, 'lease-lost');
        }
      }
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'could not renew execution leases; retrying');
    } finally {
      this.beating = false;
    }
  }

  /** Stops the heartbeat (the process is going away; leases left behind expire and the reaper hands them on). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
