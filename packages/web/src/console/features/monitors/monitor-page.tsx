import { WeftApiError } from '@weft/client';
import { useId, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge, Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { formatDuration } from '../../ui/format.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import type { EventFilters } from './keys.js';
import { MonitorFormDialog } from './monitor-dialog.js';
import { useClearEvent, useClearMonitor, useDeleteMonitor, useUpdateMonitor } from './mutations.js';
import { DeliveryList, formatInterval, MonitorScope, MonitorState } from './parts.js';
import {
  type AlertEvent,
  type AlertMonitor,
  useAlertEvent,
  useAlertTriggers,
  useEventList,
  useMonitor,
} from './queries.js';
import './monitors.css';

/** `/monitors/:id`: a monitor's settings and actions, and what it fired (its events, with their deliveries). */
export default function MonitorPage({ monitorId }: { monitorId: string }) {
  const monitor = useMonitor(monitorId);
  if (monitor.isPending) return <Loading />;
  if (monitor.isError) {
    const missing = monitor.error instanceof WeftApiError && monitor.error.status === 404;
    return (
      <div className="stack">
        <PageHeader
          title={missing ? 'Monitor not found' : 'Monitor'}
          back={{ href: '/', label: 'Monitors' }}
        />
        <ErrorNotice onRetry={missing ? undefined : () => void monitor.refetch()}>
          {messageOf(monitor.error)}
        </ErrorNotice>
      </div>
    );
  }
  return <MonitorView monitor={monitor.data} />;
}

function MonitorView({ monitor }: { monitor: AlertMonitor }) {
  const [, navigate] = useLocation();
  const triggers = useAlertTriggers();
  const update = useUpdateMonitor(monitor.id);
  const clearAll = useClearMonitor();
  const remove = useDeleteMonitor();
  const [dialog, setDialog] = useState<'edit' | 'delete'>();
  const [actionError, setActionError] = useState<string>();
  const busy = update.isPending || clearAll.isPending || remove.isPending;

  function run(action: () => Promise<unknown>) {
    setActionError(undefined);
    action().catch((error: unknown) => setActionError(messageOf(error)));
  }

  const triggerOf = (key: string) => triggers.data?.find((trigger) => trigger.key === key);

  return (
    <div className="stack">
      <PageHeader
        title={monitor.name}
        back={{ href: '/', label: 'Monitors' }}
        meta={
          <>
            <MonitorState monitor={monitor} />
            <span>
              Watches <MonitorScope monitor={monitor} />
            </span>
          </>
        }
        actions={
          <IfAllowed permission="alerts:write">
            {monitor.triggered && (
              <button
                type="button"
                className="button primary"
                data-testid="monitor-clear-all"
                disabled={busy}
                onClick={() => run(() => clearAll.mutateAsync(monitor))}
              >
                {clearAll.isPending ? 'Clearing…' : `Clear all (${monitor.openEvents})`}
              </button>
            )}
            <button
              type="button"
              className="button"
              data-testid="monitor-edit"
              onClick={() => setDialog('edit')}
            >
              Edit
            </button>
            <button
              type="button"
              className="button"
              data-testid={monitor.enabled ? 'monitor-disable' : 'monitor-enable'}
              disabled={busy}
              onClick={() => run(() => update.mutateAsync({ enabled: !monitor.enabled }))}
            >
              {monitor.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              className="button danger"
              data-testid="monitor-delete"
              disabled={busy}
              onClick={() => setDialog('delete')}
            >
              Delete
            </button>
          </IfAllowed>
        }
      />
      <div aria-live="polite">
        {actionError && (
          <div className="notice error" role="alert">
            {actionError}
          </div>
        )}
        {!monitor.enabled && (
          <div className="notice info">
            This monitor is disabled: nothing it watches fires an alert until it is enabled.
          </div>
        )}
      </div>

      <Section title="Details" id="monitor-details">
        <dl className="facts monitors-facts">
          <div>
            <dt>Watches</dt>
            <dd>
              <MonitorScope monitor={monitor} showFlow={false} />
            </dd>
          </div>
          <div>
            <dt>Flow</dt>
            <dd>{monitor.flowName ?? <span className="muted">Every flow</span>}</dd>
          </div>
          <div>
            <dt>Notifies</dt>
            <dd>
              {monitor.groups.length === 0 ? (
                <span className="muted">No one: events are only recorded</span>
              ) : (
                <span className="row wrap monitors-chips">
                  {monitor.groups.map((group) => (
                    <Link key={group.id} href="/groups" className="chip">
                      {group.name}
                    </Link>
                  ))}
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>Last event</dt>
            <dd>
              {monitor.lastEventAt ? (
                <When value={monitor.lastEventAt} />
              ) : (
                <span className="muted">None yet</span>
              )}
            </dd>
          </div>
          <div className="wide">
            <dt>Triggers</dt>
            <dd>
              <ul className="monitors-trigger-list" data-testid="monitor-triggers">
                {monitor.triggers.map((key) => {
                  const trigger = triggerOf(key);
                  return (
                    <li key={key}>
                      <strong>{trigger?.name ?? key}</strong>
                      {key === 'execution-duration-exceeded' && monitor.durationThresholdMs !== null && (
                        <span className="muted">
                          {' '}
                          · {formatDuration(monitor.durationThresholdMs)} or longer
                        </span>
                      )}
                      {key === 'execution-overdue' && monitor.overdueIntervalSeconds !== null && (
                        <span className="muted">
                          {' '}
                          · no execution within {formatInterval(monitor.overdueIntervalSeconds)}
                        </span>
                      )}
                      {key === 'log-level-exceeded' && monitor.logLevel && (
                        <span className="muted"> · {monitor.logLevel} or above</span>
                      )}
                      {trigger?.clearedBy && (
                        <span className="small muted"> · clears on {trigger.clearedBy}</span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </dd>
          </div>
        </dl>
      </Section>

      <EventsSection monitor={monitor} />

      {dialog === 'edit' && <MonitorFormDialog monitor={monitor} onClose={() => setDialog(undefined)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${monitor.name}?`}
          confirmLabel={remove.isPending ? 'Deleting…' : 'Delete monitor'}
          busy={remove.isPending}
          error={remove.error ? messageOf(remove.error) : undefined}
          onClose={() => {
            remove.reset();
            setDialog(undefined);
          }}
          onConfirm={() =>
            void remove
              .mutateAsync(monitor)
              .then(() => navigate('/', { replace: true }))
              .catch(() => {})
          }
        >
          <p>
            The monitor <strong>{monitor.name}</strong> stops watching, and its events and their delivery
            records are deleted. The alert groups it notified stay.
          </p>
          <p className="muted">This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

const eventShows = [
  { value: '', label: 'All events' },
  { value: 'open', label: 'Open' },
  { value: 'cleared', label: 'Cleared' },
] as const;

function EventsSection({ monitor }: { monitor: AlertMonitor }) {
  const id = useId();
  const [show, setShow] = useState<'' | 'open' | 'cleared'>('');
  const filters: EventFilters = { monitor: monitor.id, ...(show ? { open: show === 'open' } : {}) };
  const events = useEventList(filters);
  const rows = useMemo(() => events.data?.pages.flatMap((page) => page.items) ?? [], [events.data]);
  return (
    <Section
      title="Events"
      id="monitor-events"
      actions={
        <div className="row monitors-inline-field">
          <label htmlFor={`${id}-show`} className="small muted">
            Show
          </label>
          <select
            id={`${id}-show`}
            className="select"
            value={show}
            data-testid="monitor-events-filter"
            onChange={(event) => setShow(event.target.value as typeof show)}
          >
            {eventShows.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {events.isPending ? (
        <Loading />
      ) : events.isError ? (
        <ErrorNotice onRetry={() => void events.refetch()}>{messageOf(events.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <Empty>
          {show === 'open'
            ? 'No open events: nothing needs attention.'
            : show === 'cleared'
              ? 'No cleared events yet.'
              : 'This monitor has not fired yet. Its events appear here when what it watches happens; notifications go to its alert groups.'}
        </Empty>
      ) : (
        <>
          <ul className="monitors-events" data-testid="monitor-events">
            {rows.map((event) => (
              <EventItem key={event.id} event={event} showInstance={!monitor.instanceId} />
            ))}
          </ul>
          {events.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                data-testid="monitor-events-more"
                disabled={events.isFetchingNextPage}
                onClick={() => void events.fetchNextPage()}
              >
                {events.isFetchingNextPage ? 'Loading…' : 'Show older events'}
              </button>
            </div>
          )}
        </>
      )}
    </Section>
  );
}

function EventItem({ event, showInstance }: { event: AlertEvent; showInstance: boolean }) {
  const { can } = useConsole();
  const clear = useClearEvent();
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const isOpen = event.clearedAt === null;
  return (
    <li
      className={`monitors-event${isOpen ? ' open' : ''}`}
      data-testid="monitor-event"
      data-state={isOpen ? 'open' : 'cleared'}
    >
      <div className="row wrap monitors-event-head">
        {isOpen ? <Badge kind="error">Open</Badge> : <Badge kind="unconfigured">Cleared</Badge>}
        <strong className="spacer">{event.triggerName}</strong>
        <span className="small muted">
          <When value={event.createdAt} />
        </span>
      </div>
      <p className="monitors-event-message">{event.message}</p>
      {event.logMessage && (
        <p className="small monitors-event-log">
          {event.logLevel && <Badge kind={`level-${event.logLevel}`}>{event.logLevel}</Badge>}{' '}
          <code className="mono">{event.logMessage}</code>
        </p>
      )}
      <dl className="monitors-event-facts small">
        {(showInstance || !event.instanceId) && (
          <div>
            <dt>Instance</dt>
            <dd>
              {event.instanceId ? (
                <Link href={`~/instances/${event.instanceId}`}>{event.instanceName ?? event.instanceId}</Link>
              ) : (
                (event.instanceName ?? <span className="muted">Removed</span>)
              )}
            </dd>
          </div>
        )}
        {event.flowName && (
          <div>
            <dt>Flow</dt>
            <dd>{event.flowName}</dd>
          </div>
        )}
        {event.stepName && (
          <div>
            <dt>Step</dt>
            <dd>{event.stepName}</dd>
          </div>
        )}
        {event.executionId && (
          <div>
            <dt>Execution</dt>
            <dd>
              <Link href={`~/executions/${event.executionId}`} data-testid="monitor-event-execution">
                Open the execution
              </Link>
            </dd>
          </div>
        )}
        {event.connectionId && (
          <div>
            <dt>Connection</dt>
            <dd className="mono">{event.connectionId}</dd>
          </div>
        )}
        {!isOpen && (
          <div>
            <dt>Cleared</dt>
            <dd>
              <When value={event.clearedAt} />
              {event.clearedReason && <span className="muted">: {event.clearedReason}</span>}
            </dd>
          </div>
        )}
      </dl>
      <div className="row wrap monitors-event-actions">
        <button
          type="button"
          className="button small-button"
          aria-expanded={open}
          aria-controls={detailsId}
          data-testid="monitor-event-deliveries-toggle"
          onClick={() => setOpen((now) => !now)}
        >
          {open ? 'Hide deliveries' : 'Deliveries'}
        </button>
        {isOpen && can('alerts:write') && (
          <button
            type="button"
            className="button small-button"
            data-testid="monitor-event-clear"
            disabled={clear.isPending}
            onClick={() => clear.mutate(event.id)}
          >
            {clear.isPending ? 'Clearing…' : 'Clear'}
          </button>
        )}
        {clear.isError && (
          <span className="error small" role="alert">
            {messageOf(clear.error)}
          </span>
        )}
      </div>
      <div id={detailsId} hidden={!open}>
        {open && <EventDeliveries eventId={event.id} />}
      </div>
    </li>
  );
}

function EventDeliveries({ eventId }: { eventId: string }) {
  const event = useAlertEvent(eventId);
  if (event.isPending) return <Loading label="Loading deliveries…" />;
  if (event.isError) {
    return <ErrorNotice onRetry={() => void event.refetch()}>{messageOf(event.error)}</ErrorNotice>;
  }
  const deliveries = event.data.deliveries ?? [];
  if (deliveries.length === 0) {
    return (
      <p className="small muted monitors-event-none">
        Nothing was sent for this event: the monitor notified no alert group, or its groups had no one to
        reach.
      </p>
    );
  }
  return <DeliveryList deliveries={deliveries} testId="monitor-event-deliveries" />;
}
