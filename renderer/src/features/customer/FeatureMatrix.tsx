import type { CustomerFeature } from '../../../../shared/domain';
import { HealthBadge } from '../../components/Badges';
import { formatRelative, timeTitle } from '../../lib/time';
import { useNow } from '../../components/useNow';

/** Each feature: entitled, enabled, health and last signal. */
export function FeatureMatrix({ features }: { features: readonly CustomerFeature[] }) {
  const now = useNow();
  const sorted = [...features].sort((a, b) => a.feature.localeCompare(b.feature));
  return (
    <section aria-labelledby="features-title" className="panel">
      <h2 id="features-title">Features</h2>
      {sorted.length === 0 ? (
        <p className="muted">No feature state is cached for this customer.</p>
      ) : (
        <div className="feature-scroll">
          <table className="feature-table">
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
                  <td>
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
