import { useId, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf, WeftApiError } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formatExact, formatWhen } from '../../ui/format.js';
import { PageHeader, Section } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import {
  DeliveryStatusBadge,
  type EventTypeInfo,
  type EventWebhook,
  type EventWebhookDelivery,
  eventWebhooksHref,
  groupsOf,
  prettyJson,
  SignatureHelp,
  SigningBadge,
} from './event-webhooks-parts.js';
import type { EventWebhookDeliveryStatus } from './keys.js';
import { useDeleteEventWebhook, useRetryEventWebhookDelivery, useTestEventWebhook } from './mutations.js';
import { useEventTypes, useEventWebhook, useEventWebhookDeliveries } from './queries.js';

/** One event webhook: its settings, a test event, and its delivery log. */
export default function EventWebhookPage({ webhookId }: { webhookId: string }) {
  const webhook = useEventWebhook(webhookId);
  if (webhook.isPending) return <Loading />;
  if (webhook.isError) {
    const missing = webhook.error instanceof WeftApiError && webhook.error.status === 404;
    return (
      <>
        <PageHeader
          title={missing ? 'Event webhook not found' : 'Event webhook'}
          back={{ href: eventWebhooksHref, label: 'Event webhooks' }}
        />
        <ErrorNotice onRetry={missing ? undefined : () => void webhook.refetch()}>
          {missing
            ? 'There is no such event webhook in your organization: it may have been deleted.'
            : messageOf(webhook.error)}
        </ErrorNotice>
      </>
    );
  }
  return <WebhookScreen webhook={webhook.data} />;
}

function WebhookScreen({ webhook }: { webhook: EventWebhook }) {
  const { can } = useConsole();
  const mayWrite = can('monitoring:write');
  const [, navigate] = useLocation();
  const catalog = useEventTypes();
  const test = useTestEventWebhook();
  const [deleting, setDeleting] = useState(false);
  return (
    <>
      <PageHeader
        title={webhook.name}
        back={{ href: eventWebhooksHref, label: 'Event webhooks' }}
        meta={
          <>
            {webhook.enabled ? <Badge kind="active">enabled</Badge> : <Badge kind="paused">disabled</Badge>}
            <SigningBadge signed={webhook.hasSecret} />
            <span>
              updated <When value={webhook.updatedAt} />
            </span>
          </>
        }
        actions={
          mayWrite && (
            <>
              <button
                type="button"
                className="button"
                disabled={test.isPending}
                data-testid="event-webhook-test"
                onClick={() => test.mutate(webhook.id)}
              >
                {test.isPending ? 'Sending…' : 'Send test event'}
              </button>
              <Link href={`/${webhook.id}/edit`} className="button" data-testid="event-webhook-edit">
                Edit
              </Link>
              <button
                type="button"
                className="button danger"
                data-testid="event-webhook-delete"
                onClick={() => {
                  setDeleting(true);
                }}
              >
                Delete
              </button>
            </>
          )
        }
      />
      <div aria-live="polite" data-testid="event-webhook-test-result">
        {test.isError ? (
          <div className="notice error">Could not send the test event: {messageOf(test.error)}</div>
        ) : test.data ? (
          <TestOutcome delivery={test.data} />
        ) : null}
      </div>
      {!webhook.enabled && (
        <div className="notice info">
          This webhook is disabled: Weft sends it nothing but test events.{' '}
          {mayWrite && <Link href={`/${webhook.id}/edit`}>Enable it</Link>}
        </div>
      )}
      <Section title="Settings" id="event-webhook-settings">
        <dl className="settings-facts">
          <div className="settings-fact">
            <dt>URL</dt>
            <dd className="row wrap settings-mon-url-fact">
              <code className="mono small">{webhook.url}</code>
              <CopyButton value={webhook.url} label="Copy URL" />
            </dd>
          </div>
          <div className="settings-fact">
            <dt>Description</dt>
            <dd>{webhook.description || <span className="muted">None</span>}</dd>
          </div>
          <div className="settings-fact">
            <dt>Signing</dt>
            <dd>
              {webhook.hasSecret ? (
                <span className="small">
                  Signed. <SignatureHelp />
                </span>
              ) : (
                <span className="small">
                  Not signed: your app cannot tell these requests from forged ones.
                  {mayWrite && (
                    <>
                      {' '}
                      <Link href={`/${webhook.id}/edit`}>Add a secret</Link>
                    </>
                  )}
                </span>
              )}
            </dd>
          </div>
          <div className="settings-fact">
            <dt>Created</dt>
            <dd>
              <When value={webhook.createdAt} />
            </dd>
          </div>
          <div className="settings-fact">
            <dt>Events ({webhook.eventTypes.length})</dt>
            <dd>
              <SubscribedEvents eventTypes={webhook.eventTypes} catalog={catalog.data?.items} />
            </dd>
          </div>
        </dl>
      </Section>
      <DeliveryLog webhook={webhook} mayWrite={mayWrite} />
      {deleting && (
        <DeleteWebhookDialog
          webhook={webhook}
          onClose={() => setDeleting(false)}
          onDeleted={() => navigate(eventWebhooksHref, { replace: true })}
        />
      )}
    </>
  );
}

