import { type ComponentType, Suspense, use, useEffect } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { Loading } from '../shared/ui.js';
import { NotFound } from './ui/page.js';

/**
 * The console's screens, by section. Each section is its own chunk and routes inside its path (`nest`):
 * `features/<section>/routes.tsx`. The server serves the console at the same sections (`consoleSections` in
 * packages/server/src/embedding/web-pages.ts): add a section in both places.
 */
const loaders = {
  integrations: () => import('./features/integrations/routes.js'),
  customers: () => import('./features/customers/routes.js'),
  instances: () => import('./features/instances/routes.js'),
  executions: () => import('./features/executions/routes.js'),
  logs: () => import('./features/logs/routes.js'),
  monitors: () => import('./features/monitors/routes.js'),
  connections: () => import('./features/connections/routes.js'),
  components: () => import('./features/components/routes.js'),
  settings: () => import('./features/settings/routes.js'),
} as const;
type SectionName = keyof typeof loaders;

/** A promise React's `use` reads at once when it has settled (React tracks `status`/`value` on thenables). */
type Tracked<T> = Promise<T> & { status?: 'fulfilled' | 'rejected'; value?: T };
const modules = new Map<SectionName, Tracked<ComponentType>>();

function sectionModule(name: SectionName): Tracked<ComponentType> {
  let module = modules.get(name);
  if (!module) {
    const loading: Tracked<ComponentType> = loaders[name]().then((loaded) => loaded.default);
    loading.then(
      (value) => {
        loading.status = 'fulfilled';
        loading.value = value;
      },
      () => {
        loading.status = 'rejected';
        // A failed chunk (a deploy changed the file names, the network dropped) is fetched again next time.
        modules.delete(name);
      },
    );
    modules.set(name, loading);
    module = loading;
  }
  return module;
}

/**
 * A section whose code has arrived renders in the same frame as the click. React.lazy would suspend once even
 * then, and React holds a shown fallback for 300 ms: the time of a whole screen.
 */
function Section({ name }: { name: SectionName }) {
  const Screen = use(sectionModule(name) as Promise<ComponentType>);
  return <Screen />;
}

/**
 * Once the console has shown its first screen and the browser is idle, the other sections' code is fetched (their
 * entry modules only; heavy parts such as the YAML editor and the wizard's JSON Forms load when used), so moving
 * between sections never waits for the network.
 */
function usePreloadedSections(): void {
  useEffect(() => {
    const preload = () => {
      for (const name of Object.keys(loaders) as SectionName[]) void sectionModule(name).catch(() => {});
    };
    if ('requestIdleCallback' in window) {
      const handle = window.requestIdleCallback(preload, { timeout: 2_000 });
      return () => window.cancelIdleCallback(handle);
    }
    const timer = setTimeout(preload, 500);
    return () => clearTimeout(timer);
  }, []);
}

export function ConsoleRoutes() {
  usePreloadedSections();
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/">
          <Redirect to="/integrations" replace />
        </Route>
        {(Object.keys(loaders) as SectionName[]).map((name) => (
          <Route key={name} path={`/${name}`} nest>
            <Section name={name} />
          </Route>
        ))}
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
