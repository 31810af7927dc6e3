import type { OpenItem } from '../../../../shared/ipc/views';
import { KindIcon, kindLabel, SeverityBadge } from '../../components/Badges';
import { formatRelative, timeTitle } from '../../lib/time';
import { useNow } from '../../components/useNow';

const GROUPS: readonly { title: string; kinds: readonly string[] }[] = [
  { title: 'Alerts', kinds: ['alert', 'error_spike', 'usage_drop'] },
  { title: 'Incidents', kinds: ['incident'] },
  { title: 'Tickets', kinds: ['ticket'] },
];

/** Open alerts, incidents and tickets; each opens its event. */
export function OpenItems({ items, onOpen }: { items: readonly OpenItem[]; onOpen: (item: OpenItem) => void }) {
  const now = useNow();
  const known = new Set(GROUPS.flatMap((group) => group.kinds));
  const groups = [
    ...GROUPS,
    { title: 'Other', kinds: [...new Set(items.map((item) => item.kind).filter((kind) => !known.has(kind)))] },
  ];
  return (
    <section aria-labelledby="open-items-title" className="panel">
      <h2 id="open-items-title">Open items ({items.length})</h2>
      {items.length === 0 ? <p className="muted">Nothing open: no alerts, incidents or tickets.</p> : null}
      {groups.map((group) => {
        const members = items.filter((item) => group.kinds.includes(item.kind));
        if (members.length === 0) return null;
        return (
          <div key={group.title} className="open-group">
            <h3>
              {group.title} ({members.length})
            </h3>
            <ul className="open-list">
              {members.map((item) => (
                <li key={item.thread}>
                  <button type="button" className="open-item" onClick={() => onOpen(item)}>
                    <KindIcon kind={item.kind} severity={item.severity} />
                    <span className="open-summary">{item.summary}</span>
                    <span className="open-meta">
                      <SeverityBadge severity={item.severity} /> {kindLabel(item.kind)}
                      {item.feature ? ` · ${item.feature}` : ''} ·{' '}
                      <time dateTime={item.openedAt} title={timeTitle(item.openedAt)}>
                        opened {formatRelative(item.openedAt, now)}
                      </time>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
