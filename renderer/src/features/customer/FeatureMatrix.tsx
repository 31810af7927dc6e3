import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { CustomerFeature } from '../../../../shared/domain';
import { HealthBadge } from '../../components/Badges';
import { formatRelative, timeTitle } from '../../lib/time';
import { useNow } from '../../components/useNow';

/** Whether the element is wider inside than its box, following its size (and its first child's). */
function useOverflowsSideways(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, [ref]);
  return overflows;
}

/**
 * Each feature: entitled, enabled, health and last signal. The table fits a narrow overview
 * (headings and the last signal wrap); where it still scrolls sideways, its box is a named
 * region in the tab order so the keyboard can scroll it (#15, axe scrollable-region-focusable).
 */
export function FeatureMatrix({ features }: { features: readonly CustomerFeature[] }) {
  const now = useNow();
  const scrollRef = useRef<HTMLDivElement>(null);
  const isScrollable = useOverflowsSideways(scrollRef);
  const sorted = [...features].sort((a, b) => a.feature.localeCompare(b.feature));
  return (
    <section aria-labelledby="features-title" className="panel">
      <h2 id="features-title">Features</h2>
      {sorted.length === 0 ? (
        <p className="muted">No feature state is cached for this customer.</p>
      ) : (
        <div
          ref={scrollRef}
          className="feature-scroll"
          {...(isScrollable ? { role: 'region', 'aria-label': 'Features table', tabIndex: 0 } : {})}
        >
          <table className="feature-table" aria-labelledby="features-title">
            <colgroup>
              <col style={{ width: '27%' }} />
              <col style={{ width: '17%' }} />
              <col style={{ width: '17%' }} />
              <col style={{ width: '21%' }} />
              <col style={{ width: '18%' }} />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Entitled</th>
                <th scope="col">Enabled</th>
                <th scope="col">Health</th>
                <th scope="col">Last signal</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((feature) => (
                <tr key={feature.feature} className={feature.enabled && !feature.entitled ? 'mismatch' : undefined}>
                  <th scope="row">{feature.feature}</th>
                  <td>{feature.entitled ? 'yes' : 'no'}</td>
                  <td>{feature.enabled ? 'yes' : 'no'}</td>
                  <td>
                    <HealthBadge health={feature.health} />
                  </td>
                  <td className="feature-signal">
                    {feature.lastSignalAt ? (
                      <time dateTime={feature.lastSignalAt} title={timeTitle(feature.lastSignalAt)}>
                        {formatRelative(feature.lastSignalAt, now)}
                      </time>
                    ) : (
                      'none'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
