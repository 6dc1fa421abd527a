import { lazy } from 'react';
import { Link, Route, Switch } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { NotFound, PageHeader } from '../../ui/page.js';
import { EventCount, SigningBadge, WriteOnly } from './event-webhooks-parts.js';
import { useEventTypes, useEventWebhooks } from './queries.js';

const EventWebhookForm = lazy(() => import('./event-webhooks-form.js'));
const EventWebhookPage = lazy(() => import('./event-webhooks-detail.js'));

/**
 * Settings, "Event webhooks": where the organization's own app hears about changes in Weft (seed 003, "Prismatic
 * event webhooks"). Paths relative to /settings/event-webhooks.
 */
export default function EventWebhooksTab() {
  return (
    <Switch>
      <Route path="/" component={EventWebhookList} />
      <Route path="/new">
        <WriteOnly what="add event webhooks">
          <EventWebhookForm />
        </WriteOnly>
      </Route>
      <Route path="/:id/edit">
        {(params) => (
          <WriteOnly what="change event webhooks">
            <EventWebhookForm webhookId={params.id} />
          </WriteOnly>
        )}
      </Route>
      <Route path="/:id">{(params) => <EventWebhookPage webhookId={params.id} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}

function EventWebhookList() {
  const { can } = useConsole();
  const mayWrite = can('monitoring:write');
  const webhooks = useEventWebhooks();
  const catalog = useEventTypes();
  const items = webhooks.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <PageHeader
        title="Event webhooks"
        description="Weft POSTs a JSON event to your app when something changes: an instance deployed, a customer added, an integration published. With a secret, every request is signed (HMAC-SHA256) so your app can tell it came from Weft."
        actions={
          mayWrite && (
            <Link href="/new" className="button primary" data-testid="event-webhooks-create">
              Add event webhook
            </Link>
          )
        }
      />
      {webhooks.isPending ? (
        <Loading />
      ) : webhooks.isError ? (
        <ErrorNotice onRetry={() => void webhooks.refetch()}>{messageOf(webhooks.error)}</ErrorNotice>
      ) : items.length === 0 ? (
        <div className="empty" data-testid="event-webhooks-empty">
          {mayWrite ? (
            <>
              No event webhooks yet. <Link href="/new">Add one</Link> with your app's URL and the events it
              needs, then send it a test event.
            </>
          ) : (
            'No event webhooks yet. An owner or admin can add one to have Weft tell your app about changes.'
          )}
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table
              className="table settings-table"
              aria-label="Event webhooks"
              data-testid="event-webhooks-table"
            >
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Events</th>
                  <th scope="col" className="settings-optional">
                    Signing
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((webhook) => (
                  <tr key={webhook.id} className="link-row" data-testid="event-webhook-row">
                    <td className="settings-mon-name-cell">
                      <Link href={`/${webhook.id}`} className="row-link">
                        {webhook.name}
                      </Link>
                      <div className="small muted mono settings-mon-url" title={webhook.url}>
                        {webhook.url}
                      </div>
                      {webhook.description && (
                        <div className="small muted settings-mon-clamp">{webhook.description}</div>
                      )}
                    </td>
                    <td>
                      {webhook.enabled ? (
                        <Badge kind="active">enabled</Badge>
                      ) : (
                        <Badge kind="paused">disabled</Badge>
                      )}
                    </td>
                    <td>
                      <EventCount eventTypes={webhook.eventTypes} catalog={catalog.data?.items} />
                    </td>
                    <td className="settings-optional">
                      <SigningBadge signed={webhook.hasSecret} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {webhooks.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={webhooks.isFetchingNextPage}
                onClick={() => void webhooks.fetchNextPage()}
              >
                {webhooks.isFetchingNextPage ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </>
      )}
      <p className="small muted">
        Deliveries are retried with backoff until your app answers 2xx; each webhook keeps a delivery log you
        can filter and retry from.
      </p>
    </>
  );
}
