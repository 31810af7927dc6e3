import type { ReactNode } from 'react';

/** A page with nothing to show yet, saying why and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-labelledby="page-title" className="page">
      <h1 id="page-title">{title}</h1>
      <div className="empty">{children}</div>
    </section>
  );
}
