import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { Loading } from '../../../shared/ui.js';
import { NotFound } from '../../ui/page.js';
import { ExecutionsList } from './executions-list.js';
import { primeHead } from './queries.js';

const ExecutionPage = lazy(() => import('./execution-page.js'));

// Opening the list: its first page is asked for while React still shows the section's loading state.
if (/^\/executions\/?$/.test(window.location.pathname)) primeHead(window.location.search);

/** The executions section's screens (paths relative to /executions). */
export default function ExecutionsRoutes() {
  return (
    <Switch>
      <Route path="/" component={ExecutionsList} />
      <Route path="/:id">
        {(params) => (
          <Suspense fallback={<Loading />}>
            <ExecutionPage id={params.id} />
          </Suspense>
        )}
      </Route>
      <Route component={NotFound} />
    </Switch>
  );
}
