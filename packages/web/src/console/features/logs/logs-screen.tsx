import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { formatExact } from '../../ui/format.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { EntityPicker, useTypedFilter } from '../executions/entity-picker.js';
import { fromLocalInput, timePresets, toLocalInput, useUrlFilters } from '../executions/filters.js';
import { LevelBadge, shortId } from '../executions/parts.js';
import { type LogFilters, logFiltersToSearch, minLevels, parseLogFilters } from './filters.js';
import { identityOf, type LogEntry, type LogRow, useLogSearch, useLogTail } from './queries.js';
import '../executions/executions.css';
import './logs.css';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
});

function lineTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

const columns: ReadonlyArray<Column<LogRow>> = [
  {
    key: 'time',
    header: 'Time',
    width: '11.5rem',
    render: ({ line }) => (
      <time dateTime={line.timestamp} title={formatExact(line.timestamp)} className="mono small">
        {lineTime(line.timestamp)}
      </time>
    ),
  },
  { key: 'level', header: 'Level', width: '5rem', render: ({ line }) => <LevelBadge level={line.level} /> },
  {
    key: 'message',
    header: 'Message',
    width: 'minmax(12rem, 4fr)',
    render: ({ line }) => (
      <span className="log-row-message" title={line.message}>
        {line.message}
      </span>
    ),
  },
  {
    key: 'execution',
    header: 'Execution / step',
    width: 'minmax(8rem, 1.6fr)',
    render: ({ line }) => (
      <span className="cell-stack">
        <Link href={`~/executions/${line.executionId}`} className="small">
          {line.flow} · {shortId(line.executionId)}
        </Link>
        {line.stepKey && (
          <Link
            href={`~/executions/${line.executionId}?step=${encodeURIComponent(line.stepKey)}`}
            className="small muted"
          >
            step {line.stepKey}
          </Link>
        )}
      </span>
    ),
  },
];

/** How far down the list the reader may be and still count as "at the newest lines". */
const atTopPx = 24;
const maxTailRows = 5_000;

