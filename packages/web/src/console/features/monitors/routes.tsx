import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { Loading } from '../../../shared/ui.js';
import { NotFound } from '../../ui/page.js';
import MonitorsList from './monitors-list.js';

// The monitors list is the section's first screen; the others load when first opened.
const GroupsTab = lazy(() => import('./groups-tab.js'));
const WebhooksTab = lazy(() => import('./webhooks-tab.js'));
const MonitorPage = lazy(() => import('./monitor-page.js'));

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The monitors section (alerting, paths relative to /monitors): the monitors, the alert groups and the alert
 * webhooks as three tabs, and each monitor's page with its events.
 */
export default function MonitorsRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/" component={MonitorsList} />
        <Route path="/groups" component={GroupsTab} />
        <Route path="/webhooks" component={WebhooksTab} />
        <Route path="/:id">
          {(params) => (uuid.test(params.id) ? <MonitorPage monitorId={params.id} /> : <NotFound />)}
        </Route>
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
