import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formatDuration, formatExact } from '../../ui/format.js';
import { Section } from '../../ui/page.js';
import { JsonView } from './json-view.js';
import { useCancelExecution, useReplayExecution } from './mutations.js';
import { errorOf, LevelBadge, StatusBadge, shortId, statusLabel, triggerLabel } from './parts.js';
import { type Execution, isActive, useExecution } from './queries.js';
import { attemptsOf, buildTimeline, findStep, lastEndOf, type TimelineStep } from './timeline.js';
import './executions.css';

/**
 * One execution, as the execution page shows it below its header: the step timeline, each step's result, logs,
 * errors and the retry/replay chain. Other screens embed it (an instance's test run shows its result with it).
 */
export function ExecutionDetail({ executionId, stepKey }: { executionId: string; stepKey?: string }) {
  const execution = useExecution(executionId);
  if (execution.isPending) return <Loading label="Loading the execution…" />;
  if (!execution.data) {
    return <ErrorNotice onRetry={() => void execution.refetch()}>{messageOf(execution.error)}</ErrorNotice>;
  }
  return (
    <ExecutionBody
      run={execution.data}
      stepKey={stepKey}
      refreshError={execution.isRefetchError ? messageOf(execution.error) : undefined}
    />
  );
}

function ExecutionBody({
  run,
  refreshError,
  stepKey,
}: {
  run: Execution;
  refreshError: string | undefined;
  stepKey: string | undefined;
}) {
  const steps = useMemo(() => buildTimeline(run.stepRecords), [run.stepRecords]);
  const failure = errorOf(run.error);
  const firstFailed = useMemo(() => {
    // A link to a step (from a log line) opens it; else the failing step, else the first.
    const linked = stepKey ? run.stepRecords.findIndex((record) => record.key === stepKey) : -1;
    if (linked >= 0) return String(linked);
    const failed = run.stepRecords.findIndex((record) => record.status === 'failed');
    return failed >= 0 ? String(failed) : steps[0]?.id;
  }, [run.stepRecords, steps, stepKey]);
  const [chosen, setChosen] = useState<string>();
  // Which iteration each loop shows, by the loop's id.
  const [iterationOf, setIterationOf] = useState<Record<string, number>>({});
  const selectedId = chosen ?? firstFailed;
  const selected = selectedId !== undefined ? findStep(steps, selectedId) : undefined;

  return (
    <div className="stack execution-detail">
      <Summary run={run} />
      {refreshError && <ErrorNotice>{refreshError}</ErrorNotice>}
      {failure && (
        <div className="notice error stack-tight" role="alert">
          <strong>Why it failed</strong>
          <span className="pre-wrap">{failure.message}</span>
          <span className="small">
            {failure.code && <span className="mono">{failure.code}</span>}
            {failure.stepKey && (
              <>
                {' · step '}
                <button
                  type="button"
                  className="button link"
                  onClick={() => {
                    const index = run.stepRecords.findLastIndex((record) => record.key === failure.stepKey);
                    if (index >= 0) setChosen(String(index));
                  }}
                >
                  {failure.stepKey}
                </button>
              </>
            )}
          </span>
        </div>
      )}
      <div className="execution-columns">
        <Section title="Steps" id="execution-steps">
          <Timeline
            run={run}
            steps={steps}
            selectedId={selectedId}
            onSelect={setChosen}
            iterationOf={iterationOf}
            setIteration={(loopId, iteration) => setIterationOf({ ...iterationOf, [loopId]: iteration })}
          />
        </Section>
        <StepPanel run={run} step={selected} />
      </div>
      {run.response !== undefined && run.response !== null && (
        <Section title="Response" id="execution-response">
          <JsonView value={run.response} executionId={run.id} fileName={`${shortId(run.id)}-response`} />
        </Section>
      )}
      <Section
        title="Logs"
        id="execution-logs"
        actions={
          <Link href={`~/logs?execution=${run.id}`} className="small">
            Open in Logs
          </Link>
        }
      >
        <LogLines
          lines={run.logs}
          showStep
          executionStart={run.startedAt}
          onStep={(key) => {
            const index = run.stepRecords.findLastIndex((record) => record.key === key);
            if (index >= 0) setChosen(String(index));
          }}
          testId="execution-logs"
        />
      </Section>
      <Chain run={run} />
    </div>
  );
}

