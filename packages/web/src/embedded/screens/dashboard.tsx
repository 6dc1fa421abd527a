/**
 * `showDashboard()`: the customer's integrations (instances) and their recent runs, filtered by instance and
 * status (kept in the URL: `?instance=…&status=…`, so other screens link to one instance's runs).
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link, useSearchParams } from 'wouter';
import { answerOf } from '../../shared/api.js';
import { formatDateTime } from '../../shared/i18n.js';
import { Empty, ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  type ExecutionStatus,
  ExecutionStatusBadge,
  executionStatuses,
  formatDuration,
  type Instance,
  InstanceStatusBadge,
  isActive,
  problemText,
  retryUnlessRefused,
  selfServiceKeys,
  useCustomerInstances,
} from './self-service-parts.js';

export function DashboardScreen() {
  const { t } = useEmbeddedApp();
  const instances = useCustomerInstances();
  const headingId = useId();

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t('dashboard.title')}</h1>
      </div>
      <section className="self-service-section" aria-labelledby={`${headingId}-instances`}>
        <h2 id={`${headingId}-instances`}>{t('dashboard.instances')}</h2>
        {instances.isPending ? (
          <Loading />
        ) : !instances.data ? (
          <ErrorNotice onRetry={() => void instances.refetch()}>
            {problemText(instances.error, t)}
          </ErrorNotice>
        ) : instances.data.length === 0 ? (
          <Empty>{t('dashboard.noInstances')}</Empty>
        ) : (
          <ul className="card instance-list">
            {instances.data.map((instance) => (
              <InstanceRow key={instance.id} instance={instance} />
            ))}
          </ul>
        )}
      </section>
      <section className="self-service-section" aria-labelledby={`${headingId}-runs`}>
        <h2 id={`${headingId}-runs`}>{t('dashboard.executions')}</h2>
        <Runs instances={instances.data ?? []} names={instances.names} />
      </section>
    </main>
  );
}

function InstanceRow({ instance }: { instance: Instance }) {
  const { t, readOnly } = useEmbeddedApp();
  return (
    <li className="instance-row">
      <div className="spacer stack-tight">
        <strong>{instance.name}</strong>
        <span className="small muted">
          {instance.integration.name} · {t('detail.versionLabel', { version: instance.versionNumber })}
        </span>
      </div>
      <InstanceStatusBadge instance={instance} />
      <Link href={`/dashboard?instance=${encodeURIComponent(instance.id)}`} className="button link">
        {t('dashboard.showRuns')}
        <span className="visually-hidden"> {instance.name}</span>
      </Link>
      <Link href={`/instances/${encodeURIComponent(instance.id)}/configure`} className="button">
        {readOnly
          ? t('activateIntegrationDialog.viewButton')
          : t('activateIntegrationDialog.configureButton')}
        <span className="visually-hidden"> {instance.name}</span>
      </Link>
    </li>
  );
}

function Runs({ instances, names }: { instances: Instance[]; names: Map<string, string> }) {
  const { api, t, locale } = useEmbeddedApp();
  const [params, setParams] = useSearchParams();
  const instanceId = useId();
  const statusId = useId();
  const instance = params.get('instance') ?? '';
  const requested = params.get('status') ?? '';
  const status = (executionStatuses as readonly string[]).includes(requested)
    ? (requested as ExecutionStatus)
    : '';

  const setFilter = (name: 'instance' | 'status', value: string) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  const runs = useInfiniteQuery({
    queryKey: selfServiceKeys.executions({ instance, status }),
    retry: retryUnlessRefused,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/executions', {
          params: {
            query: {
              limit: 25,
              ...(instance ? { instance } : {}),
              ...(status ? { status: [status] } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((run) => isActive(run.status))) ? 5_000 : false,
  });
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  // An instance named in the URL but not (yet) listed still gets an option, so the select shows the filter.
  const unknownInstance = instance !== '' && !names.has(instance);

  return (
    <div className="stack">
      <div className="toolbar">
        <div className="field">
          <label htmlFor={instanceId}>{t('execution.column.integration')}</label>
          <select
            id={instanceId}
            className="select"
            value={instance}
            onChange={(event) => setFilter('instance', event.target.value)}
          >
            <option value="">{t('dashboard.allInstances')}</option>
            {unknownInstance && <option value={instance}>{instance}</option>}
            {instances.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={statusId}>{t('execution.column.status')}</label>
          <select
            id={statusId}
            className="select"
            value={status}
            onChange={(event) => setFilter('status', event.target.value)}
          >
            <option value="">{t('dashboard.allStatuses')}</option>
            {executionStatuses.map((candidate) => (
              <option key={candidate} value={candidate}>
                {t(`execution.status.${candidate}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {runs.isPending ? (
        <Loading />
      ) : runs.isError && items.length === 0 ? (
        <ErrorNotice onRetry={() => void runs.refetch()}>{problemText(runs.error, t)}</ErrorNotice>
      ) : items.length === 0 ? (
        <Empty>{t('dashboard.noExecutions')}</Empty>
      ) : (
        <>
          {runs.isError && (
            <ErrorNotice onRetry={() => void runs.refetch()}>{problemText(runs.error, t)}</ErrorNotice>
          )}
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('execution.column.started')}</th>
                  <th scope="col">{t('execution.column.integration')}</th>
                  <th scope="col" className="hide-narrow">
                    {t('execution.column.flow')}
                  </th>
                  <th scope="col">{t('execution.column.status')}</th>
                  <th scope="col" className="hide-narrow">
                    {t('execution.column.duration')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((run) => (
                  <tr key={run.id} className="link-row">
                    <td>
                      <Link href={`/executions/${encodeURIComponent(run.id)}`} className="row-link">
                        {formatDateTime(run.startedAt ?? run.queuedAt, locale)}
                      </Link>
                    </td>
                    <td>{names.get(run.instanceId) ?? run.instanceId}</td>
                    <td className="hide-narrow">{run.flow}</td>
                    <td>
                      <ExecutionStatusBadge status={run.status} />
                    </td>
                    <td className="hide-narrow">{formatDuration(run.durationMs, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {runs.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={runs.isFetchingNextPage}
                onClick={() => void runs.fetchNextPage()}
              >
                {runs.isFetchingNextPage ? t('common.loading') : t('dashboard.loadMore')}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
