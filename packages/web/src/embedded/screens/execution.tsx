/**
 * One run: its flow, integration, status and times, the error when it failed, each step with its result, and its
 * logs. It follows a queued or running run every 2 s until it ends.
 */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'wouter';
import { answerOf } from '../../shared/api.js';
import { formatDateTime } from '../../shared/i18n.js';
import { Badge, Empty, ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  type Execution,
  ExecutionStatusBadge,
  errorMessageOf,
  formatDuration,
  formatPreciseTime,
  isActive,
  JsonPreview,
  LevelBadge,
  phraseOr,
  problemText,
  retryUnlessRefused,
  selfServiceKeys,
  useCustomerInstances,
} from './self-service-parts.js';

type StepRecord = Execution['stepRecords'][number];
interface Attempt {
  durationMs?: number | null;
  error?: unknown;
}

export function ExecutionScreen({ executionId }: { executionId: string }) {
  const { api, t, locale } = useEmbeddedApp();
  const { names } = useCustomerInstances();
  const headingId = useId();
  const execution = useQuery({
    queryKey: selfServiceKeys.execution(executionId),
    retry: retryUnlessRefused,
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/executions/{id}', { params: { path: { id: executionId } }, signal })),
    refetchInterval: (query) => (query.state.data && isActive(query.state.data.status) ? 2_000 : false),
  });

  const back = (
    <Link href="/dashboard" className="button link back">
      {t('execution.back')}
    </Link>
  );
  if (execution.isPending) {
    return (
      <main className="page">
        {back}
        <Loading />
      </main>
    );
  }
  if (!execution.data) {
    return (
      <main className="page">
        {back}
        <ErrorNotice onRetry={() => void execution.refetch()}>{problemText(execution.error, t)}</ErrorNotice>
      </main>
    );
  }

  const run = execution.data;
  const failure = run.status === 'failed' || run.error ? errorMessageOf(run.error) : undefined;
  const facts: Array<[string, string]> = [
    [t('execution.column.integration'), names.get(run.instanceId) ?? run.instanceId],
    [t('execution.column.started'), formatDateTime(run.startedAt, locale) || '—'],
    [t('execution.finished'), formatDateTime(run.finishedAt, locale) || '—'],
    [t('execution.column.duration'), formatDuration(run.durationMs, locale) || '—'],
    [t('execution.trigger'), phraseOr(t, `execution.trigger.${run.triggerKind}`, run.triggerKind)],
  ];

  return (
    <main className="page">
      {back}
      <div className="page-header">
        <h1>{t('execution.title', { flow: run.flow })}</h1>
        <span role="status" aria-live="polite">
          <ExecutionStatusBadge status={run.status} />
        </span>
      </div>
      <dl className="facts card">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {failure && (
        <div className="notice error stack-tight self-service-section">
          <strong>{t('execution.error')}</strong>
          <span className="pre-wrap">{failure.message}</span>
          {failure.code && <span className="small">{failure.code}</span>}
        </div>
      )}
      {execution.isRefetchError && (
        <ErrorNotice onRetry={() => void execution.refetch()}>{problemText(execution.error, t)}</ErrorNotice>
      )}
      <section className="self-service-section" aria-labelledby={`${headingId}-steps`}>
        <h2 id={`${headingId}-steps`}>{t('execution.steps')}</h2>
        {run.stepRecords.length === 0 ? (
          <Empty>{t('execution.noSteps')}</Empty>
        ) : (
          <ol className="card step-list">
            {run.stepRecords.map((step, index) => (
              // Records only grow, in run order; a key can repeat (nested loops), so the position is part of it.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <StepItem key={`${step.key}-${step.iteration ?? ''}-${index}`} step={step} />
            ))}
          </ol>
        )}
      </section>
      <section className="self-service-section" aria-labelledby={`${headingId}-logs`}>
        <h2 id={`${headingId}-logs`}>{t('execution.logs')}</h2>
        <ExecutionLogs logs={run.logs} />
      </section>
    </main>
  );
}

function StepItem({ step }: { step: StepRecord }) {
  const { t, locale } = useEmbeddedApp();
  const attempts = step.attempts.filter(
    (attempt): attempt is Attempt => typeof attempt === 'object' && attempt !== null,
  );
  const durations = attempts.map((attempt) => attempt.durationMs).filter((ms) => typeof ms === 'number');
  const duration = durations.length > 0 ? durations.reduce((sum, ms) => sum + ms, 0) : null;
  const failure = step.status === 'failed' ? errorMessageOf(attempts.at(-1)?.error) : undefined;
  return (
    <li className="step-item stack-tight">
      <div className="row">
        <strong className="spacer">
          {step.name}
          {step.iteration !== undefined && (
            <span className="muted small">
              {' '}
              · {t('execution.step.iteration', { index: step.iteration + 1 })}
            </span>
          )}
        </strong>
        <Badge kind={step.status}>{phraseOr(t, `execution.stepStatus.${step.status}`, step.status)}</Badge>
        {duration !== null && <span className="small muted">{formatDuration(duration, locale)}</span>}
      </div>
      <span className="small muted mono">
        {step.key}
        {attempts.length > 1 && ` · ${t('execution.attempts', { count: attempts.length })}`}
      </span>
      {failure && <p className="small error-text pre-wrap">{failure.message}</p>}
      <JsonPreview value={step.result} label={t('execution.result')} />
    </li>
  );
}

function ExecutionLogs({ logs }: { logs: Execution['logs'] }) {
  const { t, locale } = useEmbeddedApp();
  if (logs.length === 0) return <Empty>{t('execution.noLogs')}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('logs.column.time')}</th>
            <th scope="col">{t('logs.column.level')}</th>
            <th scope="col">{t('logs.column.message')}</th>
            <th scope="col" className="hide-narrow">
              {t('execution.column.step')}
            </th>
          </tr>
        </thead>
        <tbody>
          {logs.map((line, index) => (
            // Lines have no id; they never reorder, so their position is a stable key.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={index}>
              <td className="nowrap">{formatPreciseTime(line.timestamp, locale, false)}</td>
              <td>
                <LevelBadge level={line.level} />
              </td>
              <td className="message">{line.message}</td>
              <td className="hide-narrow mono small">{line.stepKey ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
