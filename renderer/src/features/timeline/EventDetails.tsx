import { useEffect, useRef } from 'react';
import { CHANGE_KINDS, type TimelineEvent } from '../../../../shared/domain';
import type { TimelineRow } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { usePersonLabel } from '../../app/useYou';
import { CopyId } from '../../components/CopyId';
import { CopyLink } from '../../components/CopyLink';
import { ErrorMessage } from '../../components/ErrorMessage';
import { KindIcon, kindLabel, SeverityBadge } from '../../components/Badges';
import { SafeMarkdown } from '../../components/SafeMarkdown';
import { formatDateTime, formatDuration, timeTitle } from '../../lib/time';
import { formatValue, humanize, isStructured } from '../../lib/values';
import { httpsUrl, type EventIdLink } from '../../../../shared/links';
import { useStore } from '../../store/store';
import { NotesPanel } from '../notes/NotesPanel';
import { SUGGESTING_EVENT_KINDS, SuggestedWizards } from '../wizards/SuggestedWizards';
import { PrecedingChanges } from './PrecedingChanges';
import { NewProblemButton } from '../problems/NewProblem';
import { WhoElse } from '../diagnosis/WhoElse';
import { canShowPrecedingChanges, LATE_AFTER_MS } from './timeline-model';

const LINK_LABELS: Record<string, string> = {
  ticket: 'Ticket',
  incident: 'Incident',
  problem: 'Known problem',
  release: 'Release',
  run: 'Run',
  url: 'Link',
};

function Value({ value }: { value: unknown }) {
  const text = formatValue(value);
  return isStructured(value) ? <pre className="value-block">{text}</pre> : <code className="value-inline">{text}</code>;
}

function Change({ event }: { event: TimelineEvent }) {
  const isChange = (CHANGE_KINDS as readonly string[]).includes(event.kind);
  if (!isChange && event.prevValue === null && event.newValue === null) return null;
  return (
    <section aria-labelledby="change-title" className="detail-section">
      <h3 id="change-title">Change</h3>
      <div className="change">
        <div role="group" aria-label="Previous value" className="change-side">
          <span className="change-label">Previous</span>
          <Value value={event.prevValue} />
        </div>
        <span className="change-arrow" aria-hidden="true">
          →
        </span>
        <div role="group" aria-label="New value" className="change-side">
          <span className="change-label">New</span>
          <Value value={event.newValue} />
        </div>
      </div>
    </section>
  );
}

const ID_LABELS: Record<EventIdLink['kind'], { title: string; what: string }> = {
  ticket: { title: 'Ticket', what: 'ticket id' },
  incident: { title: 'Incident', what: 'incident id' },
  alert: { title: 'Alert', what: 'alert name' },
};

/**
 * The event's ids (ticket, incident, alert) linked by the server's templates, and
 * its other links. Only https addresses become links: in the desktop app they
 * open in the system browser (the shell refuses any other scheme), in browser
 * mode in a new tab without a handle back to this page.
 */
