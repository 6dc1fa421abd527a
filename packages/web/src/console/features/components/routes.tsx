import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { Loading } from '../../../shared/ui.js';
import { NotFound } from '../../ui/page.js';
import { ComponentList } from './component-list.js';

const ComponentPage = lazy(() => import('./component-page.js'));

/** The custom components section's screens (paths relative to /components). */
export default function ComponentsRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/" component={ComponentList} />
        <Route path="/:key">{({ key }) => <ComponentPage componentKey={decodeURIComponent(key)} />}</Route>
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