export function LogsScreen() {
  const [filters, setFilters] = useUrlFilters('/logs', parseLogFilters, logFiltersToSearch);
  const search = useLogSearch(filters);
  const [following, setFollowing] = useState(false);
  // Followed lines, newest first, above the search's pages; `waiting` holds those that came while the reader was
  // scrolled down, so the list does not move under them.
  const [tail, setTail] = useState<LogRow[]>([]);
  const [waiting, setWaiting] = useState<LogRow[]>([]);
  const counter = useRef(0);
  const tableBox = useRef<HTMLDivElement>(null);
  const filterKey = JSON.stringify(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search starts without followed lines
  useEffect(() => {
    setTail([]);
    setWaiting([]);
  }, [filterKey]);

  const searchRows = useMemo(
    () =>
      (search.data?.pages ?? []).flatMap((page, pageIndex) =>
        page.items.map((line, index) => ({ key: `s${pageIndex}-${index}`, line })),
      ),
    [search.data],
  );
  const known = useRef(new Set<string>());
  useEffect(() => {
    known.current = new Set((search.data?.pages[0]?.items ?? []).map(identityOf));
  }, [search.data]);

  const readerAtTop = () => {
    const body = tableBox.current?.querySelector('.virtual-table-body');
    return !body || body.scrollTop <= atTopPx;
  };
  const tailState = useLogTail({
    filters,
    startCursor: search.data?.pages[0]?.tailCursor,
    following,
    onLines: (lines: LogEntry[]) => {
      const fresh: LogRow[] = [];
      for (const line of lines) {
        const identity = identityOf(line);
        // The search already showed the lines of its last seconds; the tail starts a little before it.
        if (known.current.has(identity)) continue;
        known.current.add(identity);
        counter.current += 1;
        fresh.unshift({ key: `t${counter.current}`, line });
      }
      if (fresh.length === 0) return;
      if (readerAtTop()) setTail((rows) => [...fresh, ...rows].slice(0, maxTailRows));
      else setWaiting((rows) => [...fresh, ...rows].slice(0, maxTailRows));
    },
  });
  const showWaiting = () => {
    setTail((rows) => [...waiting, ...rows].slice(0, maxTailRows));
    setWaiting([]);
    tableBox.current?.querySelector('.virtual-table-body')?.scrollTo({ top: 0 });
  };
  // Back at the top: what waited joins the list.
  useEffect(() => {
    if (waiting.length === 0) return;
    const body = tableBox.current?.querySelector('.virtual-table-body');
    if (!body) return;
    const onScroll = () => {
      if (body.scrollTop <= atTopPx) {
        setTail((rows) => [...waiting, ...rows].slice(0, maxTailRows));
        setWaiting([]);
      }
    };
    body.addEventListener('scroll', onScroll, { passive: true });
    return () => body.removeEventListener('scroll', onScroll);
  }, [waiting]);

  const rows = useMemo(() => [...tail, ...searchRows], [tail, searchRows]);
  const set = (change: Partial<LogFilters>, replace = false) => {
    const next: LogFilters = { ...filters, ...change };
    for (const key of Object.keys(change) as Array<keyof LogFilters>) if (!next[key]) delete next[key];
    setFilters(next, { replace });
  };
  const endsInPast = filters.to !== undefined && new Date(filters.to).getTime() < Date.now();
  const filtered = Object.keys(filters).length > 0;

  return (
    <div className="stack logs-screen">
      <PageHeader
        title="Logs"
        description="What flows logged, newest first. Search the text, narrow by severity, time, customer or flow, or follow new lines as they come."
        actions={
          <FollowToggle
            following={following}
            disabled={endsInPast}
            onChange={(next) => {
              setFollowing(next);
              if (next) showWaiting();
            }}
          />
        }
      />
      <LogFiltersBar filters={filters} set={set} clear={filtered ? () => setFilters({}) : undefined} />
      <div className="row wrap small" aria-live="polite">
        {following ? (
          <span className="following-state" data-testid="logs-following">
            <span className="live-dot" aria-hidden="true" /> Following new lines
            {tailState.lastPoll && (
              <span className="muted"> · checked {tailState.lastPoll.toLocaleTimeString()}</span>
            )}
          </span>
        ) : (
          <span className="muted">
            {rows.length > 0 ? `${rows.length}${search.hasNextPage ? '+' : ''} lines` : ''}
          </span>
        )}
        <span className="spacer" />
        {waiting.length > 0 && (
          <button
            type="button"
            className="button primary small-button"
            onClick={showWaiting}
            data-testid="logs-new-lines"
          >
            ↑ {waiting.length} new line{waiting.length === 1 ? '' : 's'}
          </button>
        )}
      </div>
      {tailState.error && <ErrorNotice>{tailState.error}</ErrorNotice>}
      {search.isError && (
        <ErrorNotice onRetry={() => void search.refetch()}>{messageOf(search.error)}</ErrorNotice>
      )}
      {search.isPending ? (
        <Loading label="Searching the logs…" />
      ) : (
        <div ref={tableBox}>
          <VirtualTable
            label="Log lines"
            testId="logs-table"
            rows={rows}
            columns={columns}
            rowKey={(row) => row.key}
            rowHeight={40}
            hasMore={search.hasNextPage}
            loadingMore={search.isFetchingNextPage}
            onLoadMore={() => void search.fetchNextPage()}
            empty={
              following
                ? 'No lines yet: new ones appear here as flows log them.'
                : filtered
                  ? 'No log lines match these filters.'
                  : 'No log lines yet. Flows log when they run.'
            }
          />
        </div>
      )}
    </div>
  );
}

function FollowToggle({
  following,
  disabled,
  onChange,
}: {
  following: boolean;
  disabled: boolean;
  onChange: (following: boolean) => void;
}) {
  return (
    <button
      type="button"
      className={`button live-toggle${following ? ' on' : ''}`}
      aria-pressed={following}
      disabled={disabled && !following}
      title={disabled ? 'The time range ends in the past: there is nothing new to follow' : undefined}
      data-testid="logs-tail-toggle"
      onClick={() => onChange(!following)}
    >
      <span className="live-dot" aria-hidden="true" />
      {following ? 'Pause' : 'Live tail'}
    </button>
  );
}

function LogFiltersBar({
  filters,
  set,
  clear,
}: {
  filters: LogFilters;
  set: (change: Partial<LogFilters>, replace?: boolean) => void;
  clear: (() => void) | undefined;
}) {
  const ids = useId();
  const [text, setText] = useTypedFilter(filters.search, (search) => set({ search }, true), 350);
  const [flowText, setFlowText] = useTypedFilter(filters.flow, (flow) => set({ flow }, true));
  const severity = filters.level === 'metric' ? 'metric' : (filters.minLevel ?? '');

  return (
    <search className="card stack-tight execution-filters" aria-label="Filter log lines">
      <div className="filter-grid">
        <div className="field logs-search-field">
          <label className="label" htmlFor={`${ids}-search`}>
            Search
          </label>
          <input
            id={`${ids}-search`}
            className="input"
            type="search"
            maxLength={500}
            placeholder="Text in the message"
            value={text}
            data-testid="logs-search"
            onChange={(event) => setText(event.target.value)}
          />
        </div>
        <div className="field">
          <label className="label" htmlFor={`${ids}-level`}>
            Severity
          </label>
          <select
            id={`${ids}-level`}
            className="select"
            value={severity}
            data-testid="logs-filter-level"
            onChange={(event) => {
              const value = event.target.value;
              if (value === 'metric') set({ level: 'metric', minLevel: undefined });
              else set({ minLevel: (value || undefined) as LogFilters['minLevel'], level: undefined });
            }}
          >
            <option value="">All levels</option>
            {minLevels.map((level) => (
              <option key={level} value={level}>
                {level === 'error' ? 'error only' : `${level} and above`}
              </option>
            ))}
            <option value="metric">metrics</option>
          </select>
        </div>
        <div className="field">
          <label className="label" htmlFor={`${ids}-flow`}>
            Flow
          </label>
          <input
            id={`${ids}-flow`}
            className="input"
            placeholder="Any flow (exact name)"
            value={flowText}
            data-testid="logs-filter-flow"
            onChange={(event) => setFlowText(event.target.value)}
          />
        </div>
        <EntityPicker
          kind="customer"
          value={filters.customer}
          onChange={(customer) => set({ customer })}
          testId="logs-filter-customer"
        />
        <EntityPicker
          kind="integration"
          value={filters.integration}
          onChange={(integration) => set({ integration })}
          testId="logs-filter-integration"
        />
        <EntityPicker
          kind="instance"
          value={filters.instance}
          onChange={(instance) => set({ instance })}
          testId="logs-filter-instance"
        />
      </div>
      <div className="row wrap filter-row">
        <fieldset className="time-filter">
          <legend className="label">Logged</legend>
          <div className="row wrap row-tight">
            {timePresets.map((preset) => (
              <button
                key={preset.label}
                type="button"
                className="button small-button"
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
              onChange={(event) => set({ to: fromLocalInput(event.target.value) }, true)}
            />
          </div>
        </fieldset>
        {filters.execution && (
          <span className="chip-filter">
            Execution{' '}
            <Link href={`~/executions/${filters.execution}`} className="mono">
              {shortId(filters.execution)}
            </Link>
            <button
              type="button"
              className="button link picker-clear"
              aria-label="Clear the execution filter"
              onClick={() => set({ execution: undefined })}
            >
              ×
            </button>
          </span>
        )}
        <span className="spacer" />
        {clear && (
          <button type="button" className="button link" onClick={clear}>
            Clear filters
          </button>
        )}
      </div>
    </search>
  );
}
