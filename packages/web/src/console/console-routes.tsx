import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { Loading } from '../shared/ui.js';
import { NotFound } from './ui/page.js';

/**
 * The console's screens, by section. Each section is its own chunk (loaded when first opened) and routes inside its
 * path (`nest`): `features/<section>/routes.tsx`. The server serves the console at the same sections
 * (`consoleSections` in packages/server/src/embedding/web-pages.ts): add a section in both places.
 */
const sections = {
  integrations: lazy(() => import('./features/integrations/routes.js')),
  customers: lazy(() => import('./features/customers/routes.js')),
  instances: lazy(() => import('./features/instances/routes.js')),
  executions: lazy(() => import('./features/executions/routes.js')),
  logs: lazy(() => import('./features/logs/routes.js')),
  connections: lazy(() => import('./features/connections/routes.js')),
  components: lazy(() => import('./features/components/routes.js')),
  settings: lazy(() => import('./features/settings/routes.js')),
} as const;

export function ConsoleRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/">
          <Redirect to="/integrations" replace />
        </Route>
        {Object.entries(sections).map(([path, Section]) => (
          <Route key={path} path={`/${path}`} nest>
            <Section />
          </Route>
        ))}
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
