import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Redirect, Route, Switch, useLocation } from 'wouter';
// The shared parts (loading, errors, the config wizard) speak through t(); the console takes their default English.
import { phrases as sharedPhrases } from '../embedded/phrases.js';
import { messageOf } from '../shared/api.js';
import { createTranslator, TranslateProvider } from '../shared/i18n.js';
import { Loading } from '../shared/ui.js';
import { AppShell } from './app-shell.js';
import { type ConsoleApp, ConsoleAppContext } from './console-context.js';
import { ConsoleRoutes } from './console-routes.js';
import {
  createConsoleApi,
  fetchSession,
  type SessionInfo,
  safeReturnTo,
  sessionOf,
} from './console-session.js';
import { ToastProvider, toastFromOutside } from './ui/toast.js';

const SignInScreen = lazy(() => import('./screens/sign-in.js').then((m) => ({ default: m.SignInScreen })));
const SetupScreen = lazy(() => import('./screens/setup.js').then((m) => ({ default: m.SetupScreen })));
const InvitationScreen = lazy(() =>
  import('./screens/invitation.js').then((m) => ({ default: m.InvitationScreen })),
);

/**
 * Errors of a change (a mutation) that its screen does not handle itself (no `onError`) become a toast, so none is
 * silent. Queries show their errors where their data would be.
 */
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } },
  mutationCache: new MutationCache({
    onError: (error, _variables, _context, mutation) => {
      if (!mutation.options.onError) toastFromOutside({ kind: 'error', message: messageOf(error) });
    },
  }),
});

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'signed-in'; info: SessionInfo };

const publicPaths = ['/sign-in', '/setup', '/invitations/'];
const isPublicPath = (path: string) =>
  publicPaths.some((prefix) => path === prefix || path.startsWith(prefix));

/** The console: public pages (sign-in, first setup, invitations) and, once signed in, the shell and its screens. */
export function ConsoleRoot() {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [location, navigate] = useLocation();
  const csrf = useRef<string | null>(null);
  const t = useMemo(() => createTranslator(sharedPhrases), []);

  const api = useMemo(
    () =>
      createConsoleApi(
        () => csrf.current,
        () => {
          csrf.current = null;
          queryClient.clear();
          setState({ status: 'signed-out', expired: true });
        },
      ),
    [],
  );

  const refresh = useCallback(async () => {
    try {
      const info = await fetchSession(api);
      csrf.current = info?.csrfToken ?? null;
      setState(info ? { status: 'signed-in', info } : { status: 'signed-out', expired: false });
    } catch (error) {
      // The server is unreachable or broken: say so on the sign-in page rather than spin forever.
      toastFromOutside({ kind: 'error', message: messageOf(error) });
      setState({ status: 'signed-out', expired: false });
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const app = useMemo<ConsoleApp | undefined>(() => {
    if (state.status !== 'signed-in') return undefined;
    const session = sessionOf(state.info, api);
    return {
      api,
      session: state.info,
      can: session.can,
      signOut: async () => {
        // Signed out here only when the server ended the session: else a reload would sign straight back in.
        try {
          const { response } = await api.POST('/api/auth/sign-out');
          if (!response.ok && response.status !== 401) {
            toastFromOutside({
              kind: 'error',
              message: `Signing out failed (${response.status}); try again.`,
            });
            return;
          }
        } catch (error) {
          toastFromOutside({ kind: 'error', message: `Signing out failed: ${messageOf(error)}` });
          return;
        }
        csrf.current = null;
        queryClient.clear();
        setState({ status: 'signed-out', expired: false });
        navigate('/sign-in');
      },
    };
  }, [state, api, navigate]);

  const onSignedIn = useCallback(
    async (returnTo: string) => {
      await refresh();
      navigate(safeReturnTo(returnTo), { replace: true });
    },
    [refresh, navigate],
  );

  let content: React.ReactNode;
  if (isPublicPath(location)) {
    content = (
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/sign-in">
            <SignInScreen
              api={api}
              onSignedIn={onSignedIn}
              expired={state.status === 'signed-out' && state.expired}
            />
          </Route>
          <Route path="/setup">
            <SetupScreen api={api} onSignedIn={onSignedIn} />
          </Route>
          <Route path="/invitations/:secret">
            {(params) => <InvitationScreen api={api} secret={params.secret} onSignedIn={onSignedIn} />}
          </Route>
        </Switch>
      </Suspense>
    );
  } else if (state.status === 'loading') {
    content = <Loading />;
  } else if (state.status === 'signed-out' || !app) {
    const returnTo = `${location}${window.location.search}`;
    content = (
      <Redirect to={`/sign-in${returnTo === '/' ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`} />
    );
  } else {
    content = (
      <ConsoleAppContext.Provider value={app}>
        <AppShell>
          <ConsoleRoutes />
        </AppShell>
      </ConsoleAppContext.Provider>
    );
  }

  return (
    <TranslateProvider translate={t}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>{content}</ToastProvider>
      </QueryClientProvider>
    </TranslateProvider>
  );
}
