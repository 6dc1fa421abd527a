import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { useConsole } from './console-context.js';
import { ThemeToggle } from './ui/theme-toggle.js';

const navigation = [
  { href: '/integrations', label: 'Integrations', testId: 'nav-integrations' },
  { href: '/customers', label: 'Customers', testId: 'nav-customers' },
  { href: '/instances', label: 'Instances', testId: 'nav-instances' },
  { href: '/executions', label: 'Executions', testId: 'nav-executions' },
  { href: '/logs', label: 'Logs', testId: 'nav-logs' },
  { href: '/monitors', label: 'Monitors', testId: 'nav-monitors' },
  { href: '/connections', label: 'Connections', testId: 'nav-connections' },
  { href: '/components', label: 'Components', testId: 'nav-components' },
  { href: '/settings', label: 'Settings', testId: 'nav-settings' },
] as const;

/**
 * The frame of every signed-in screen: the sections on the left (a menu button below tablet width), who is signed in
 * and the theme at the bottom, the screen in `<main>`. A skip link jumps past the navigation.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const { session, signOut } = useConsole();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  // A new screen closes the phone-width menu, and takes the focus to its title: a screen reader announces where the
  // person now is, and Tab goes on from the top of the screen instead of from the link they clicked.
  const firstScreen = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: location is the trigger, not a value used inside
  useEffect(() => {
    setMenuOpen(false);
    if (firstScreen.current) {
      firstScreen.current = false;
      return;
    }
    const frame = requestAnimationFrame(() => {
      const target = document.querySelector<HTMLElement>('#main h1') ?? document.getElementById('main');
      target?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  }, [location]);

  const who = session.user?.name || session.user?.email || session.token?.name || 'API token';
  return (
    <div className="console-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="console-topbar">
        <button
          type="button"
          className="button menu-button"
          aria-expanded={menuOpen}
          aria-controls="console-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            W
          </span>
          <span>Weft</span>
        </Link>
        <span className="org-name small muted" title="Organization">
          {session.organization.name}
        </span>
      </header>
      <nav id="console-nav" className={`console-nav${menuOpen ? ' open' : ''}`} aria-label="Console">
        <ul>
          {navigation.map((item) => {
            const current = location === item.href || location.startsWith(`${item.href}/`);
            return (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={current ? 'page' : undefined}
                  data-testid={item.testId}
                  className="nav-link"
                >
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="console-nav-footer stack-tight">
          <div className="small">
            <div className="nowrap truncate" title={session.user?.email ?? undefined}>
              {who}
            </div>
            <div className="muted" data-testid="signed-in-role">
              {session.role}
            </div>
          </div>
          <ThemeToggle />
          <button type="button" className="button" data-testid="sign-out" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" className="console-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
