import type { Task } from 'graphile-worker';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database/schema.js';
import { defaultAuditPruneBatchSize, pruneAuditEvents } from './audit-store.js';

/** The graphile-worker task that deletes audit events past their retention; the worker runs it hourly by cron. */
export const pruneAuditEventsTaskName = 'prune-audit-events';

/** Its crontab line (graphile-worker runs each tick once however many workers there are); none for 0 days. */
export function pruneAuditEventsCrontab(retentionDays: number): string[] {
  return retentionDays > 0 ? [`41 * * * * ${pruneAuditEventsTaskName} ?max=1`] : [];
}

/**
 * Runs `pruneAuditEvents` with the configured retention (`WEFT_AUDIT_RETENTION_DAYS`; 0 keeps everything) and
 * logs how many went. Its payload may carry `{batchSize}`.
 */
export function pruneAuditEventsTask(db: Kysely<Database>, retentionDays: number, log: Logger): Task {
  return async (payload) => {
    if (!(retentionDays > 0)) {
      log.debug('audit retention is off (0 days); nothing pruned');
      return;
    }
    const requested = (payload as { batchSize?: unknown } | null)?.batchSize;
    const batchSize =
      typeof requested === 'number' && Number.isInteger(requested) && requested > 0
        ? requested
        : defaultAuditPruneBatchSize;
    const started = Date.now();
    const deleted = await pruneAuditEvents(db, { olderThanDays: retentionDays, batchSize });
    log.info(
      { retentionDays, auditEvents: deleted, durationMs: Date.now() - started },
      'pruned old audit events',
    );
  };
}
