import { lazy, Suspense, useEffect } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { NotFound, PageHeader } from '../../ui/page.js';
import OrganizationTab from './organization-tab.js';
import './settings.css';

// The organization tab is the section's first screen; the others load when first opened.
const UsersTab = lazy(() => import('./users-tab.js'));
const TokensTab = lazy(() => import('./tokens-tab.js'));
const SigningKeysTab = lazy(() => import('./signing-keys-tab.js'));
const ThemeTab = lazy(() => import('./theme-tab.js'));
const SsoTab = lazy(() => import('./sso-tab.js'));
const EncryptionTab = lazy(() => import('./encryption-tab.js'));
const AuditTab = lazy(() => import('./audit-tab.js'));
const AccountTab = lazy(() => import('./account-tab.js'));
const EventWebhooksTab = lazy(() => import('./event-webhooks-tab.js'));
const LogStreamsTab = lazy(() => import('./log-streams-tab.js'));

interface Tab {
  path: string;
  label: string;
  /** What the person must hold to see the tab at all; undefined: everyone signed in as a user. */
  permission?: string;
  component: React.ComponentType;
  /** The tab has screens of its own under its path (`/event-webhooks/:id`): its route matches them too. */
  nested?: boolean;
}

const tabs: Tab[] = [
  {
    path: 'organization',
    label: 'Organization',
    permission: 'organization:read',
    component: OrganizationTab,
  },
  { path: 'users', label: 'Users and roles', permission: 'users:read', component: UsersTab },
  { path: 'tokens', label: 'API tokens', permission: 'tokens:read', component: TokensTab },
  { path: 'signing-keys', label: 'Signing keys', permission: 'signing-keys:read', component: SigningKeysTab },
  { path: 'theme', label: 'Theme and embedding', permission: 'organization:read', component: ThemeTab },
  { path: 'single-sign-on', label: 'Single sign-on', permission: 'organization:read', component: SsoTab },
  { path: 'encryption', label: 'Encryption keys', permission: 'encryption:read', component: EncryptionTab },
  {
    path: 'event-webhooks',
    label: 'Event webhooks',
    permission: 'monitoring:read',
    component: EventWebhooksTab,
    nested: true,
  },
  {
    path: 'log-streams',
    label: 'Log streams',
    permission: 'monitoring:read',
    component: LogStreamsTab,
    nested: true,
  },
  { path: 'audit', label: 'Audit log', permission: 'audit:read', component: AuditTab },
  { path: 'account', label: 'My account', component: AccountTab },
];

/** The settings section: a list of the tabs the person may read, and the open tab beside it (paths under /settings). */
export default function SettingsRoutes() {
  const { can, session } = useConsole();
  const [location] = useLocation();
  // "My account" is a person's: a console session always has a user; an API token of nobody has no account.
  const visible = tabs.filter((tab) => (tab.permission ? can(tab.permission) : session.user !== null));
  const first = visible[0];
  // Below tablet width the tabs scroll sideways: keep the open one in view (the later tabs start off screen).
  useEffect(() => {
    if (!location) return;
    document
      .querySelector('.settings-nav-link[aria-current="page"]')
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [location]);
  return (
    <div className="settings-layout">
      <nav className="settings-nav" aria-label="Settings" data-testid="settings-nav">
        <div className="settings-nav-title small muted">Settings</div>
        <ul>
          {visible.map((tab) => {
            const href = `/${tab.path}`;
            const current = location === href || location.startsWith(`${href}/`);
            return (
              <li key={tab.path}>
                <Link
                  href={href}
                  className="settings-nav-link"
                  aria-current={current ? 'page' : undefined}
                  data-testid={`settings-tab-${tab.path}`}
                >
                  {tab.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="settings-body stack">
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/">{first ? <Redirect to={`/${first.path}`} replace /> : <NoSettings />}</Route>
            {tabs.map((tab) => (
              <Route key={tab.path} path={`/${tab.path}`} nest={tab.nested}>
                {visible.includes(tab) ? <tab.component /> : <NotAllowed label={tab.label} />}
              </Route>
            ))}
            <Route component={NotFound} />
          </Switch>
        </Suspense>
      </div>
    </div>
  );
}

function NotAllowed({ label }: { label: string }) {
  return (
    <>
      <PageHeader title={label} />
      <div className="notice info">
        Your role does not let you see these settings. An owner or admin of the organization can.
      </div>
    </>
  );
}

function NoSettings() {
  return <PageHeader title="Settings" description="There are no settings your role may see." />;
}
