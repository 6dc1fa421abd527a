import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf, WeftApiError } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { prettyJson } from './event-webhooks-parts.js';
import {
  formatCount,
  type LogStream,
  type LogStreamTestResult,
  logStreamsHref,
  presetNames,
  StreamStateBadge,
} from './log-streams-parts.js';
import { useDeleteLogStream, useTestLogStream } from './mutations.js';
import { useLogStream } from './queries.js';

/** One log stream: how it is doing (kept fresh), a test payload, and its settings. */
export default function LogStreamPage({ streamId }: { streamId: string }) {
  const stream = useLogStream(streamId);
  if (stream.isPending) return <Loading />;
  if (stream.isError) {
    const missing = stream.error instanceof WeftApiError && stream.error.status === 404;
    return (
      <>
        <PageHeader
          title={missing ? 'Log stream not found' : 'Log stream'}
          back={{ href: logStreamsHref, label: 'Log streams' }}
        />
        <ErrorNotice onRetry={missing ? undefined : () => void stream.refetch()}>
          {missing
            ? 'There is no such log stream in your organization: it may have been deleted.'
            : messageOf(stream.error)}
        </ErrorNotice>
      </>
    );
  }
  return <StreamScreen stream={stream.data} />;
}

function StreamScreen({ stream }: { stream: LogStream }) {
  const { can } = useConsole();
  const mayWrite = can('monitoring:write');
  const [, navigate] = useLocation();
  const test = useTestLogStream();
  const [deleting, setDeleting] = useState(false);
  const { status } = stream;
  return (
    <>
      <PageHeader
        title={stream.name}
        back={{ href: logStreamsHref, label: 'Log streams' }}
        meta={
          <>
            <StreamStateBadge state={status.state} />
            <span>{presetNames[stream.preset]}</span>
            <span>
              updated <When value={stream.updatedAt} />
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
                data-testid="log-stream-test"
                onClick={() => test.mutate(stream.id)}
              >
                {test.isPending ? 'Sending…' : 'Send test payload'}
              </button>
              <Link href={`/${stream.id}/edit`} className="button" data-testid="log-stream-edit">
                Edit
              </Link>
              <button
                type="button"
                className="button danger"
                data-testid="log-stream-delete"
                onClick={() => setDeleting(true)}
              >
                Delete
              </button>
            </>
          )
        }
      />
      <div aria-live="polite" data-testid="log-stream-test-result">
        {test.isError ? (
          <div className="notice error">Could not send the test payload: {messageOf(test.error)}</div>
        ) : test.data ? (
          <TestOutcome result={test.data} onDismiss={() => test.reset()} />
        ) : null}
      </div>
      <Section title="Status" id="log-stream-status">
        <p
          className={`notice ${
            status.state === 'retrying' || status.droppedExecutions > 0
              ? 'error'
              : status.state === 'delivering'
                ? 'success'
                : 'info'
          }`}
          data-testid="log-stream-summary"
        >
          {status.summary}
        </p>
        <dl className="facts settings-mon-figures" data-testid="log-stream-figures">
          <div>
            <dt>Delivered lines</dt>
            <dd>{formatCount(status.deliveredLines)}</dd>
          </div>
          <div>
            <dt>Last delivery</dt>
            <dd>{status.lastDeliveredAt ? <When value={status.lastDeliveredAt} /> : 'none yet'}</dd>
          </div>
          <div>
            <dt>Backlog</dt>
            <dd>
              {formatCount(status.backlogExecutions)}{' '}
              <span className="small muted">of {formatCount(stream.backlogLimit)} executions</span>
            </dd>
          </div>
          <div>
            <dt>Dropped</dt>
            <dd className={status.droppedExecutions > 0 ? 'error-text' : undefined}>
              {formatCount(status.droppedExecutions)} <span className="small muted">executions</span>
            </dd>
          </div>
          {status.nextAttemptAt && (
            <div>
              <dt>Next attempt</dt>
              <dd>
                <When value={status.nextAttemptAt} />
              </dd>
            </div>
          )}
          {status.lastErrorAt && (
            <div>
              <dt>Last failure</dt>
              <dd>
                <When value={status.lastErrorAt} />
              </dd>
            </div>
          )}
          {status.lastError && status.state !== 'retrying' && (
            <div className="wide">
              <dt>Last error</dt>
              <dd className="error-text">{status.lastError}</dd>
            </div>
          )}
        </dl>
      </Section>
      <Section title="Settings" id="log-stream-settings">
        <dl className="settings-facts">
          <div className="settings-fact">
            <dt>Service</dt>
            <dd>{presetNames[stream.preset]}</dd>
          </div>
          <div className="settings-fact">
            <dt>URL</dt>
            <dd className="row wrap settings-mon-url-fact">
              <code className="mono small">{stream.url}</code>
              <CopyButton value={stream.url} label="Copy URL" />
            </dd>
          </div>
          <div className="settings-fact">
            <dt>Headers</dt>
            <dd>
              {stream.headerNames.length === 0 ? (
                <span className="muted">None</span>
              ) : (
                <ul className="settings-mon-header-list">
                  {stream.headerNames.map((name) => (
                    <li key={name}>
                      <code className="mono small">{name}</code>{' '}
                      <span className="small muted">value set (never shown)</span>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
          <div className="settings-fact">
            <dt>Enabled</dt>
            <dd>{stream.enabled ? <Badge kind="active">yes</Badge> : <Badge kind="paused">no</Badge>}</dd>
          </div>
          <div className="settings-fact">
            <dt>Backlog limit</dt>
            <dd>{formatCount(stream.backlogLimit)} executions</dd>
          </div>
          <div className="settings-fact">
            <dt>Format</dt>
            <dd>
              {stream.format === 'json'
                ? 'JSON: each line an object, each batch their array'
                : 'Text: one line of the body per log line'}
            </dd>
          </div>
          {stream.metricFields.length > 0 && (
            <div className="settings-fact">
              <dt>Metric fields</dt>
              <dd>
                <ul className="chip-list">
                  {stream.metricFields.map((field) => (
                    <li key={field} className="chip mono">
                      {field}
                    </li>
                  ))}
                </ul>
                <div className="small muted">
                  Not Weft fields: read from <code>logger.metric()</code> objects, null on other lines. A typo
                  shows up here.
                </div>
              </dd>
            </div>
          )}
        </dl>
        <div className="stack-tight">
          <div className="row">
            <h3 className="spacer settings-mon-h3">Payload template</h3>
            <CopyButton value={stream.payloadTemplate} label="Copy template" />
          </div>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls when long, and a scrolling region must take focus so keyboard users can scroll it (axe scrollable-region-focusable). */}
          <section className="settings-mon-pre" aria-label="Payload template" tabIndex={0}>
            <pre data-testid="log-stream-template-view">{stream.payloadTemplate}</pre>
          </section>
        </div>
      </Section>
      {deleting && (
        <DeleteStreamDialog
          stream={stream}
          onClose={() => setDeleting(false)}
          onDeleted={() => navigate(logStreamsHref, { replace: true })}
        />
      )}
    </>
  );
}

/** What the endpoint said to the test payload, and the payload itself (what the template made of test values). */
function TestOutcome({ result, onDismiss }: { result: LogStreamTestResult; onDismiss: () => void }) {
  return (
    <div
      className={`notice ${result.delivered ? 'success' : 'error'} stack-tight`}
      data-testid={result.delivered ? 'log-stream-test-delivered' : 'log-stream-test-failed'}
    >
      <div className="row">
        <strong className="spacer">
          {result.delivered
            ? `Test payload delivered: the endpoint answered HTTP ${result.statusCode}.`
            : result.statusCode !== null
              ? `Test payload refused: the endpoint answered HTTP ${result.statusCode}.`
              : 'Test payload not delivered: the endpoint could not be reached.'}
        </strong>
        <button
          type="button"
          className="button link"
          aria-label="Dismiss the test result"
          onClick={onDismiss}
        >
          ×
        </button>
      </div>
      {result.error && <div className="small">{result.error}</div>}
      {result.delivered && (
        <div className="small">Executions waiting in the backlog, if any, are retried now.</div>
      )}
      <details className="settings-mon-payload">
        <summary className="settings-mon-summary">Payload sent</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls when long, and a scrolling region must take focus so keyboard users can scroll it (axe scrollable-region-focusable). */}
        <section className="settings-mon-pre" aria-label="Payload sent" tabIndex={0}>
          <pre>{prettyJson(result.payload)}</pre>
        </section>
      </details>
    </div>
  );
}

function DeleteStreamDialog({
  stream,
  onClose,
  onDeleted,
}: {
  stream: LogStream;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteLogStream();
  return (
    <ConfirmDialog
      title={`Delete “${stream.name}”?`}
      confirmLabel="Delete log stream"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(stream.id, { onSuccess: onDeleted })}
    >
      <p>
        Weft stops sending log lines to <code className="mono">{stream.url}</code>.
        {stream.status.backlogExecutions > 0 &&
          ` The lines of ${formatCount(stream.status.backlogExecutions)} executions waiting in its backlog are dropped.`}{' '}
        This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
