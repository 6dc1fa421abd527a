import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { InitPayload } from '@weft/embed/protocol';
import { lazy, Suspense, useMemo, useSyncExternalStore } from 'react';
import { Route, Router, Switch } from 'wouter';
import { createApi } from '../shared/api.js';
import { createTranslator, TranslateProvider } from '../shared/i18n.js';
import { applyTheme } from '../shared/theme.js';
import { Loading } from '../shared/ui.js';
import { type EmbeddedApp, EmbeddedAppContext } from './embedded-app-context.js';
import type { FrameSession } from './frame-session.js';
import { fetchMarketplaceList, initialMarketplaceFilters, marketplaceKeys } from './marketplace-data.js';
import { phrases } from './phrases.js';
import { MarketplaceScreen } from './screens/marketplace.js';

// The marketplace list is the first screen; every other one loads when it is opened.
const ConfigureEntry = lazy(() =>
  import('./screens/configure-entry.js').then((m) => ({ default: m.ConfigureEntry })),
);
const ConnectionsScreen = lazy(() =>
  import('./screens/connections.js').then((m) => ({ default: m.ConnectionsScreen })),
);
const DashboardScreen = lazy(() =>
  import('./screens/dashboard.js').then((m) => ({ default: m.DashboardScreen })),
);
const ExecutionScreen = lazy(() =>
  import('./screens/execution.js').then((m) => ({ default: m.ExecutionScreen })),
);
const IntegrationDetail = lazy(() =>
  import('./screens/integration-detail.js').then((m) => ({ default: m.IntegrationDetail })),
);
const LogsScreen = lazy(() => import('./screens/logs.js').then((m) => ({ default: m.LogsScreen })));
const WizardScreen = lazy(() =>
  import('./screens/wizard/wizard-screen.js').then((m) => ({ default: m.WizardScreen })),
);

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

/**
 * The marketplace list, fetched while the page signs in when the marketplace is the first screen. A token that
 * turns out bad fails this fetch too; the screen then never shows, and nothing is kept.
 */
function prefetchFirstScreen(token: string, init: InitPayload): void {
  const path = window.location.pathname.replace(/\/+$/, '');
  if (path !== '/embedded/marketplace' && path !== '/embedded') return;
  const api = createApi({ authorization: () => `Bearer ${token}`, refused: () => {} });
  const filters = initialMarketplaceFilters(init.filters);
  void queryClient.prefetchQuery({
    queryKey: marketplaceKeys.list(filters),
    queryFn: ({ signal }) => fetchMarketplaceList(api, filters, signal),
  });
}

/** The embedded pages: nothing shows until the host's handshake signs the page in. */
export function EmbeddedRoot({ session }: { session: FrameSession }) {
  session.onInit ??= prefetchFirstScreen;
  const state = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.state,
  );
  const defaultT = useMemo(() => createTranslator(phrases), []);

  if (state.status === 'standalone') {
    return (
      <main className="page">
        <div className="card stack">
          <h1>{defaultT('frame.standalone.title')}</h1>
          <p className="muted">{defaultT('frame.standalone.text')}</p>
        </div>
      </main>
    );
  }
  if (state.status === 'failed') {
    const t = createTranslator(phrases, session.init?.translation);
    return (
      <main className="page">
        <div className="notice error stack" role="alert">
          <strong>{t('frame.failed.title')}</strong>
          <span>{state.message}</span>
          <span className="small">{state.code}</span>
        </div>
      </main>
    );
  }
  if (state.status !== 'ready' || !session.context) {
    return <Loading label={defaultT('frame.connecting')} />;
  }
  return <SignedIn session={session} />;
}

function SignedIn({ session }: { session: FrameSession }) {
  const app = useMemo<EmbeddedApp>(() => {
    const init = session.init ?? { sdkVersion: '', token: '' };
    const identity = session.context as NonNullable<FrameSession['context']>;
    applyTheme(identity.theme, init.theme);
    if (init.autoHeight) document.documentElement.classList.add('auto-height');
    const t = createTranslator(phrases, init.translation);
    return {
      api: createApi({ authorization: () => session.authorization(), refused: () => session.tokenRefused() }),
      session,
      init,
      identity,
      t,
      locale: init.translation?.locale,
      // Customer roles without instances:configure (seed 003): members look; marketplace users only browse.
      readOnly:
        identity.user.kind === 'customer' &&
        (identity.user.role === 'member' || identity.user.role === 'marketplace-user'),
      emit: (event, data) => session.emit(event, data),
    };
  }, [session]);

  return (
    <EmbeddedAppContext.Provider value={app}>
      <TranslateProvider translate={app.t}>
        <QueryClientProvider client={queryClient}>
          <Router base="/embedded">
            <Suspense fallback={<Loading />}>
              <Switch>
                <Route path="/marketplace" component={MarketplaceScreen} />
                <Route path="/marketplace/:integrationId">
                  {(params) => <IntegrationDetail integrationId={params.integrationId} />}
                </Route>
                <Route path="/configure" component={ConfigureEntry} />
                <Route path="/instances/:instanceId/configure">
                  {(params) => <WizardScreen instanceId={params.instanceId} />}
                </Route>
                <Route path="/connections" component={ConnectionsScreen} />
                <Route path="/dashboard" component={DashboardScreen} />
                <Route path="/executions/:executionId">
                  {(params) => <ExecutionScreen executionId={params.executionId} />}
                </Route>
                <Route path="/logs" component={LogsScreen} />
                <Route component={MarketplaceScreen} />
              </Switch>
            </Suspense>
          </Router>
        </QueryClientProvider>
      </TranslateProvider>
    </EmbeddedAppContext.Provider>
  );
}
