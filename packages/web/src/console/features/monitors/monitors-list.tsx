import { useId, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { useTypedFilter } from '../executions/entity-picker.js';
import type { MonitorFilters } from './keys.js';
import { MonitorFormDialog } from './monitor-dialog.js';
import { MonitorScope, MonitorState, MonitorTabs } from './parts.js';
import { type AlertMonitor, useMonitorList, useTriggerNames } from './queries.js';
import './monitors.css';

const shows = [
  { value: '', label: 'All monitors' },
  { value: 'true', label: 'Triggered' },
  { value: 'false', label: 'Not triggered' },
] as const;

/** `/monitors`: every alert monitor, triggered ones marked; filter triggered/all and search by name (in the URL). */
export default function MonitorsList() {
  const { can } = useConsole();
  const [params, setParams] = useSearchParams();
  const formId = useId();
  const triggered = params.get('triggered');
  const filters: MonitorFilters = {
    ...(triggered === 'true' || triggered === 'false' ? { triggered: triggered === 'true' } : {}),
    ...(params.get('search') ? { search: params.get('search') as string } : {}),
  };
  const [creating, setCreating] = useState(false);
  const list = useMonitorList(filters);
  const triggerName = useTriggerNames();

  function setFilter(name: 'triggered' | 'search', value: string | undefined) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  }
  const [searchText, setSearchText] = useTypedFilter(
    filters.search,
    (search) => setFilter('search', search),
    350,
  );

  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const filtered = filters.triggered !== undefined || Boolean(filters.search);

  const columns: Array<Column<AlertMonitor>> = [
    {
      key: 'name',
      header: 'Monitor',
      width: 'minmax(10rem, 1.6fr)',
      render: (row) => (
        <span className="stack-tight monitors-name-cell">
          <span className="truncate monitors-name">{row.name}</span>
          <span className="small muted truncate">
            <MonitorScope monitor={row} links={false} />
          </span>
        </span>
      ),
    },
    {
      key: 'triggers',
      header: 'Triggers',
      width: 'minmax(9rem, 1.6fr)',
      optional: true,
      render: (row) => (
        <span className="small truncate" title={row.triggers.map(triggerName).join(', ')}>
          {row.triggers.map(triggerName).join(', ')}
        </span>
      ),
    },
    {
      key: 'groups',
      header: 'Notifies',
      width: 'minmax(7rem, 1fr)',
      optional: true,
      render: (row) =>
        row.groups.length === 0 ? (
          <span className="small muted">No one</span>
        ) : (
          <span className="small truncate" title={row.groups.map((group) => group.name).join(', ')}>
            {row.groups.map((group) => group.name).join(', ')}
          </span>
        ),
    },
    {
      key: 'state',
      header: 'State',
      width: '10.5rem',
      render: (row) => (
        <span className="stack-tight monitors-state-cell">
          <MonitorState monitor={row} />
          <span className="small muted">
            {row.lastEventAt ? (
              <>
                <span className="visually-hidden">last event </span>
                <When value={row.lastEventAt} />
              </>
            ) : (
              'no events yet'
            )}
          </span>
        </span>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Monitors"
        description="Alert monitors watch instances for failures, slow or overdue runs, error logs, broken connections and status changes, and notify alert groups."
        actions={
          <IfAllowed permission="alerts:write">
            <button
              type="button"
              className="button primary"
              data-testid="monitors-new"
              onClick={() => setCreating(true)}
            >
              Add monitor
            </button>
          </IfAllowed>
        }
      />
      <MonitorTabs />
      <search className="toolbar monitors-toolbar">
        <div className="field">
          <label className="label" htmlFor={`${formId}-show`}>
            Show
          </label>
          <select
            id={`${formId}-show`}
            className="select"
            value={triggered ?? ''}
            data-testid="monitors-triggered-filter"
            onChange={(event) => setFilter('triggered', event.target.value || undefined)}
          >
            {shows.map((show) => (
              <option key={show.value} value={show.value}>
                {show.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label className="label" htmlFor={`${formId}-search`}>
            Search
          </label>
          <input
            id={`${formId}-search`}
            className="input"
            type="search"
            placeholder="Monitor name"
            value={searchText}
            data-testid="monitors-search"
            onChange={(event) => setSearchText(event.target.value)}
          />
        </div>
      </search>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Alert monitors"
          testId="monitors-table"
          rows={rows}
          columns={columns}
          rowHeight={58}
          rowKey={(row) => row.id}
          rowHref={(row) => `/${row.id}`}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          onLoadMore={() => void list.fetchNextPage()}
          empty={
            filtered ? (
              filters.triggered ? (
                'No monitor is triggered. No news is good news.'
              ) : (
                'No monitor matches these filters.'
              )
            ) : (
              <span className="stack-tight monitors-empty">
                <span>No alert monitors yet.</span>
                <span className="small">
                  {can('alerts:write') ? (
                    <>
                      Add one to hear when an instance fails. First{' '}
                      <Link href="/groups">create an alert group</Link> of the people (and{' '}
                      <Link href="/webhooks">webhooks</Link>) to notify.
                    </>
                  ) : (
                    'Someone who may change alerting adds them.'
                  )}
                </span>
              </span>
            )
          }
        />
      )}
      {creating && <MonitorFormDialog onClose={() => setCreating(false)} />}
    </>
  );
}