function Summary({ run }: { run: Execution }) {
  const facts: Array<[string, React.ReactNode]> = [
    [
      'Integration',
      <Link key="i" href={`~/integrations/${run.integrationId}`}>
        {run.integrationName ?? shortId(run.integrationId)}
      </Link>,
    ],
    [
      'Flow',
      <Link key="f" href={`~/executions?instance=${run.instanceId}&flow=${encodeURIComponent(run.flow)}`}>
        {run.flow}
      </Link>,
    ],
    [
      'Customer',
      <Link key="c" href={`~/customers/${run.customerId}`}>
        {run.customerName ?? shortId(run.customerId)}
      </Link>,
    ],
    [
      'Instance',
      <Link key="n" href={`~/instances/${run.instanceId}`}>
        {run.instanceName ?? shortId(run.instanceId)}
      </Link>,
    ],
    ['Queued', formatExact(run.queuedAt)],
    ['Started', run.startedAt ? formatExact(run.startedAt) : '—'],
    ['Ended', run.finishedAt ? formatExact(run.finishedAt) : '—'],
    [
      'Duration',
      run.durationMs !== null ? formatDuration(run.durationMs) : isActive(run.status) ? 'Still running' : '—',
    ],
    ['Trigger', triggerLabel(run.triggerKind)],
    ['Attempt', run.retryNumber > 0 ? `${run.attempt} (retry ${run.retryNumber})` : String(run.attempt)],
  ];
  return (
    <div className="card stack execution-summary">
      <div className="row wrap">
        <span role="status" aria-live="polite" data-testid="execution-status" data-status={run.status}>
          <StatusBadge status={run.status} />
          <span className="visually-hidden"> {statusLabel(run.status)}</span>
        </span>
        <span className="mono small muted">{run.id}</span>
        <span className="spacer" />
        <Actions run={run} />
      </div>
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function Actions({ run }: { run: Execution }) {
  const [dialog, setDialog] = useState<'replay' | 'cancel'>();
  const [sameVersion, setSameVersion] = useState(false);
  const replay = useReplayExecution(run.id);
  const cancel = useCancelExecution(run.id);
  const [, navigate] = useLocation();
  const ids = useId();
  return (
    <IfAllowed permission="instances:configure">
      <div className="row wrap row-tight">
        {isActive(run.status) && (
          <button
            type="button"
            className="button danger"
            data-testid="execution-cancel"
            onClick={() => setDialog('cancel')}
          >
            Cancel
          </button>
        )}
        <button
          type="button"
          className="button primary"
          data-testid="execution-replay"
          onClick={() => setDialog('replay')}
        >
          Replay
        </button>
      </div>
      {dialog === 'cancel' && (
        <ConfirmDialog
          title="Cancel this execution?"
          confirmLabel="Cancel execution"
          busy={cancel.isPending}
          error={cancel.isError ? messageOf(cancel.error) : undefined}
          onClose={() => {
            setDialog(undefined);
            cancel.reset();
          }}
          onConfirm={() => cancel.mutate(undefined, { onSuccess: () => setDialog(undefined) })}
        >
          <p>
            {run.status === 'queued'
              ? 'It has not started: it will never run.'
              : 'Its worker stops it within a few seconds; the steps it has not finished store nothing.'}
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'replay' && (
        <Dialog
          title="Replay this execution"
          onClose={() => {
            setDialog(undefined);
            replay.reset();
          }}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDialog(undefined)}>
                Close
              </button>
              <button
                type="button"
                className="button primary"
                data-testid="execution-replay-confirm"
                disabled={replay.isPending}
                onClick={() =>
                  replay.mutate(
                    { sameVersion },
                    { onSuccess: (answer) => navigate(`~/executions/${answer.id}`) },
                  )
                }
              >
                {replay.isPending ? 'Replaying…' : 'Replay'}
              </button>
            </>
          }
        >
          <div className="stack">
            <p>
              Runs the flow <strong>{run.flow}</strong> again for this instance with the same request (its
              body and headers). The new execution is linked to this one.
            </p>
            <label className="row row-tight" htmlFor={`${ids}-same`}>
              <input
                id={`${ids}-same`}
                type="checkbox"
                checked={sameVersion}
                onChange={(event) => setSameVersion(event.target.checked)}
              />
              Run the integration version this execution ran (default: the instance's current version)
            </label>
            {replay.isError && (
              <p className="notice error" role="alert">
                {messageOf(replay.error)}
              </p>
            )}
          </div>
        </Dialog>
      )}
    </IfAllowed>
  );
}

function Timeline({
  run,
  steps,
  selectedId,
  onSelect,
  iterationOf,
  setIteration,
}: {
  run: Execution;
  steps: TimelineStep[];
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  iterationOf: Record<string, number>;
  setIteration: (loopId: string, iteration: number) => void;
}) {
  if (steps.length === 0) {
    return <Empty>{isActive(run.status) ? 'No step has finished yet.' : 'No step ran.'}</Empty>;
  }
  const origin = run.startedAt
    ? new Date(run.startedAt).getTime()
    : Math.min(...steps.map((step) => step.start ?? Number.MAX_SAFE_INTEGER));
  const running = isActive(run.status);
  const total = Math.max(
    run.durationMs ?? 0,
    lastEndOf(steps) - origin,
    running ? Date.now() - origin : 0,
    1,
  );
  return (
    <ol className="timeline" data-testid="execution-steps" aria-label="Steps in the order they ran">
      {steps.map((step) => (
        <TimelineRow
          key={step.id}
          step={step}
          depth={0}
          origin={origin}
          total={total}
          selectedId={selectedId}
          onSelect={onSelect}
          iterationOf={iterationOf}
          setIteration={setIteration}
        />
      ))}
      {running && (
        <li className="timeline-item timeline-pending small muted">
          <span className="status-pulse" aria-hidden="true" />
          {run.status === 'queued' ? 'Waiting for a worker…' : 'The next step is running…'}
        </li>
      )}
    </ol>
  );
}

function TimelineRow({
  step,
  depth,
  origin,
  total,
  selectedId,
  onSelect,
  iterationOf,
  setIteration,
}: {
  step: TimelineStep;
  depth: number;
  origin: number;
  total: number;
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  iterationOf: Record<string, number>;
  setIteration: (loopId: string, iteration: number) => void;
}) {
  const offset = step.start !== null ? step.start - origin : null;
  const left = offset !== null ? Math.min(100, (offset / total) * 100) : 0;
  const width = step.durationMs !== null ? Math.max(0.6, (step.durationMs / total) * 100) : 0.6;
  const numbers = step.iterations ? [...step.iterations.keys()].sort((a, b) => a - b) : [];
  const shown = step.iterations ? (iterationOf[step.id] ?? numbers[0] ?? 0) : undefined;
  const children = shown !== undefined ? (step.iterations?.get(shown) ?? []) : [];
  const position = shown !== undefined ? numbers.indexOf(shown) : -1;
  const selected = step.id === selectedId;
  return (
    <li className={`timeline-item depth-${Math.min(depth, 3)}`}>
      <button
        type="button"
        className={`timeline-step${selected ? ' selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
        onClick={() => onSelect(step.id)}
        data-step-key={step.record.key}
      >
        <span className={`step-dot ${step.record.status}`} aria-hidden="true" />
        <span className="timeline-name">
          <span className="truncate">{step.record.name}</span>
          <span className="small muted">
            {statusLabel(step.record.status)}
            {step.durationMs !== null && ` · ${formatDuration(step.durationMs)}`}
            {offset !== null && ` · at +${formatDuration(Math.max(0, offset))}`}
            {step.attempts.length > 1 && ` · ${step.attempts.length} attempts`}
            {step.record.branch && ` · branch ${step.record.branch}`}
            {step.record.iterations !== undefined && ` · ${step.record.iterations} iterations`}
          </span>
        </span>
        <span className="timeline-track" aria-hidden="true">
          <span
            className={`timeline-bar ${step.record.status}`}
            style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
          />
        </span>
      </button>
      {step.iterations && numbers.length > 0 && shown !== undefined && (
        <div className="iteration-nav row wrap row-tight small" data-testid="loop-iterations">
          <button
            type="button"
            className="button small-button"
            disabled={position <= 0}
            aria-label="Previous iteration"
            onClick={() => setIteration(step.id, numbers[position - 1] as number)}
          >
            ‹
          </button>
          <label>
            <span className="visually-hidden">Iteration of {step.record.name}</span>
            <select
              className="select iteration-select"
              value={shown}
              onChange={(event) => setIteration(step.id, Number(event.target.value))}
            >
              {numbers.map((number) => (
                <option key={number} value={number}>
                  Iteration {number + 1} of {numbers.length}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button small-button"
            disabled={position >= numbers.length - 1}
            aria-label="Next iteration"
            onClick={() => setIteration(step.id, numbers[position + 1] as number)}
          >
            ›
          </button>
        </div>
      )}
      {children.length > 0 && (
        <ol className="timeline nested">
          {children.map((child) => (
            <TimelineRow
              key={child.id}
              step={child}
              depth={depth + 1}
              origin={origin}
              total={total}
              selectedId={selectedId}
              onSelect={onSelect}
              iterationOf={iterationOf}
              setIteration={setIteration}
            />
          ))}
        </ol>
      )}
    </li>
  );
}

function StepPanel({ run, step }: { run: Execution; step: TimelineStep | undefined }) {
  if (!step) return null;
  const { record } = step;
  const lastAttempt = step.attempts.at(-1);
  const attemptError = step.attempts
    .map((attempt) => errorOf(attempt.error))
    .filter(Boolean)
    .at(-1);
  const failure = attemptError ?? (record.status === 'failed' ? errorOf(run.error) : undefined);
  // Log lines name their step but not the iteration: a loop child's lines are those logged from its start until the
  // same step's next iteration began (not its recorded end: the line saying it failed comes a moment after it).
  const nextIteration =
    record.iteration === undefined
      ? undefined
      : run.stepRecords.find(
          (other) => other.key === record.key && other.iteration === (record.iteration as number) + 1,
        );
  const until = nextIteration
    ? Math.min(
        ...attemptsOf(nextIteration).map((attempt) =>
          attempt.startedAt ? new Date(attempt.startedAt).getTime() : Number.POSITIVE_INFINITY,
        ),
      )
    : Number.POSITIVE_INFINITY;
  const logs = run.logs.filter((line) => {
    if (line.stepKey !== record.key) return false;
    if (record.iteration === undefined || step.start === null) return true;
    const at = new Date(line.timestamp).getTime();
    return at >= step.start && at < until;
  });
  const title = (
    <>
      {record.name}
      {record.iteration !== undefined && <span className="muted"> · iteration {record.iteration + 1}</span>}
    </>
  );
  return (
    <Section title={title} id="execution-step">
      <div className="row wrap small">
        <StatusBadge status={record.status} />
        <span className="mono muted">{record.key}</span>
        {step.durationMs !== null && <span className="muted">{formatDuration(step.durationMs)}</span>}
        {lastAttempt?.startedAt && (
          <span className="muted">started {formatExact(lastAttempt.startedAt)}</span>
        )}
      </div>
      {failure && (
        <div className="notice error stack-tight" data-testid="step-error">
          <strong>Error</strong>
          <span className="pre-wrap">{failure.message}</span>
          {failure.code && <span className="small mono">{failure.code}</span>}
          {failure.stack && (
            <details>
              <summary>Stack trace</summary>
              <pre className="json-raw">{failure.stack}</pre>
            </details>
          )}
        </div>
      )}
      {step.attempts.length > 1 && (
        <details className="small">
          <summary>{step.attempts.length} attempts</summary>
          <ol>
            {step.attempts.map((attempt, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: attempts never reorder
              <li key={index}>
                {attempt.startedAt ? formatExact(attempt.startedAt) : ''} ·{' '}
                {formatDuration(attempt.durationMs)}
                {attempt.error !== undefined && ` · ${errorOf(attempt.error)?.message ?? ''}`}
              </li>
            ))}
          </ol>
        </details>
      )}
      <h3 className="small-heading">
        {record.key === run.stepRecords[0]?.key ? 'Result (the request the flow received)' : 'Result'}
      </h3>
      <JsonView
        key={step.id}
        value={record.result}
        executionId={run.id}
        fileName={`${shortId(run.id)}-${record.key}${record.iteration !== undefined ? `-${record.iteration + 1}` : ''}`}
        testId="step-result"
      />
      <h3 className="small-heading">Logs of this step</h3>
      <LogLines lines={logs} executionStart={run.startedAt} testId="step-logs" />
    </Section>
  );
}

export function LogLines({
  lines,
  showStep,
  onStep,
  executionStart,
  testId,
}: {
  lines: Execution['logs'];
  showStep?: boolean;
  onStep?: (stepKey: string) => void;
  executionStart: string | null;
  testId?: string;
}) {
  const [all, setAll] = useState(false);
  const limit = 300;
  if (lines.length === 0)
    return (
      <p className="muted small" data-testid={testId}>
        No log lines.
      </p>
    );
  const origin = executionStart ? new Date(executionStart).getTime() : null;
  const shown = all ? lines : lines.slice(0, limit);
  return (
    <div className="stack-tight" data-testid={testId}>
      <ol className="log-lines mono small">
        {shown.map((line, index) => (
          // Lines have no id and never reorder.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={index} className={`log-line level-${line.level}`}>
            <time dateTime={line.timestamp} title={formatExact(line.timestamp)} className="muted">
              {origin !== null
                ? `+${formatDuration(Math.max(0, new Date(line.timestamp).getTime() - origin))}`
                : formatExact(line.timestamp)}
            </time>
            <LevelBadge level={line.level} />
            <span className="log-message">{line.message}</span>
            {showStep &&
              line.stepKey &&
              (onStep ? (
                <button
                  type="button"
                  className="button link log-step"
                  onClick={() => onStep(line.stepKey as string)}
                >
                  {line.stepKey}
                </button>
              ) : (
                <span className="muted log-step">{line.stepKey}</span>
              ))}
          </li>
        ))}
      </ol>
      {lines.length > shown.length && (
        <button type="button" className="button" onClick={() => setAll(true)}>
          Show all {lines.length} lines
        </button>
      )}
    </div>
  );
}

function Chain({ run }: { run: Execution }) {
  const links: Array<{ label: string; id: string }> = [];
  if (run.retryOfId) links.push({ label: `Retry ${run.retryNumber} of`, id: run.retryOfId });
  if (run.replayOfId) links.push({ label: 'Replays', id: run.replayOfId });
  if (run.invokedById) links.push({ label: 'Invoked by', id: run.invokedById });
  if (run.cancelledById) links.push({ label: 'Retries cancelled by', id: run.cancelledById });
  for (const [index, id] of run.retries.entries()) links.push({ label: `Retry ${index + 1}`, id });
  for (const [index, id] of run.replays.entries()) links.push({ label: `Replay ${index + 1}`, id });
  return (
    <Section title="Retries and replays" id="execution-chain">
      <div data-testid="execution-chain">
        {links.length === 0 ? (
          <p className="muted small">Not a retry or a replay, and nothing has retried or replayed it.</p>
        ) : (
          <ul className="chain-list">
            {links.map((link) => (
              <li key={`${link.label}-${link.id}`}>
                <span className="muted">{link.label}</span>{' '}
                <Link href={`~/executions/${link.id}`} className="mono">
                  {shortId(link.id)}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Section>
  );
}

/** Scrolls a freshly replayed execution's page to the top (the dialog left it wherever it was). */
export function useScrollTopOn(value: string) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: the value is the trigger, not an input
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [value]);
}
