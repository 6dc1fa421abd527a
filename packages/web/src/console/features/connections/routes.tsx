import { lazy } from 'react';
import { Route, Switch } from 'wouter';
import { NotFound } from '../../ui/page.js';
import ConnectionsList from './connections-list.js';

const ConnectionPage = lazy(() => import('./connection-page.js'));

/** The connections section's screens (paths relative to /connections). */
export default function ConnectionsRoutes() {
  return (
    <Switch>
      <Route path="/" component={ConnectionsList} />
      <Route path="/:id">{(params) => <ConnectionPage connectionId={params.id} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}
