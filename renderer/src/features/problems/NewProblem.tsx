import { useId, useRef, useState, type FormEvent } from 'react';
import type { SignatureRule } from '../../../../shared/problems';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { rulesToText, textToIds, textToRules } from './rules-text';
import './problems.css';

/** What a new problem starts from: a signal (its signature and customer), a run (its customer and wizard), or nothing. */
export type ProblemSeed = {
  title?: string;
  rules?: SignatureRule[];
  customers?: string[];
  workaroundWizard?: string | null;
  /** Where it came from, in words ("from this signal"), for the form's heading. */
  origin?: string;
};

/**
 * Makes a known problem: title, signatures, customers, and (from a run that
 * worked around it) its workaround wizard. Opens the problem once made, so
 * the next step — owner, ticket, a follow-up — is right there.
 */
export function NewProblem({ seed, onDone }: { seed: ProblemSeed; onDone?: () => void }) {
  const desk = useDesk();
  const formId = useId();
  const [title, setTitle] = useState(seed.title ?? '');
  const [rules, setRules] = useState(rulesToText(seed.rules ?? []));
  const [customers, setCustomers] = useState((seed.customers ?? []).join(', '));
  const [isWorkaround, setWorkaround] = useState(Boolean(seed.workaroundWizard));
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') {
      setError({ code: 'bad_request', message: 'Give the problem a title: what fails, for whom.' });
      titleRef.current?.focus();
      return;
    }
    setSaving(true);
    const result = await desk.problems.create({
      title: title.trim(),
      rules: textToRules(rules),
      customers: textToIds(customers),
      workaroundWizard: isWorkaround && seed.workaroundWizard ? seed.workaroundWizard : null,
    });
    setSaving(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    onDone?.();
    navigate({ view: 'problems', problemId: result.value.id });
  };

  return (
    <form className="new-problem" aria-labelledby={`${formId}-title`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${formId}-title`}>New known problem{seed.origin ? ` ${seed.origin}` : ''}</h3>
      <label className="field">
        <span>Title</span>
        <input ref={titleRef} value={title} maxLength={300} onChange={(event) => setTitle(event.target.value)} />
      </label>
      <label className="field">
        <span>Signatures (one per line; end with * for every signature starting so)</span>
        <textarea rows={2} value={rules} onChange={(event) => setRules(event.target.value)} />
      </label>
      <label className="field">
        <span>Customers linked by hand (ids, comma-separated)</span>
        <input value={customers} onChange={(event) => setCustomers(event.target.value)} />
      </label>
      {seed.workaroundWizard ? (
        <label className="check">
          <input type="checkbox" checked={isWorkaround} onChange={(event) => setWorkaround(event.target.checked)} /> Known error:{' '}
          {seed.workaroundWizard} works around it
        </label>
      ) : null}
      <div className="form-actions">
        <button type="submit" disabled={isSaving}>
          Create known problem
        </button>
        {onDone ? (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
      {error ? <ErrorMessage compact title="The problem was not created" error={error} /> : null}
    </form>
  );
}

/** A button that opens {@link NewProblem} in place, prefilled from `seed`; Escape or Cancel closes it. */
export function NewProblemButton({ seed, label }: { seed: ProblemSeed; label: string }) {
  const [isOpen, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  return (
    <div
      className="new-problem-host"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && isOpen) {
          event.stopPropagation();
          close();
        }
      }}
    >
      <button ref={buttonRef} type="button" aria-expanded={isOpen} onClick={() => setOpen(!isOpen)}>
        {label}
      </button>
      {isOpen ? <NewProblem seed={seed} onDone={close} /> : null}
    </div>
  );
}
