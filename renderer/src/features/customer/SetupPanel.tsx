import { useId, useState } from 'react';
import type { CustomerSetup } from '../../../../shared/ipc/diagnosis-views';
import type { CustomerDetail } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { countOf } from '../../lib/plural';
import { formatDateTime, timeTitle } from '../../lib/time';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';

const STEP_LABELS: Record<CustomerSetup['steps'][number]['state'], string> = {
  done: 'done',
  stuck: 'stuck',
  waiting_on_customer: 'waiting on the customer',
  running: 'running',
  pending: 'pending',
};

/** The collapsed panel's one line: what needs doing, so it can stay closed. */
function summaryLine(detail: CustomerDetail, setup: CustomerSetup | null): string {
  const parts = [detail.customer.version];
  if (setup?.lag) parts.push(`${countOf(setup.lag.behind, 'version', 'versions')} behind`);
  else if (setup?.latestVersion) parts.push('on the latest');
  if (setup && setup.steps.length > 0) {
    const done = setup.steps.filter((step) => step.state === 'done').length;
    const stuck = setup.steps.filter((step) => step.state === 'stuck').length;
    parts.push(`onboarding ${done} of ${setup.steps.length} done${stuck > 0 ? `, ${stuck} stuck` : ''}`);
  }
  if (setup && setup.entitledNotEnabled.length > 0)
    parts.push(`${countOf(setup.entitledNotEnabled.length, 'feature', 'features')} paid for but off`);
  if (setup) parts.push(countOf(setup.settings.length, 'setting', 'settings'));
  return parts.join(' · ');
}

/**
 * How the customer is set up (issue 12): version against the latest and why it
 * lags, plan, region, stage, the onboarding checklist, features entitled but not
 * enabled, and its flags and config as they stand — from the cache (offline too).
 * Collapsed to one line by default, so it never takes the timeline's room on a
 * 1024 px window; opening it is one button (Enter or Space).
 */
export function SetupPanel({ detail, refreshKey }: { detail: CustomerDetail; refreshKey: string }) {
  const desk = useDesk();
  const headingId = useId();
  const bodyId = useId();
  const [isOpen, setOpen] = useState(false);
  const revealEvent = useStore((state) => state.revealEvent);
  const selectEvent = useStore((state) => state.selectEvent);
  const customerId = detail.customer.id;
  const { value, error, retry } = useDeskAnswer(`${customerId}\u0000${refreshKey}`, () => desk.customers.setup({ customerId }));
  const focus = (eventId: string, occurredAt: string) => {
    void revealEvent(desk, { id: eventId, occurredAt });
    selectEvent(eventId);
  };
  const { customer } = detail;

  return (
    <section aria-labelledby={headingId} className="panel customer-setup">
      <h2 id={headingId} className="setup-heading">
        <button
          type="button"
          className="setup-toggle"
          aria-expanded={isOpen}
          aria-controls={bodyId}
          onClick={() => setOpen(!isOpen)}
        >
          <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span> Setup
        </button>
      </h2>
      <p className="muted setup-summary" data-testid="setup-summary">
        {summaryLine(detail, value)}
      </p>
      {error ? <ErrorMessage compact title="Could not read the setup" error={error} onRetry={retry} /> : null}
      <div id={bodyId} hidden={!isOpen}>
        {isOpen ? (
          <>
            <dl className="setup-facts" aria-label="Setup facts">
              <div>
                <dt>Version</dt>
                <dd>
                  {customer.version}
                  {value?.latestVersion ? ` (latest ${value.latestVersion})` : ''}
                  {value?.lag ? (
                    <>
                      {' '}
                      — <span className="setup-lag">{value.lag.detail}</span>
                    </>
                  ) : null}
                </dd>
              </div>
              <div>
                <dt>Plan</dt>
                <dd>{humanize(customer.plan)}</dd>
              </div>
              <div>
                <dt>Region</dt>
                <dd>
                  {customer.region} · {customer.environment}
                </dd>
              </div>
              <div>
                <dt>Stage</dt>
                <dd>{humanize(customer.lifecycle)}</dd>
              </div>
            </dl>
            {value ? (
              <>
                <h3>Onboarding checklist</h3>
                {value.steps.length === 0 ? (
                  <p className="muted">No provisioning steps in the cache.</p>
                ) : (
                  <ul className="setup-steps" aria-label="Onboarding checklist">
                    {value.steps.map((step) => (
                      <li key={step.step} className={`setup-step step-${step.state}`}>
                        <span className="setup-step-name">{humanize(step.step)}</span>{' '}
                        <strong className="setup-step-state">{STEP_LABELS[step.state]}</strong>{' '}
                        <button type="button" className="link-button" onClick={() => focus(step.eventId, step.at)}>
                          <time dateTime={step.at} title={timeTitle(step.at)}>
                            {formatDateTime(step.at)}
                          </time>
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
                <h3>Entitled but not enabled</h3>
                {value.entitledNotEnabled.length === 0 ? (
                  <p className="muted">Every feature it pays for is on.</p>
                ) : (
                  <ul className="setup-off" aria-label="Features entitled but not enabled">
                    {value.entitledNotEnabled.map((feature) => (
                      <li key={feature}>
                        <code>{feature}</code>
                      </li>
                    ))}
                  </ul>
                )}
                <h3>Flags and config</h3>
                {value.settings.length === 0 ? (
                  <p className="muted">No flag or config change in the cache.</p>
                ) : (
                  <table className="setup-settings">
                    <caption className="visually-hidden">Flags and config as they stand, newest change of each key</caption>
                    <thead>
                      <tr>
                        <th scope="col">Key</th>
                        <th scope="col">Value</th>
                        <th scope="col">Changed</th>
                      </tr>
                    </thead>
                    <tbody>
                      {value.settings.map((setting) => (
                        <tr key={`${setting.kind}:${setting.key}`}>
                          <th scope="row">
                            <code>{setting.key}</code> <span className="muted">{setting.kind}</span>
                          </th>
                          <td>
                            <code>{setting.value ?? 'unset'}</code>
                          </td>
                          <td>
                            <button
                              type="button"
                              className="link-button"
                              aria-label={`${setting.key} changed ${formatDateTime(setting.at)}${setting.actor ? ` by ${setting.actor}` : ''}: show on the timeline`}
                              onClick={() => focus(setting.eventId, setting.at)}
                            >
                              <time dateTime={setting.at} title={timeTitle(setting.at)}>
                                {formatDateTime(setting.at)}
                              </time>
                            </button>
                            {setting.actor ? <span className="muted"> {setting.actor}</span> : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            ) : (
              <p className="muted">Reading the setup…</p>
            )}
          </>
        ) : null}
      </div>
    </section>
  );
}
