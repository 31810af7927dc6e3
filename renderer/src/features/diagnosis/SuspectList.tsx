import type { SuspectView } from '../../../../shared/ipc/diagnosis-views';
import { KindIcon, kindLabel } from '../../components/Badges';
import { formatDateTime, timeTitle } from '../../lib/time';

/** The score out of 100, with its parts spelled out for whoever asks how it was reached. */
export function ScoreBadge({ suspect }: { suspect: SuspectView }) {
  const { parts } = suspect;
  const detail = `Score ${Math.round(suspect.score)} of 100: time ${parts.proximity}, same feature ${parts.feature}, key on the feature ${parts.key}, new version ${parts.upgrade}, other customers ${parts.fleet}`;
  return (
    <span className="suspect-score" title={detail} aria-label={detail}>
      {Math.round(suspect.score)}
    </span>
  );
}

/** Ranked suspect changes, each with its reason in words; a click focuses the change on the timeline. */
export function SuspectList({
  suspects,
  onOpen,
  label,
}: {
  suspects: readonly SuspectView[];
  onOpen: (suspect: SuspectView) => void;
  label: string;
}) {
  return (
    <ol className="suspect-list" aria-label={label}>
      {suspects.map((suspect) => (
        <li key={suspect.eventId}>
          <button type="button" className="suspect-item" onClick={() => onOpen(suspect)}>
            <ScoreBadge suspect={suspect} />
            <span className="suspect-text">
              <span className="suspect-summary">
                <KindIcon kind={suspect.kind} severity="info" /> {suspect.summary}
              </span>
              <span className="suspect-reason">{suspect.reason}</span>
              <span className="muted">
                {kindLabel(suspect.kind)} ·{' '}
                <time dateTime={suspect.occurredAt} title={timeTitle(suspect.occurredAt)}>
                  {formatDateTime(suspect.occurredAt)}
                </time>
                {suspect.actor ? ` · ${suspect.actor}` : ''}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ol>
  );
}