/** The subscribed types by group, with their labels; a whole group as "all". */
function SubscribedEvents({
  eventTypes,
  catalog,
}: {
  eventTypes: string[];
  catalog: EventTypeInfo[] | undefined;
}) {
  if (!catalog) {
    return (
      <ul className="chip-list">
        {eventTypes.map((type) => (
          <li key={type} className="chip mono">
            {type}
          </li>
        ))}
      </ul>
    );
  }
  const groups = groupsOf(catalog)
    .map((group) => ({ ...group, chosen: group.types.filter((info) => eventTypes.includes(info.type)) }))
    .filter((group) => group.chosen.length > 0);
  return (
    <ul className="settings-mon-event-groups" data-testid="event-webhook-events">
      {groups.map((group) => (
        <li key={group.name}>
          <span className="settings-mon-event-group">
            {group.name}
            {group.chosen.length === group.types.length && <span className="muted small"> (all)</span>}
          </span>
          <ul className="chip-list">
            {group.chosen.map((info) => (
              <li key={info.type} className="chip" title={info.description}>
                {info.type}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

/** What the test event did, in words: the API answers the delivery after its first round of attempts. */
function TestOutcome({ delivery }: { delivery: EventWebhookDelivery }) {
  if (delivery.status === 'delivered') {
    return (
      <div className="notice success" data-testid="event-webhook-test-delivered">
        Test event delivered: your endpoint answered HTTP {delivery.lastStatusCode}.
      </div>
    );
  }
  if (delivery.attempts === 0) {
    return (
      <div className="notice info">
        Test event queued: a worker sends it shortly. Its outcome shows in the delivery log below.
      </div>
    );
  }
  const why = delivery.lastError ?? `your endpoint answered HTTP ${delivery.lastStatusCode}`;
  return (
    <div className="notice error" data-testid="event-webhook-test-failed">
      The test event was not delivered: {why}.{' '}
      {delivery.status === 'pending' && delivery.nextAttemptAt
        ? `Weft tries again ${formatWhen(delivery.nextAttemptAt)}, like any delivery.`
        : ''}
    </div>
  );
}

const statusFilters: Array<{ value: EventWebhookDeliveryStatus; label: string }> = [
  { value: '', label: 'All deliveries' },
  { value: 'failed', label: 'Failed' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
];

function DeliveryLog({ webhook, mayWrite }: { webhook: EventWebhook; mayWrite: boolean }) {
  const [status, setStatus] = useState<EventWebhookDeliveryStatus>('');
  const deliveries = useEventWebhookDeliveries(webhook.id, status);
  const retry = useRetryEventWebhookDelivery();
  const [open, setOpen] = useState<EventWebhookDelivery>();
  const filterId = useId();
  const rows = useMemo(() => deliveries.data?.pages.flatMap((page) => page.items) ?? [], [deliveries.data]);
  const columns = useMemo<Array<Column<EventWebhookDelivery>>>(
    () => [
      {
        key: 'event',
        header: 'Event',
        width: 'minmax(0, 1.3fr)',
        render: (delivery) => (
          <div className="settings-mon-event-cell">
            <button
              type="button"
              className="log-toggle mono small"
              aria-haspopup="dialog"
              data-testid="event-webhook-delivery-open"
              onClick={() => setOpen(delivery)}
            >
              {delivery.eventType}
            </button>
            <div className="small muted">
              <When value={delivery.createdAt} />
            </div>
          </div>
        ),
      },
      {
        key: 'status',
        header: 'Status',
        width: '6rem',
        render: (delivery) => <DeliveryStatusBadge status={delivery.status} />,
      },
      {
        key: 'attempts',
        header: 'Tries',
        width: '3.5rem',
        optional: true,
        render: (delivery) => delivery.attempts,
      },
      {
        key: 'response',
        header: 'Last response',
        width: 'minmax(6rem, 1fr)',
        optional: true,
        render: (delivery) => <ResponseCell delivery={delivery} />,
      },
      ...(mayWrite
        ? [
            {
              key: 'actions',
              header: <span className="visually-hidden">Actions</span>,
              width: '4rem',
              render: (delivery: EventWebhookDelivery) =>
                delivery.status === 'failed' ? (
                  <button
                    type="button"
                    className="button small-button"
                    disabled={retry.isPending && retry.variables?.deliveryId === delivery.id}
                    aria-label={`Retry the ${delivery.eventType} delivery`}
                    data-testid="event-webhook-delivery-retry"
                    onClick={() => retry.mutate({ id: webhook.id, deliveryId: delivery.id })}
                  >
                    Retry
                  </button>
                ) : null,
            },
          ]
        : []),
    ],
    [mayWrite, retry, webhook.id],
  );
  return (
    <Section
      title="Delivery log"
      id="event-webhook-deliveries"
      actions={
        <div className="row settings-mon-log-tools">
          <label htmlFor={filterId} className="small">
            Show
          </label>
          <select
            id={filterId}
            className="select"
            value={status}
            data-testid="event-webhook-delivery-status"
            onChange={(event) => setStatus(event.target.value as EventWebhookDeliveryStatus)}
          >
            {statusFilters.map((filter) => (
              <option key={filter.value} value={filter.value}>
                {filter.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button small-button"
            disabled={deliveries.isFetching}
            onClick={() => void deliveries.refetch()}
          >
            Refresh
          </button>
        </div>
      }
    >
      <p className="small muted">
        Newest first. A delivery is retried with backoff until your endpoint answers 2xx; one that runs out of
        attempts is failed, and can be retried from here.
      </p>
      {retry.isError && (
        <div className="notice error" role="alert">
          Could not retry the delivery: {messageOf(retry.error)}
        </div>
      )}
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.isError ? (
        <ErrorNotice onRetry={() => void deliveries.refetch()}>{messageOf(deliveries.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label={`Deliveries of ${webhook.name}`}
          testId="event-webhook-deliveries"
          rows={rows}
          columns={columns}
          rowKey={(delivery) => delivery.id}
          rowHeight={58}
          hasMore={deliveries.hasNextPage}
          loadingMore={deliveries.isFetchingNextPage}
          onLoadMore={() => void deliveries.fetchNextPage()}
          empty={
            status
              ? `No ${status} deliveries.`
              : mayWrite
                ? 'No deliveries yet. Send a test event to check your endpoint; events the webhook subscribes to show up here as they happen.'
                : 'No deliveries yet: events the webhook subscribes to show up here as they happen.'
          }
        />
      )}
      {open && (
        <DeliveryDialog
          delivery={rows.find((row) => row.id === open.id) ?? open}
          webhookId={webhook.id}
          mayWrite={mayWrite}
          onClose={() => setOpen(undefined)}
        />
      )}
    </Section>
  );
}

function ResponseCell({ delivery }: { delivery: EventWebhookDelivery }) {
  if (delivery.lastStatusCode === null && !delivery.lastError) {
    return <span className="muted small">{delivery.attempts === 0 ? 'not sent yet' : '—'}</span>;
  }
  const text = [delivery.lastStatusCode ? `HTTP ${delivery.lastStatusCode}` : '', delivery.lastError ?? '']
    .filter(Boolean)
    .join(' · ');
  return (
    <span className={`small${delivery.lastError ? ' error-text' : ''}`} title={text}>
      {text}
      {delivery.status === 'pending' && delivery.nextAttemptAt && (
        <span className="muted">
          {' '}
          · next try <When value={delivery.nextAttemptAt} />
        </span>
      )}
    </span>
  );
}

/** One delivery whole: what was sent (the body exactly as signed), what came back, and Retry for a failed one. */
function DeliveryDialog({
  delivery,
  webhookId,
  mayWrite,
  onClose,
}: {
  delivery: EventWebhookDelivery;
  webhookId: string;
  mayWrite: boolean;
  onClose: () => void;
}) {
  const retry = useRetryEventWebhookDelivery();
  return (
    <Dialog
      title={`Delivery of ${delivery.eventType}`}
      wide
      onClose={onClose}
      footer={
        <>
          {mayWrite && delivery.status === 'failed' && (
            <button
              type="button"
              className="button"
              disabled={retry.isPending}
              data-testid="event-webhook-delivery-dialog-retry"
              onClick={() => retry.mutate({ id: webhookId, deliveryId: delivery.id })}
            >
              {retry.isPending ? 'Retrying…' : 'Retry delivery'}
            </button>
          )}
          <button type="button" className="button primary" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      <dl className="settings-facts" data-testid="event-webhook-delivery-facts">
        <div className="settings-fact">
          <dt>Status</dt>
          <dd>
            <DeliveryStatusBadge status={delivery.status} />
          </dd>
        </div>
        <div className="settings-fact">
          <dt>Attempts</dt>
          <dd>{delivery.attempts}</dd>
        </div>
        <div className="settings-fact">
          <dt>Last response</dt>
          <dd>
            {delivery.lastStatusCode !== null ? (
              `HTTP ${delivery.lastStatusCode}`
            ) : (
              <span className="muted">none</span>
            )}
            {delivery.lastError && <div className="error-text small">{delivery.lastError}</div>}
          </dd>
        </div>
        <div className="settings-fact">
          <dt>Created</dt>
          <dd>{formatExact(delivery.createdAt)}</dd>
        </div>
        {delivery.deliveredAt && (
          <div className="settings-fact">
            <dt>Delivered</dt>
            <dd>{formatExact(delivery.deliveredAt)}</dd>
          </div>
        )}
        {delivery.status === 'pending' && delivery.nextAttemptAt && (
          <div className="settings-fact">
            <dt>Next attempt</dt>
            <dd>{formatExact(delivery.nextAttemptAt)}</dd>
          </div>
        )}
        <div className="settings-fact">
          <dt>Delivery id</dt>
          <dd className="mono small">{delivery.id}</dd>
        </div>
      </dl>
      {retry.isError && (
        <div className="notice error" role="alert">
          {messageOf(retry.error)}
        </div>
      )}
      <div className="stack-tight">
        <div className="row">
          <h3 className="spacer settings-mon-h3">Body</h3>
          <CopyButton value={delivery.body} label="Copy body" />
        </div>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls when long, and a scrolling region must take focus so keyboard users can scroll it (axe scrollable-region-focusable). */}
        <section className="settings-mon-pre" aria-label="Request body" tabIndex={0}>
          <pre data-testid="event-webhook-delivery-body">{prettyJson(delivery.body)}</pre>
        </section>
      </div>
    </Dialog>
  );
}

function DeleteWebhookDialog({
  webhook,
  onClose,
  onDeleted,
}: {
  webhook: EventWebhook;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteEventWebhook();
  return (
    <ConfirmDialog
      title={`Delete “${webhook.name}”?`}
      confirmLabel="Delete event webhook"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(webhook.id, { onSuccess: onDeleted })}
    >
      <p>
        Weft stops sending events to <code className="mono">{webhook.url}</code>. Its delivery log goes with
        it, and deliveries still waiting are not sent. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
