import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { When } from '../../ui/when.js';
import { useRetryDelivery } from './mutations.js';
import type { AlertDelivery, AlertMonitor } from './queries.js';

const tabs = [
  { path: '/', label: 'Monitors', testId: 'monitors-tab-monitors' },
  { path: '/groups', label: 'Alert groups', testId: 'monitors-tab-groups' },
  { path: '/webhooks', label: 'Alert webhooks', testId: 'monitors-tab-webhooks' },
] as const;

/** The section's three tabs (links: each tab has its own URL). */
export function MonitorTabs() {
  const [location] = useLocation();
  return (
    <nav className="tabs monitors-tabs" aria-label="Alerting">
      {tabs.map((tab) => (
        <Link
          key={tab.path}
          href={tab.path}
          aria-current={location === tab.path ? 'page' : undefined}
          data-testid={tab.testId}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}

/** Whether a monitor has fired and nobody cleared it yet: what people scan the list for. */
export function MonitorState({ monitor }: { monitor: AlertMonitor }) {
  if (monitor.triggered) {
    return (
      <span className="badge error monitors-triggered" data-testid="monitor-triggered">
        <span aria-hidden="true" className="monitors-dot" />
        Triggered · {monitor.openEvents} open
      </span>
    );
  }
  if (!monitor.enabled) return <Badge kind="paused">Disabled</Badge>;
  return <Badge kind="active">OK</Badge>;
}

/** What a monitor watches, in words: one instance (a link), or a default for an integration/customer/everyone. */
export function MonitorScope({
  monitor,
  links = true,
  showFlow = true,
}: {
  monitor: AlertMonitor;
  links?: boolean;
  showFlow?: boolean;
}) {
  const flow =
    showFlow && monitor.flowName ? (
      <>
        {' '}
        · flow <strong>{monitor.flowName}</strong>
      </>
    ) : null;
  if (monitor.instanceId) {
    return (
      <span>
        {links ? (
          <Link href={`~/instances/${monitor.instanceId}`}>{monitor.instanceName ?? 'Instance'}</Link>
        ) : (
          (monitor.instanceName ?? 'Instance')
        )}
        {flow}
      </span>
    );
  }
  return (
    <span>
      <span className="chip monitors-default-chip">Default</span> {defaultScopeText(monitor)}
      {flow}
    </span>
  );
}

export function defaultScopeText(monitor: Pick<AlertMonitor, 'integrationName' | 'customerName'>): string {
  if (monitor.integrationName && monitor.customerName) {
    return `every instance of ${monitor.integrationName} for ${monitor.customerName}`;
  }
  if (monitor.integrationName) return `every instance of ${monitor.integrationName}`;
  if (monitor.customerName) return `every instance of ${monitor.customerName}`;
  return 'every instance';
}

/** "90 s", "15 min", "2 h", "1 day": an interval given in seconds. */
export function formatInterval(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A form field: label, the control, help, and the API's refusal at the field. */
export function Field({
  id,
  label,
  help,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  help?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {children}
      {help && (
        <p className="help" id={`${id}-help`}>
          {help}
        </p>
      )}
      {error && (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** After a refused submit: the first field marked invalid gets the focus (and scrolls into view in a long form). */
export function focusFirstInvalid(formId: string): void {
  requestAnimationFrame(() => {
    document.getElementById(formId)?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });
}

/** `aria-describedby` for a control in a Field. */
export function describedBy(id: string, help: boolean, error: string | undefined): string | undefined {
  const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

const statusKinds: Record<AlertDelivery['status'], string> = {
  delivered: 'succeeded',
  pending: 'queued',
  failed: 'failed',
};

export function DeliveryStatus({ delivery }: { delivery: AlertDelivery }) {
  return <Badge kind={statusKinds[delivery.status]}>{delivery.status}</Badge>;
}

function channelOf(delivery: AlertDelivery): string {
  return delivery.channel === 'alert-email' ? 'Email' : 'Webhook';
}

function recipientOf(delivery: AlertDelivery): string {
  return delivery.recipient ?? delivery.webhookName ?? (delivery.webhookId ? 'A deleted webhook' : '');
}

/** What happened last time: the HTTP status, the error, or when it is tried again. */
function outcomeOf(delivery: AlertDelivery): ReactNode {
  const parts: ReactNode[] = [];
  if (delivery.lastStatusCode !== null) parts.push(`HTTP ${delivery.lastStatusCode}`);
  if (delivery.lastError) parts.push(delivery.lastError);
  if (delivery.status === 'pending' && delivery.nextAttemptAt) {
    parts.push(
      <span key="next">
        next try <When value={delivery.nextAttemptAt} />
      </span>,
    );
  }
  if (delivery.status === 'delivered' && delivery.deliveredAt && parts.length === 0) {
    parts.push(
      <span key="at">
        delivered <When value={delivery.deliveredAt} />
      </span>,
    );
  }
  if (parts.length === 0) return <span className="muted">—</span>;
  return parts.map((part, index) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of parts, never reordered
    <span key={index}>
      {index > 0 ? ' · ' : ''}
      {part}
    </span>
  ));
}

/**
 * Deliveries of an alert (to people by email, to webhooks): channel, to whom, how it went, how many attempts; a
 * failed one can be sent again (retry) by people who may change alerting.
 */
export function DeliveryList({
  deliveries,
  showWhen,
  retryable = true,
  testId,
}: {
  deliveries: readonly AlertDelivery[];
  /** A webhook's own log: when each was sent, instead of to whom. */
  showWhen?: boolean;
  /** Off where the list is a snapshot that a retry would not refresh (a test's answer). */
  retryable?: boolean;
  testId?: string;
}) {
  const { can } = useConsole();
  const retry = useRetryDelivery();
  const mayRetry = retryable && can('alerts:write');
  // A list, not a table: each delivery wraps onto two lines at phone width instead of squeezing columns.
  return (
    <div className="stack-tight">
      <ul className="monitors-deliveries" data-testid={testId}>
        {deliveries.map((delivery) => (
          <li key={delivery.id} data-testid="alert-delivery" data-status={delivery.status}>
            <div className="row wrap monitors-delivery-head">
              <DeliveryStatus delivery={delivery} />
              {showWhen ? (
                // One webhook's log: who it went to is the same on every line; when it was sent is not.
                <span className="spacer">
                  <When value={delivery.createdAt} />
                </span>
              ) : (
                <span className="spacer monitors-delivery-to">
                  <span className="muted">{channelOf(delivery)} · </span>
                  <strong>{recipientOf(delivery)}</strong>
                </span>
              )}
              <span className="small muted">
                {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
              </span>
              {mayRetry && delivery.status === 'failed' && (
                <button
                  type="button"
                  className="button small-button"
                  data-testid="alert-delivery-retry"
                  disabled={retry.isPending && retry.variables === delivery.id}
                  onClick={() => retry.mutate(delivery.id)}
                >
                  {retry.isPending && retry.variables === delivery.id ? 'Retrying…' : 'Retry'}
                </button>
              )}
            </div>
            <div className="small monitors-delivery-outcome">{outcomeOf(delivery)}</div>
          </li>
        ))}
      </ul>
      {retry.isError && (
        <p className="error small" role="alert">
          {messageOf(retry.error)}
        </p>
      )}
    </div>
  );
}

/** The outcome of "Send test": each delivery the sample made, as sent (or queued when no worker runs here). */
export function TestOutcome({ deliveries }: { deliveries: readonly AlertDelivery[] }) {
  if (deliveries.length === 0) {
    return (
      <div className="notice info" role="status">
        Nothing was sent: the group has no users with an email and no webhooks.
      </div>
    );
  }
  const delivered = deliveries.filter((delivery) => delivery.status === 'delivered').length;
  const failed = deliveries.filter((delivery) => delivery.status === 'failed').length;
  // Pending after an attempt: it failed once and is retried with backoff; pending before one: queued.
  const retrying = deliveries.filter(
    (delivery) => delivery.status === 'pending' && delivery.attempts > 0,
  ).length;
  const queued = deliveries.length - delivered - failed - retrying;
  const parts = [
    `${delivered} of ${deliveries.length} deliver${deliveries.length === 1 ? 'y' : 'ies'} succeeded`,
    failed > 0 ? `${failed} failed` : '',
    retrying > 0 ? `${retrying} failed and will be retried` : '',
    queued > 0 ? `${queued} queued (sent in the background)` : '',
  ].filter(Boolean);
  const bad = failed + retrying > 0;
  return (
    <div className="stack-tight" data-testid="alert-test-outcome">
      <div className={`notice ${bad ? 'error' : queued > 0 ? 'info' : 'success'}`} role="status">
        {parts.join('; ')}.
      </div>
      <DeliveryList deliveries={deliveries} retryable={false} />
    </div>
  );
}
