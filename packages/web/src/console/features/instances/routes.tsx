import { lazy } from 'react';
import { Route, Switch } from 'wouter';
import { NotFound } from '../../ui/page.js';
import { InstancesList } from './instances-list.js';

const InstanceCreate = lazy(() =>
  import('./instance-create.js').then((m) => ({ default: m.InstanceCreate })),
);
const InstancePage = lazy(() => import('./instance-page.js').then((m) => ({ default: m.InstancePage })));
// The wizard (JSON Forms and its renderers among its lazy parts) loads only when an instance is configured.
const InstanceConfigure = lazy(() =>
  import('./instance-configure.js').then((m) => ({ default: m.InstanceConfigure })),
);

/** The instances section's screens (paths relative to /instances). */
export default function InstancesRoutes() {
  return (
    <Switch>
      <Route path="/" component={InstancesList} />
      <Route path="/new" component={InstanceCreate} />
      <Route path="/:id/configure">{(params) => <InstanceConfigure key={params.id} id={params.id} />}</Route>
      <Route path="/:id">{(params) => <InstancePage key={params.id} id={params.id} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}
