import { PROBLEM_FIELD_WORDS, type ProblemField } from '../../../../shared/problems';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';

/** Every write of a problem, oldest first: who, when, what it set and what it replaced. */
export function ProblemHistoryList({ problemId }: { problemId: string }) {
  const desk = useDesk();
  const { value: history, error } = useDeskAnswer(problemId, () => desk.problems.history({ problemId }));
  if (error) return <ErrorMessage compact title="The history could not be read" error={error} />;
  if (!history) return <p className="muted">Reading the history…</p>;
  if (history.revisions.length === 0) return <p className="muted">No history synced yet.</p>;
  return (
    <ol className="problem-history" aria-label="Problem history">
      {history.revisions.map((revision) => (
        <li key={revision.id}>
          <strong>{revision.actor}</strong> {revision.kind === 'create' ? 'made it' : 'changed'}{' '}
          <time dateTime={revision.at} title={timeTitle(revision.at)}>
            {formatDateTime(revision.at)}
          </time>
          :{' '}
          {revision.changes
            .map(
              (change) =>
                `${PROBLEM_FIELD_WORDS[change.field as ProblemField] ?? change.field} ${change.value || 'none'}${
                  change.replaced !== null ? ` (replaced ${change.replaced || 'none'}, set meanwhile)` : ''
                }`,
            )
            .join('; ')}
        </li>
      ))}
    </ol>
  );
}
