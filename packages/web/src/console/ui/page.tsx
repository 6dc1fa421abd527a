import type { ReactNode } from 'react';
import { useEffect } from 'react';
import { Link } from 'wouter';

/**
 * The top of every console screen: its title (also the document title), what it is for, a way back, and its
 * actions on the right. Only one `<h1>` per screen, here.
 */
export function PageHeader({
  title,
  description,
  back,
  actions,
  meta,
}: {
  title: ReactNode;
  description?: ReactNode;
  back?: { href: string; label: string };
  actions?: ReactNode;
  meta?: ReactNode;
}) {
  useEffect(() => {
    if (typeof title === 'string') document.title = `${title} · Weft`;
  }, [title]);
  return (
    <header className="console-page-header">
      {back && (
        <Link href={back.href} className="back">
          ← {back.label}
        </Link>
      )}
      <div className="row wrap">
        <div className="spacer stack-tight">
          {/* tabIndex -1: the shell moves the focus here when a screen opens (not a Tab stop). */}
          <h1 tabIndex={-1}>{title}</h1>
          {meta && <div className="row wrap small muted">{meta}</div>}
          {description && <p className="muted">{description}</p>}
        </div>
        {actions && <div className="row wrap console-actions">{actions}</div>}
      </div>
    </header>
  );
}

/** A titled part of a screen. */
export function Section({
  title,
  actions,
  children,
  id,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = id ? `${id}-heading` : undefined;
  return (
    <section className="console-section card stack" aria-labelledby={headingId}>
      <div className="row wrap">
        <h2 id={headingId} className="spacer">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function NotFound() {
  return (
    <div className="stack">
      <PageHeader title="Not found" description="There is no such page in the console." />
      <Link href="/">Go to the start</Link>
    </div>
  );
}
