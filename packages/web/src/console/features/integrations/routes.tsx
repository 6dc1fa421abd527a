import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { Loading } from '../../../shared/ui.js';
import { NotFound } from '../../ui/page.js';
import { IntegrationList } from './integration-list.js';

// The list is the console's first screen; the rest (and CodeMirror, with the import screen) load when opened.
const ImportScreen = lazy(() => import('./import-screen.js'));
const IntegrationPage = lazy(() => import('./integration-page.js'));

/** The integrations section's screens (paths relative to /integrations). */
export default function IntegrationsRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/" component={IntegrationList} />
        <Route path="/import" component={ImportScreen} />
        <Route path="/:id/versions">{({ id }) => <IntegrationPage id={id} tab="versions" />}</Route>
        <Route path="/:id/marketplace">{({ id }) => <IntegrationPage id={id} tab="marketplace" />}</Route>
        <Route path="/:id">{({ id }) => <IntegrationPage id={id} tab="flows" />}</Route>
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
