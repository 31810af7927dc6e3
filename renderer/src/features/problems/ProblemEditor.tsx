import { useState, type FormEvent, type ReactNode } from 'react';
import type { ProblemDetail, ProblemView } from '../../../../shared/ipc/problem-views';
import type { ContractError } from '../../../../shared/ipc/result';
import {
  PROBLEM_FIELD_WORDS,
  PROBLEM_STATUS_LABELS,
  PROBLEM_STATUSES,
  type ProblemField,
  type ProblemFields,
  type ProblemStatus,
} from '../../../../shared/problems';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime } from '../../lib/time';
import { countOf } from '../../lib/plural';
import { ProblemHistoryList } from './ProblemHistory';
import { ProblemHits } from './ProblemHits';
import { SignatureSeenLine } from '../diagnosis/SignatureSeenLine';
import { rulesToText, textToIds, textToRules } from './rules-text';
import { WorkaroundWizardField } from './WorkaroundWizardField';

type TextField = Exclude<ProblemField, 'status' | 'rules' | 'customers'>;

/** The editable fields as the form shows them (text), from the problem as shown. */
function asText(problem: ProblemView): Record<ProblemField, string> {
  return {
    title: problem.title,
    status: problem.status,
    rules: rulesToText(problem.rules),
    customers: problem.customers.join(', '),
    workaroundWizard: problem.workaroundWizard ?? '',
    fixedVersion: problem.fixedVersion ?? '',
    owner: problem.owner ?? '',
    workaround: problem.workaround ?? '',
    ticketUrl: problem.ticketUrl ?? '',
    fixUrl: problem.fixUrl ?? '',
  };
}

/** The form's text back to field values (empty clears an optional field). */
function toSet(draft: Partial<Record<ProblemField, string>>): Partial<ProblemFields> {
  const set: Partial<Record<ProblemField, unknown>> = {};
  for (const [field, text] of Object.entries(draft) as [ProblemField, string][]) {
    if (field === 'rules') set.rules = textToRules(text);
    else if (field === 'customers') set.customers = textToIds(text);
    else if (field === 'status') set.status = text as ProblemStatus;
    else if (field === 'title') set.title = text.trim();
    else set[field] = text.trim() === '' ? null : text.trim();
  }
  return set as Partial<ProblemFields>;
}

const TEXT_FIELDS: { field: TextField; label: string; type?: 'url'; placeholder?: string; multiline?: boolean }[] = [
  { field: 'owner', label: 'Owner' },
  { field: 'workaround', label: 'Workaround (what to do meanwhile)', multiline: true },
  { field: 'fixedVersion', label: 'Fixed in version', placeholder: '26.12.1' },
  { field: 'ticketUrl', label: 'Ticket link', type: 'url', placeholder: 'https://tickets.example.com/OPS-123' },
  { field: 'fixUrl', label: 'Fix link (the change that fixes it)', type: 'url', placeholder: 'https://git.example.com/pr/42' },
];

/** The periods a problem's signatures can be counted over, in days. */
export const PROBLEM_SEEN_PERIODS = [7, 30, 90, 365] as const;

/**
 * One known problem: its fields edited in place (only the fields you touched
 * are sent, so a colleague's change to another field is never undone), the
 * lifecycle (investigating → known error → fixed in X → closed), who it hits
 * with regressions flagged, and its history. Saved offline too; the server's
 * refusal, or a colleague's value your edit replaced, is shown here.
 */
