import { Badge } from '../../../shared/ui.js';

const triggerLabels: Record<string, string> = {
  webhook: 'Webhook',
  schedule: 'Schedule',
  deploy: 'Deploy',
  remove: 'Remove',
  test: 'Test run',
  crossFlow: 'Cross-flow',
  retry: 'Retry',
  replay: 'Replay',
};

export function triggerLabel(kind: string): string {
  return triggerLabels[kind] ?? kind;
}

const statusLabels: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  ignored: 'Skipped',
};

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge kind={status}>
      {(status === 'running' || status === 'queued') && <span className="status-pulse" aria-hidden="true" />}
      {statusLabel(status)}
    </Badge>
  );
}

export function LevelBadge({ level }: { level: string }) {
  return <Badge kind={`level-${level}`}>{level}</Badge>;
}

/** `{code, message, stepKey?}` or anything else a failure carries, as text. */
export function errorOf(
  error: unknown,
): { message: string; code?: string; stepKey?: string; stack?: string } | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === 'string') return { message: error };
  if (typeof error === 'object') {
    const record = error as Record<string, unknown>;
    const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
    const message = text('message') ?? JSON.stringify(error);
    const code = text('code');
    const stepKey = text('stepKey');
    const stack = text('stack');
    return {
      message,
      ...(code ? { code } : {}),
      ...(stepKey ? { stepKey } : {}),
      ...(stack ? { stack } : {}),
    };
  }
  return { message: String(error) };
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
