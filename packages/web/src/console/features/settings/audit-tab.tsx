import { useDeferredValue, useId, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import type { AuditFilters } from './keys.js';
import { useAuditEvents } from './queries.js';

type AuditEvent = ApiSchema<'AuditEvent'>;

const noFilters: AuditFilters = { actor: '', action: '', targetType: '', since: '', until: '' };

const targetTypes = [
  'integration',
  'instance',
  'customer',
  'connection',
  'component',
  'user',
  'token',
  'signing-key',
  'organization',
];

/** Where a target lives in the console, for the targets that have a page (`~`: outside /settings). */
function targetHref(event: AuditEvent): string | undefined {
  const id = event.target.id;
  if (!id) return undefined;
  const pages: Record<string, string> = {
    integration: '/integrations',
    instance: '/instances',
    customer: '/customers',
    connection: '/connections',
  };
  const base = pages[event.target.type];
  return base ? `~${base}/${encodeURIComponent(id)}` : undefined;
}

/** A short line of an event's details (names, roles, versions): never secrets, the server leaves those out. */
function detailsLine(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined && typeof value !== 'object')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}

/** Who changed what in the organization, newest first; filters as the API offers them. */
export default function AuditTab() {
  const [filters, setFilters] = useState<AuditFilters>(noFilters);
  const deferred = useDeferredValue(filters);
  const events = useAuditEvents(deferred);
  const rows = useMemo(() => events.data?.pages.flatMap((page) => page.items) ?? [], [events.data]);
  const ids = { actor: useId(), action: useId(), target: useId(), since: useId(), until: useId() };
  const set = (key: keyof AuditFilters) => (event: { target: { value: string } }) =>
    setFilters((current) => ({ ...current, [key]: event.target.value }));
  const filtered = Object.values(filters).some(Boolean);

  const columns: Array<Column<AuditEvent>> = [
    {
      key: 'at',
      header: 'When',
      width: '7.5rem',
      render: (event) => <When value={event.at} />,
    },
    {
      key: 'actor',
      header: 'Who',
      width: 'minmax(8rem, 1.2fr)',
      render: (event) => (
        <span title={event.actor.kind}>
          {event.actor.name}
          {event.actor.kind !== 'user' && <span className="small muted"> ({event.actor.kind})</span>}
        </span>
      ),
    },
    {
      key: 'action',
      header: 'Action',
      width: 'minmax(8rem, 1fr)',
      render: (event) => <code className="mono small">{event.action}</code>,
    },
    {
      key: 'target',
      header: 'Target',
      width: 'minmax(8rem, 1fr)',
      render: (event) => {
        const href = targetHref(event);
        const label = `${event.target.type}${event.target.id ? ` ${event.target.id.slice(0, 8)}` : ''}`;
        return href ? (
          <Link href={href} title={event.target.id ?? undefined}>
            {label}
          </Link>
        ) : (
          <span title={event.target.id ?? undefined}>{label}</span>
        );
      },
    },
    {
      key: 'details',
      header: 'Details',
      width: 'minmax(8rem, 1.6fr)',
      optional: true,
      render: (event) => {
        const line = detailsLine(event.details);
        return (
          <span className="small muted" title={line}>
            {line}
          </span>
        );
      },
    },
  ];

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made through the API and every sign-in, with who made it. Newest first."
      />
      <search className="toolbar settings-toolbar">
        <div className="field grow">
          <label htmlFor={ids.actor}>Who</label>
          <input
            id={ids.actor}
            className="input"
            placeholder="Email, token name or id"
            value={filters.actor}
            data-testid="audit-actor"
            onChange={set('actor')}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.action}>Action starts with</label>
          <input
            id={ids.action}
            className="input"
            placeholder="instance."
            value={filters.action}
            data-testid="audit-action"
            onChange={set('action')}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.target}>Target</label>
          <select
            id={ids.target}
            className="select"
            value={filters.targetType}
            data-testid="audit-target-type"
            onChange={set('targetType')}
          >
            <option value="">Anything</option>
            {targetTypes.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.since}>From</label>
          <input
            id={ids.since}
            className="input"
            type="datetime-local"
            value={filters.since}
            data-testid="audit-since"
            onChange={set('since')}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.until}>Until</label>
          <input
            id={ids.until}
            className="input"
            type="datetime-local"
            value={filters.until}
            data-testid="audit-until"
            onChange={set('until')}
          />
        </div>
        {filtered && (
          <button type="button" className="button link settings-clear" onClick={() => setFilters(noFilters)}>
            Clear filters
          </button>
        )}
      </search>
      {events.isPending ? (
        <Loading />
      ) : events.isError ? (
        <ErrorNotice onRetry={() => void events.refetch()}>{messageOf(events.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Audit events"
          testId="audit-table"
          rows={rows}
          columns={columns}
          rowKey={(event) => event.id}
          hasMore={events.hasNextPage}
          loadingMore={events.isFetchingNextPage}
          onLoadMore={() => void events.fetchNextPage()}
          empty={filtered ? 'No event matches these filters.' : 'Nothing recorded yet.'}
        />
      )}
    </>
  );
}
