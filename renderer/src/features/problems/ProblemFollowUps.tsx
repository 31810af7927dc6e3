import { useCallback, useId, useRef, useState, type FormEvent } from 'react';
import type { ProblemDetail } from '../../../../shared/ipc/problem-views';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { countOf } from '../../lib/plural';
import { FollowUpList } from '../follow-ups/FollowUpList';
import { useFollowUps } from '../follow-ups/useFollowUps';

const everyCustomer = () => true;

/**
 * The work a problem leaves until its permanent fix ships (issue 12): its
 * follow-ups, and "Follow-up from problem" — a tracked follow-up on one of the
 * customers it hits, with an assignee and a due day, linked to the problem (so
 * the Follow-ups view lists it under the problem).
 */
export function ProblemFollowUps({ detail }: { detail: ProblemDetail }) {
  const desk = useDesk();
  const { problem } = detail;
  const { list, reload } = useFollowUps({ scope: 'all', problemId: problem.id, includeClosed: true }, everyCustomer);
  const formId = useId();
  const [isOpen, setOpen] = useState(false);
  // The customers it hits first (by name), then those linked by hand the cache does not show hit.
  const names = new Map(detail.hits.map((hit) => [hit.customerId, hit.customerName]));
  const customers = [...new Set([...detail.hits.map((hit) => hit.customerId), ...problem.customers])].map((id) => ({
    id,
    name: names.get(id) ?? id,
  }));
  const [title, setTitle] = useState(`Ship the permanent fix: ${problem.title}`.slice(0, 500));
  const [customerId, setCustomerId] = useState(customers[0]?.id ?? '');
  const [owner, setOwner] = useState('');
  const [dueDate, setDueDate] = useState('');
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const me = list?.me ?? null;

  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (customerId === '') {
      setError({
        code: 'bad_request',
        message: 'Choose the customer the follow-up is for (a follow-up belongs to one customer).',
      });
      return;
    }
    setSaving(true);
    const result = await desk.followUps.create({
      customerId,
      title: title.trim(),
      owner: owner.trim() === '' ? (me ?? null) : owner.trim(),
      dueDate: dueDate === '' ? null : dueDate,
      problemId: problem.id,
      ticketUrl: problem.ticketUrl,
      source: 'problem',
    });
    setSaving(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    setDueDate('');
    reload();
    close();
  };

  const rows = list?.rows ?? [];
  const open = rows.filter((row) => row.state === 'open' || row.state === 'in_progress').length;
  return (
    <section aria-labelledby={`${formId}-heading`} className="problem-follow-ups">
      <h3 id={`${formId}-heading`}>Follow-ups ({countOf(open, 'open', 'open')})</h3>
      {list ? (
        <FollowUpList
          rows={rows}
          me={list.me}
          showCustomer
          label={`Follow-ups of ${problem.title}`}
          empty="None yet: add the work left until the permanent fix ships."
        />
      ) : null}
      <div
        onKeyDown={(event) => {
          if (event.key === 'Escape' && isOpen) {
            event.stopPropagation();
            close();
          }
        }}
      >
        <button ref={buttonRef} type="button" aria-expanded={isOpen} onClick={() => setOpen(!isOpen)}>
          Follow-up from problem
        </button>
        {isOpen ? (
          <form className="new-problem" aria-label="New follow-up from this problem" onSubmit={(event) => void submit(event)}>
            <label className="field">
              <span>What has to happen</span>
              <input value={title} maxLength={500} onChange={(event) => setTitle(event.target.value)} />
            </label>
            <label className="field">
              <span>Customer</span>
              <select value={customerId} onChange={(event) => setCustomerId(event.target.value)}>
                <option value="">Choose a customer…</option>
                {customers.map((customer) => (
                  <option key={customer.id} value={customer.id}>
                    {customer.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Assignee</span>
              <input
                value={owner}
                placeholder={me ?? 'name'}
                maxLength={200}
                onChange={(event) => setOwner(event.target.value)}
              />
            </label>
            <label className="field">
              <span>Due</span>
              <input type="date" value={dueDate} onChange={(event) => setDueDate(event.target.value)} />
            </label>
            <div className="form-actions">
              <button type="submit" disabled={isSaving}>
                Add follow-up
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
            {error ? <ErrorMessage compact title="The follow-up was not added" error={error} /> : null}
          </form>
        ) : null}
      </div>
    </section>
  );
}
