/**
 * `showLogs()`: the customer's execution logs, newest first, searched (as the customer types, after a pause),
 * filtered by level and instance, in pages; a line opens to show its step, flow and run.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { answerOf } from '../../shared/api.js';
import { formatDateTime } from '../../shared/i18n.js';
import { Empty, ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  formatPreciseTime,
  LevelBadge,
  type LogEntry,
  problemText,
  retryUnlessRefused,
  selfServiceKeys,
  useCustomerInstances,
} from './self-service-parts.js';

const minLevels = ['debug', 'info', 'warn', 'error'] as const;
type MinLevel = (typeof minLevels)[number];

/** `value`, once it stopped changing for `delayMs`. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export function LogsScreen() {
  const { api, t } = useEmbeddedApp();
  const instances = useCustomerInstances();
  const ids = useId();
  const [typed, setTyped] = useState('');
  const [minLevel, setMinLevel] = useState<MinLevel | ''>('');
  const [instance, setInstance] = useState('');
  const search = useDebounced(typed.trim(), 300);

  const logs = useInfiniteQuery({
    queryKey: selfServiceKeys.logs({ search, minLevel, instance }),
    retry: retryUnlessRefused,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/logs', {
          params: {
            query: {
              limit: 100,
              ...(search ? { search } : {}),
              ...(minLevel ? { minLevel } : {}),
              ...(instance ? { instance } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: (previous) => previous,
  });
  const lines = logs.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t('logs.title')}</h1>
      </div>
      <search className="toolbar">
        <div className="field grow">
          <label htmlFor={`${ids}-search`}>{t('logs.search')}</label>
          <input
            id={`${ids}-search`}
            className="input"
            type="search"
            maxLength={500}
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-level`}>{t('logs.column.level')}</label>
          <select
            id={`${ids}-level`}
            className="select"
            value={minLevel}
            onChange={(event) => setMinLevel(event.target.value as MinLevel | '')}
          >
            <option value="">{t('logs.allLevels')}</option>
            {minLevels.map((level) => (
              <option key={level} value={level}>
                {t(`logs.minLevel.${level}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-instance`}>{t('logs.column.integration')}</label>
          <select
            id={`${ids}-instance`}
            className="select"
            value={instance}
            onChange={(event) => setInstance(event.target.value)}
          >
            <option value="">{t('dashboard.allInstances')}</option>
            {(instances.data ?? []).map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </div>
      </search>
      <div role="status" aria-live="polite" className="visually-hidden">
        {logs.isFetching && !logs.isFetchingNextPage ? t('common.loading') : ''}
      </div>
      {logs.isPending ? (
        <Loading />
      ) : !logs.data ? (
        <ErrorNotice onRetry={() => void logs.refetch()}>{problemText(logs.error, t)}</ErrorNotice>
      ) : (
        <div className="stack">
          {logs.isError && (
            <ErrorNotice onRetry={() => void logs.refetch()}>{problemText(logs.error, t)}</ErrorNotice>
          )}
          {lines.length === 0 ? (
            <Empty>{t('logs.empty')}</Empty>
          ) : (
            <LogTable lines={lines} names={instances.names} />
          )}
          {logs.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={logs.isFetchingNextPage}
                onClick={() => void logs.fetchNextPage()}
              >
                {logs.isFetchingNextPage ? t('common.loading') : t('dashboard.loadMore')}
              </button>
            </div>
          )}
        </div>
      )}
    </main>
  );
}

function LogTable({ lines, names }: { lines: LogEntry[]; names: Map<string, string> }) {
  const { t, locale } = useEmbeddedApp();
  const ids = useId();
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((previous) => {
      const next = new Set(previous);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <div className="table-wrap">
      <table className="table log-table">
        <thead>
          <tr>
            <th scope="col">{t('logs.column.time')}</th>
            <th scope="col">{t('logs.column.level')}</th>
            <th scope="col">{t('logs.column.message')}</th>
            <th scope="col" className="hide-narrow">
              {t('logs.column.integration')}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, index) => {
            // Lines have no id; pages only append, so the position keeps a line's key.
            const key = `${line.executionId}-${line.timestamp}-${index}`;
            const expanded = open.has(key);
            const detailsId = `${ids}-${index}`;
            return (
              <Fragment key={key}>
                <tr className="link-row">
                  <td className="nowrap">
                    <button
                      type="button"
                      className="row-link log-toggle"
                      aria-expanded={expanded}
                      aria-controls={expanded ? detailsId : undefined}
                      onClick={() => toggle(key)}
                    >
                      {formatDateTime(line.timestamp, locale)}
                    </button>
                  </td>
                  <td>
                    <LevelBadge level={line.level} />
                  </td>
                  <td className="message">{line.message}</td>
                  <td className="hide-narrow">{names.get(line.instanceId) ?? line.instanceId}</td>
                </tr>
                {expanded && (
                  <tr className="log-details" id={detailsId}>
                    <td colSpan={4}>
                      <dl className="facts">
                        <div>
                          <dt>{t('logs.column.time')}</dt>
                          <dd>{formatPreciseTime(line.timestamp, locale)}</dd>
                        </div>
                        <div>
                          <dt>{t('logs.column.integration')}</dt>
                          <dd>{names.get(line.instanceId) ?? line.instanceId}</dd>
                        </div>
                        <div>
                          <dt>{t('execution.column.flow')}</dt>
                          <dd>{line.flow}</dd>
                        </div>
                        <div>
                          <dt>{t('execution.column.step')}</dt>
                          <dd className="mono">{line.stepKey ?? '—'}</dd>
                        </div>
                        <div className="wide">
                          <dt>{t('logs.column.message')}</dt>
                          <dd className="message pre-wrap">{line.message}</dd>
                        </div>
                        <div>
                          <dt>{t('logs.run')}</dt>
                          <dd>
                            <Link href={`/executions/${encodeURIComponent(line.executionId)}`}>
                              {t('logs.openExecution')}
                            </Link>
                          </dd>
                        </div>
                      </dl>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