function Links({ links, idLinks }: { links: TimelineEvent['links']; idLinks: readonly EventIdLink[] }) {
  const entries = Object.entries(links).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === 'string' &&
      entry[1] !== '' &&
      !idLinks.some((idLink) => idLink.kind === entry[0] || (idLink.kind === 'alert' && entry[0] === 'url' && idLink.url)),
  );
  if (entries.length === 0 && idLinks.length === 0) return null;
  return (
    <section aria-labelledby="links-title" className="detail-section">
      <h3 id="links-title">Links</h3>
      <ul className="link-list">
        {idLinks.map(({ kind, id, url }) => (
          <li key={`id-${kind}`}>
            <span className="muted">{ID_LABELS[kind].title}:</span>{' '}
            {url ? (
              <a href={url} target="_blank" rel="noopener noreferrer">
                {id}
              </a>
            ) : (
              <code>{id}</code>
            )}{' '}
            <CopyId what={ID_LABELS[kind].what} id={id} />
          </li>
        ))}
        {entries.map(([key, value]) => {
          const url = httpsUrl(value);
          return (
            <li key={key}>
              <span className="muted">{LINK_LABELS[key] ?? humanize(key)}:</span>{' '}
              {url ? (
                <a href={url} target="_blank" rel="noopener noreferrer">
                  {value}
                </a>
              ) : (
                <code>{value}</code>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The selected event: summary, safe markdown body, change, source, links, raw properties, notes. */
export function EventDetails() {
  const desk = useDesk();
  const label = usePersonLabel();
  const selectedId = useStore((state) => state.timeline.selectedId);
  const details = useStore((state) => state.timeline.details);
  const backId = useStore((state) => state.timeline.backId);
  const loadDetails = useStore((state) => state.loadEventDetails);
  const selectEvent = useStore((state) => state.selectEvent);
  const revealEvent = useStore((state) => state.revealEvent);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (selectedId) void loadDetails(desk, selectedId);
  }, [desk, selectedId, loadDetails]);

  useEffect(() => {
    if (details.status === 'ready') headingRef.current?.focus({ preventScroll: true });
    // Focus moves once per opened event, not on quiet refreshes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [details.id, details.status === 'ready']);

  if (!selectedId) return null;
  const close = () => {
    selectEvent(null);
    document.querySelector<HTMLElement>('[role="listbox"][aria-label="Timeline events"]')?.focus();
  };
  const event = details.detail?.event;
  const late = event ? Date.parse(event.recordedAt) - Date.parse(event.occurredAt) : 0;

  return (
    <aside className="details-panel" aria-labelledby="details-title">
      <div className="details-toolbar">
        {backId ? (
          <button type="button" onClick={() => selectEvent(backId)}>
            ← Back
          </button>
        ) : null}
        {event ? (
          <>
            <button type="button" onClick={() => void revealEvent(desk, event)}>
              Show in timeline
            </button>
            <CopyLink
              route={{ view: 'customer', customerId: event.customerId, at: event.occurredAt }}
              label="Copy link to event"
            />
          </>
        ) : null}
        <button type="button" className="close-button" onClick={close} aria-keyshortcuts="Escape">
          Close details
        </button>
      </div>
      {details.status === 'error' && details.error ? (
        <>
          <h2 id="details-title">Event details</h2>
          <ErrorMessage
            title="Could not open this event"
            error={details.error}
            onRetry={() => void loadDetails(desk, selectedId)}
          />
        </>
      ) : !event ? (
        <>
          <h2 id="details-title">Event details</h2>
          <p className="muted">Loading the event…</p>
        </>
      ) : (
        <>
          <h2 id="details-title" tabIndex={-1} ref={headingRef}>
            <KindIcon kind={event.kind} severity={event.severity} /> {event.summary}
          </h2>
          <dl className="facts detail-facts">
            <dt>Kind</dt>
            <dd>{kindLabel(event.kind)}</dd>
            <dt>Severity</dt>
            <dd>
              <SeverityBadge severity={event.severity} />
            </dd>
            <dt>Occurred</dt>
            <dd>
              <time dateTime={event.occurredAt} title={timeTitle(event.occurredAt)}>
                {formatDateTime(event.occurredAt)}
              </time>
            </dd>
            <dt>Recorded</dt>
            <dd>
              <time dateTime={event.recordedAt} title={timeTitle(event.recordedAt)}>
                {formatDateTime(event.recordedAt)}
              </time>
              {late > LATE_AFTER_MS ? <span className="tag tag-late">late: {formatDuration(late)} after it occurred</span> : null}
            </dd>
            {event.actor ? (
              <>
                <dt>Actor</dt>
                <dd>{label(event.actor)}</dd>
              </>
            ) : null}
            {event.feature ? (
              <>
                <dt>Feature</dt>
                <dd>{event.feature}</dd>
              </>
            ) : null}
            <dt>Source</dt>
            <dd>{event.source.system}</dd>
            <dt>External id</dt>
            <dd>
              <code>{event.source.externalId}</code> <CopyId what="external id" id={event.source.externalId} />
            </dd>
          </dl>
          {canShowPrecedingChanges(event.kind, event.severity) ? (
            <PrecedingChanges
              key={`changes-${event.id}`}
              eventId={event.id}
              occurredAt={event.occurredAt}
              onOpen={(row: TimelineRow) => selectEvent(row.id, { backId: event.id })}
            />
          ) : null}
          {event.signature ? <WhoElse key={`who-${event.id}`} eventId={event.id} /> : null}
          {event.signature ? (
            <NewProblemButton
              key={`problem-${event.id}`}
              label="Create a known problem from this signal"
              seed={{
                title: event.feature ? `${event.summary} (${event.feature})` : event.summary,
                rules: [{ signature: event.signature }],
                customers: [event.customerId],
                origin: 'from this signal',
              }}
            />
          ) : null}
          {SUGGESTING_EVENT_KINDS.has(event.kind) ? (
            <SuggestedWizards key={`wizards-${event.id}`} customerId={event.customerId} eventId={event.id} headingLevel={3} />
          ) : null}
          <Change event={event} />
          {event.body ? (
            <section aria-labelledby="body-title" className="detail-section">
              <h3 id="body-title">Description</h3>
              <SafeMarkdown source={event.body} />
            </section>
          ) : null}
          <Links links={event.links} idLinks={details.detail?.idLinks ?? []} />
          {Object.keys(event.properties).length > 0 ? (
            <details className="detail-section">
              <summary>Raw properties</summary>
              <pre className="value-block">{JSON.stringify(event.properties, null, 2)}</pre>
            </details>
          ) : null}
          <NotesPanel customerId={event.customerId} eventId={event.id} headingLevel={3} />
        </>
      )}
    </aside>
  );
}
