import type { ReactNode } from 'react';
import { useEffect } from 'react';

/** The frame of the pages shown before signing in: a centred card with the product's name. */
export function PublicPage({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Weft`;
  }, [title]);
  return (
    <main className="public-page">
      <div className="card stack public-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            W
          </span>
          <span>Weft</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