export function ProblemEditor({
  detail,
  seenDays,
  onSeenDays,
  children,
}: {
  detail: ProblemDetail;
  /** How many days back its signatures are counted, and a change of it (the page asks the desk again). */
  seenDays: number;
  onSeenDays(days: number): void;
  children?: ReactNode;
}) {
  const desk = useDesk();
  // What the desk answered to this editor's last save, shown until the next read of the cache brings it.
  const [saved, setSaved] = useState<{ read: ProblemDetail; view: ProblemView } | null>(null);
  const problem = saved && saved.read === detail ? saved.view : detail.problem;
  const { hits } = detail;
  const [draft, setDraft] = useState<Partial<Record<ProblemField, string>>>({});
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const shown = { ...asText(problem), ...draft };
  const edit = (field: ProblemField, value: string) => setDraft((current) => ({ ...current, [field]: value }));
  const isDirty = (Object.keys(draft) as ProblemField[]).some((field) => draft[field] !== asText(problem)[field]);

  const save = async (extra: Partial<Record<ProblemField, string>> = {}) => {
    const changed = Object.fromEntries(
      Object.entries({ ...draft, ...extra }).filter(([field, value]) => asText(problem)[field as ProblemField] !== value),
    ) as Partial<Record<ProblemField, string>>;
    if (Object.keys(changed).length === 0) {
      setDraft({});
      return;
    }
    setSaving(true);
    const result = await desk.problems.update({ problemId: problem.id, set: toSet(changed) });
    setSaving(false);
    if (result.ok) {
      setSaved({ read: detail, view: result.value });
      setDraft({});
      setError(null);
    } else setError(result.error);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };

  return (
    <article className="problem-editor" aria-labelledby="problem-title">
      <h2 id="problem-title" tabIndex={-1}>
        {problem.title} <span className="badge">{PROBLEM_STATUS_LABELS[problem.status]}</span>
        {problem.pending ? <span className="badge">pending</span> : null}
      </h2>
      <p className="muted">
        {countOf(problem.customersHit, 'customer', 'customers')} hit · {countOf(problem.occurrences, 'signal', 'signals')}
        {problem.lastAt ? ` · last ${formatDateTime(problem.lastAt)}` : ''} · made by {problem.createdBy}{' '}
        {formatDateTime(problem.createdAt)}
        {problem.fixedAt ? ` · marked fixed ${formatDateTime(problem.fixedAt)}` : ''}
      </p>
      {detail.signatures.length > 0 ? (
        <label className="field inline">
          <span>Signatures counted over</span>
          <select value={seenDays} onChange={(event) => onSeenDays(Number(event.target.value))}>
            {PROBLEM_SEEN_PERIODS.map((days) => (
              <option key={days} value={days}>
                the last {days} days
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {detail.signatures.length > 0 ? (
        <ul className="problem-signatures" aria-label="How often its signatures were seen">
          {detail.signatures.map((seen) => (
            <li key={seen.signature}>
              <SignatureSeenLine seen={seen} />
            </li>
          ))}
        </ul>
      ) : null}
      {problem.regressions > 0 ? (
        <p role="alert" className="problem-regression">
          Regression: it came back on {countOf(problem.regressions, 'customer', 'customers')} already on {problem.fixedVersion} or
          newer after the fix.
        </p>
      ) : null}
      {problem.error ? (
        <p role="alert" className="problem-error">
          The server did not accept a change to this problem: {problem.error}
        </p>
      ) : null}
      {problem.replaced ? (
        <p role="note" className="problem-replaced">
          {problem.replaced.actor}’s change at {formatDateTime(problem.replaced.at)} replaced what someone else had set meanwhile:{' '}
          {problem.replaced.fields
            .map(
              (field) => `${PROBLEM_FIELD_WORDS[field.field as ProblemField] ?? field.field} was “${field.previous || 'none'}”`,
            )
            .join(', ')}
          . Both are in the history.
        </p>
      ) : null}
      <form className="problem-form" aria-label={`Edit ${problem.title}`} onSubmit={submit}>
        <label className="field">
          <span>Title</span>
          <input value={shown.title} maxLength={300} onChange={(event) => edit('title', event.target.value)} />
        </label>
        <label className="field">
          <span>Status</span>
          <select value={shown.status} onChange={(event) => edit('status', event.target.value)}>
            {PROBLEM_STATUSES.map((status) => (
              <option key={status} value={status}>
                {PROBLEM_STATUS_LABELS[status]}
              </option>
            ))}
          </select>
        </label>
        <WorkaroundWizardField value={shown.workaroundWizard} onChange={(value) => edit('workaroundWizard', value)} />
        {TEXT_FIELDS.map((item) => (
          <label key={item.field} className="field">
            <span>{item.label}</span>
            {item.multiline ? (
              <textarea rows={3} value={shown[item.field]} onChange={(event) => edit(item.field, event.target.value)} />
            ) : (
              <input
                type={item.type ?? 'text'}
                value={shown[item.field]}
                placeholder={item.placeholder}
                onChange={(event) => edit(item.field, event.target.value)}
              />
            )}
          </label>
        ))}
        <label className="field">
          <span>Signatures (one per line; end with * for a prefix)</span>
          <textarea rows={3} value={shown.rules} onChange={(event) => edit('rules', event.target.value)} />
        </label>
        <label className="field">
          <span>Customers linked by hand (ids, comma-separated)</span>
          <input value={shown.customers} onChange={(event) => edit('customers', event.target.value)} />
        </label>
        <div className="form-actions">
          <button type="submit" disabled={isSaving || !isDirty}>
            Save changes
          </button>
          <button type="button" disabled={!isDirty} onClick={() => setDraft({})}>
            Discard changes
          </button>
          {problem.status !== 'closed' ? (
            <button
              type="button"
              disabled={isSaving}
              onClick={() => void save({ status: 'closed' })}
              aria-describedby="close-hint"
            >
              Close problem
            </button>
          ) : null}
        </div>
        <p id="close-hint" className="muted">
          Close it when the fix has shipped: set “Fixed in version” first, and the problem keeps watching for regressions.
        </p>
        {error ? <ErrorMessage compact title="The problem was not changed" error={error} /> : null}
      </form>
      {children}
      <ProblemHits problem={problem} hits={hits} />
      <button type="button" aria-expanded={isHistoryOpen} onClick={() => setHistoryOpen(!isHistoryOpen)}>
        History
      </button>
      {isHistoryOpen ? <ProblemHistoryList problemId={problem.id} /> : null}
    </article>
  );
}
