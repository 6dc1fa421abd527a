import { lazy } from 'react';
import { Link, Route, Switch } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { NotFound, PageHeader } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { WriteOnly } from './event-webhooks-parts.js';
import { formatCount, presetNames, StreamStateBadge } from './log-streams-parts.js';
import { useLogStreams } from './queries.js';

const LogStreamForm = lazy(() => import('./log-streams-form.js'));
const LogStreamPage = lazy(() => import('./log-streams-detail.js'));

/**
 * Settings, "Log streams": every execution log line sent on to DataDog, New Relic or any HTTP endpoint (seed 003,
 * "Streaming Logs Externally"). Paths relative to /settings/log-streams.
 */
export default function LogStreamsTab() {
  return (
    <Switch>
      <Route path="/" component={LogStreamList} />
      <Route path="/new">
        <WriteOnly what="add log streams">
          <LogStreamForm />
        </WriteOnly>
      </Route>
      <Route path="/:id/edit">
        {(params) => (
          <WriteOnly what="change log streams">
            <LogStreamForm streamId={params.id} />
          </WriteOnly>
        )}
      </Route>
      <Route path="/:id">{(params) => <LogStreamPage streamId={params.id} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}

function LogStreamList() {
  const { can } = useConsole();
  const mayWrite = can('monitoring:write');
  const streams = useLogStreams();
  const items = streams.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <PageHeader
        title="Log streams"
        description="Weft sends every log line of your executions (test runs included) to an external logging service: DataDog, New Relic, or any HTTP endpoint, in batches as executions finish. While a service is down, lines wait in a bounded backlog."
        actions={
          mayWrite && (
            <Link href="/new" className="button primary" data-testid="log-streams-create">
              Add log stream
            </Link>
          )
        }
      />
      {streams.isPending ? (
        <Loading />
      ) : streams.isError ? (
        <ErrorNotice onRetry={() => void streams.refetch()}>{messageOf(streams.error)}</ErrorNotice>
      ) : items.length === 0 ? (
        <div className="empty" data-testid="log-streams-empty">
          {mayWrite ? (
            <>
              No log streams yet. <Link href="/new">Add one</Link>: pick DataDog or New Relic and paste your
              key, or give any HTTP endpoint, then send a test payload.
            </>
          ) : (
            'No log streams yet. An owner or admin can add one to send execution logs to DataDog, New Relic or another service.'
          )}
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table settings-table" aria-label="Log streams" data-testid="log-streams-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="settings-optional">
                    Delivered
                  </th>
                  <th scope="col" className="settings-optional">
                    Backlog
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((stream) => (
                  <tr key={stream.id} className="link-row" data-testid="log-stream-row">
                    <td className="settings-mon-name-cell">
                      <Link href={`/${stream.id}`} className="row-link">
                        {stream.name}
                      </Link>
                      <div className="small muted">{presetNames[stream.preset]}</div>
                      <div className="small muted mono settings-mon-url" title={stream.url}>
                        {stream.url}
                      </div>
                    </td>
                    <td className="settings-mon-state-cell">
                      <StreamStateBadge state={stream.status.state} />
                      {stream.status.lastError && (
                        <div className="small error-text settings-mon-clamp" title={stream.status.lastError}>
                          {stream.status.lastError}
                        </div>
                      )}
                      {stream.status.lastErrorAt && (
                        <div className="small muted">
                          failed <When value={stream.status.lastErrorAt} />
                        </div>
                      )}
                      <div className="small muted settings-mon-narrow-only">
                        {formatCount(stream.status.deliveredLines)} lines delivered ·{' '}
                        {formatCount(stream.status.backlogExecutions)} waiting
                        {stream.status.droppedExecutions > 0 &&
                          ` · ${formatCount(stream.status.droppedExecutions)} dropped`}
                      </div>
                    </td>
                    <td className="settings-optional">
                      <div>{formatCount(stream.status.deliveredLines)} lines</div>
                      <div className="small muted">
                        {stream.status.lastDeliveredAt ? (
                          <When value={stream.status.lastDeliveredAt} />
                        ) : (
                          'none yet'
                        )}
                      </div>
                    </td>
                    <td className="settings-optional">
                      <div>
                        {formatCount(stream.status.backlogExecutions)}{' '}
                        <span className="small muted">waiting</span>
                      </div>
                      {stream.status.droppedExecutions > 0 && (
                        <div className="small error-text">
                          {formatCount(stream.status.droppedExecutions)} dropped
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {streams.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={streams.isFetchingNextPage}
                onClick={() => void streams.fetchNextPage()}
              >
                {streams.isFetchingNextPage ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </>
      )}
      <p className="small muted">
        Lines are sent once their execution finishes, rendered with the stream's payload template. The backlog
        counts finished executions whose lines wait; past the stream's backlog limit the oldest are dropped,
        and counted.
      </p>
    </>
  );
}
