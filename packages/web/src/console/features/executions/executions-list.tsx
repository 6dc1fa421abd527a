import { useId, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { formatDuration } from '../../ui/format.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { EntityPicker, useTypedFilter } from './entity-picker.js';
import {
  type ExecutionFilters,
  executionStatuses,
  filtersToSearch,
  fromLocalInput,
  parseFilters,
  timePresets,
  toLocalInput,
  triggerKinds,
  useUrlFilters,
} from './filters.js';
import { StatusBadge, shortId, statusLabel, triggerLabel } from './parts.js';
import { type ExecutionSummary, useExecutionList } from './queries.js';
import './executions.css';

const columns: ReadonlyArray<Column<ExecutionSummary>> = [
  {
    key: 'status',
    header: 'Status',
    width: '7.5rem',
    render: (row) => <StatusBadge status={row.status} />,
  },
  {
    key: 'integration',
    header: 'Integration / flow',
    width: 'minmax(10rem, 2fr)',
    render: (row) => (
      <span className="cell-stack">
        <span className="truncate">{row.integrationName ?? shortId(row.integrationId)}</span>
        <span className="small muted truncate">{row.flow}</span>
      </span>
    ),
  },
  {
    key: 'customer',
    header: 'Customer / instance',
    width: 'minmax(9rem, 2fr)',
    render: (row) => (
      <span className="cell-stack">
        <span className="truncate">{row.customerName ?? shortId(row.customerId)}</span>
        <span className="small muted truncate">{row.instanceName ?? shortId(row.instanceId)}</span>
      </span>
    ),
  },
  {
    key: 'started',
    header: 'Started',
    width: 'minmax(7rem, 1fr)',
    render: (row) => <When value={row.startedAt ?? row.queuedAt} />,
  },
  {
    key: 'duration',
    header: 'Duration',
    width: '6rem',
    render: (row) =>
      row.durationMs !== null ? (
        formatDuration(row.durationMs)
      ) : (
        <span className="muted">{statusLabel(row.status)}</span>
      ),
  },
  {
    key: 'trigger',
    header: 'Trigger',
    width: '8rem',
    optional: true,
    render: (row) => (
      <span className="row-tight">
        {triggerLabel(row.triggerKind)}
        {row.retryOfId && (
          <span className="chip" title={`Retry ${row.retryNumber} of ${row.retryOfId}`}>
            retry {row.retryNumber}
          </span>
        )}
        {row.replayOfId && (
          <span className="chip" title={`Replays ${row.replayOfId}`}>
            replay
          </span>
        )}
      </span>
    ),
  },
];

export function ExecutionsList() {
  const [filters, setFilters] = useUrlFilters('/executions', parseFilters, filtersToSearch);
  const [live, setLive] = useState(true);
  const list = useExecutionList(filters, live);
  const set = (change: Partial<ExecutionFilters>, replace = false) => {
    const next: ExecutionFilters = { ...filters, ...change };
    for (const key of Object.keys(change) as Array<keyof ExecutionFilters>) {
      const value = next[key];
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
        delete next[key];
    }
    setFilters(next, { replace });
  };
  const filtered = Object.keys(filters).length > 0;

  return (
    <div className="stack executions-screen">
      <PageHeader
        title="Executions"
        description="Every run of every instance flow, newest first. Filter to answer “why did this customer's sync fail?”."
        actions={<LiveToggle live={live} onChange={setLive} fetching={list.head.isFetching} />}
      />
      <Filters filters={filters} set={set} clear={filtered ? () => setFilters({}) : undefined} />
      {list.head.isError && (
        <ErrorNotice onRetry={() => void list.head.refetch()}>{messageOf(list.head.error)}</ErrorNotice>
      )}
      {list.older.isError && (
        <ErrorNotice onRetry={() => void list.older.refetch()}>{messageOf(list.older.error)}</ErrorNotice>
      )}
      {!list.ready && !list.head.isError ? (
        <Loading label="Loading executions…" />
      ) : list.ready ? (
        <>
          <p className="small muted" aria-live="polite">
            {list.rows.length}
            {list.hasMore ? '+' : ''} execution{list.rows.length === 1 ? '' : 's'}
            {filtered ? ' match these filters' : ''}
          </p>
          <VirtualTable
            label="Executions"
            testId="executions-table"
            rows={list.rows}
            columns={columns}
            rowKey={(row) => row.id}
            rowHref={(row) => `~/executions/${row.id}`}
            rowHeight={52}
            hasMore={list.hasMore}
            loadingMore={list.loadingMore}
            onLoadMore={list.loadMore}
            empty={
              filtered ? (
                <>
                  No executions match these filters. <Link href="~/executions">Show all executions</Link>
                </>
              ) : (
                'No executions yet. Flows run when their webhook is called, on their schedule, or from a test run.'
              )
            }
          />
        </>
      ) : null}
    </div>
  );
}

function LiveToggle({
  live,
  onChange,
  fetching,
}: {
  live: boolean;
  onChange: (live: boolean) => void;
  fetching: boolean;
}) {
  return (
    <button
      type="button"
      className={`button live-toggle${live ? ' on' : ''}`}
      aria-pressed={live}
      data-testid="executions-live-toggle"
      title={
        live
          ? 'New executions and status changes appear by themselves; click to pause'
          : 'Click to follow new executions'
      }
      onClick={() => onChange(!live)}
    >
      <span className={`live-dot${live && fetching ? ' busy' : ''}`} aria-hidden="true" />
      {live ? 'Live' : 'Paused'}
    </button>
  );
}

function Filters({
  filters,
  set,
  clear,
}: {
  filters: ExecutionFilters;
  set: (change: Partial<ExecutionFilters>, replace?: boolean) => void;
  clear: (() => void) | undefined;
}) {
  const ids = useId();
  const [flowText, setFlowText] = useTypedFilter(filters.flow, (flow) => set({ flow }, true));
  const statuses = filters.status ?? [];
  const toggleStatus = (status: (typeof executionStatuses)[number]) =>
    set({ status: statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status] });
  const now = Date.now();
  const activePreset = timePresets.find(
    (preset) =>
      filters.from &&
      !filters.to &&
      Math.abs(new Date(filters.from).getTime() - (now - preset.ms)) < preset.ms / 10,
  );

  return (
    <search className="card stack-tight execution-filters" aria-label="Filter executions">
      <div className="filter-grid">
        <EntityPicker
          kind="customer"
          value={filters.customer}
          onChange={(customer) => set({ customer })}
          testId="executions-filter-customer"
        />
        <EntityPicker
          kind="integration"
          value={filters.integration}
          onChange={(integration) => set({ integration })}
          testId="executions-filter-integration"
        />
        <EntityPicker
          kind="instance"
          value={filters.instance}
          onChange={(instance) => set({ instance })}
          testId="executions-filter-instance"
        />
        <div className="field">
          <label className="label" htmlFor={`${ids}-flow`}>
            Flow
          </label>
          <input
            id={`${ids}-flow`}
            className="input"
            placeholder="Any flow (exact name)"
            value={flowText}
            data-testid="executions-filter-flow"
            onChange={(event) => setFlowText(event.target.value)}
          />
        </div>
        <div className="field">
          <label className="label" htmlFor={`${ids}-trigger`}>
            Trigger
          </label>
          <select
            id={`${ids}-trigger`}
            className="select"
            data-testid="executions-filter-trigger"
            value={filters.triggerKind?.length === 1 ? filters.triggerKind[0] : ''}
            onChange={(event) =>
              set({
                triggerKind: event.target.value
                  ? [event.target.value as (typeof triggerKinds)[number]]
                  : undefined,
              })
            }
          >
            <option value="">Any trigger</option>
            {triggerKinds.map((kind) => (
              <option key={kind} value={kind}>
                {triggerLabel(kind)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="row wrap filter-row">
        <fieldset className="status-filter" data-testid="executions-filter-status">
          <legend className="label">Status</legend>
          <div className="row wrap row-tight">
            {executionStatuses.map((status) => (
              <label key={status} className={`toggle-chip${statuses.includes(status) ? ' on' : ''}`}>
                <input
                  type="checkbox"
                  checked={statuses.includes(status)}
                  onChange={() => toggleStatus(status)}
                  value={status}
                />
                {statusLabel(status)}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset className="time-filter">
          <legend className="label">Queued</legend>
          <div className="row wrap row-tight">
            {timePresets.map((preset) => (
              <button
                key={preset.label}
                type="button"
                className={`button small-button${activePreset === preset ? ' primary' : ''}`}
                aria-pressed={activePreset === preset}
                onClick={() => set({ from: new Date(Date.now() - preset.ms).toISOString(), to: undefined })}
              >
                {preset.label}
              </button>
            ))}
            <label className="small" htmlFor={`${ids}-from`}>
              From
            </label>
            <input
              id={`${ids}-from`}
              type="datetime-local"
              className="input date-input"
              value={toLocalInput(filters.from)}
              data-testid="executions-filter-from"
              onChange={(event) => set({ from: fromLocalInput(event.target.value) }, true)}
            />
            <label className="small" htmlFor={`${ids}-to`}>
              To
            </label>
            <input
              id={`${ids}-to`}
              type="datetime-local"
              className="input date-input"
              value={toLocalInput(filters.to)}
              data-testid="executions-filter-to"
              onChange={(event) => set({ to: fromLocalInput(event.target.value) }, true)}
            />
          </div>
        </fieldset>
        <span className="spacer" />
        {clear && (
          <button type="button" className="button link" onClick={clear} data-testid="executions-filter-clear">
            Clear filters
          </button>
        )}
      </div>
    </search>
  );
}
