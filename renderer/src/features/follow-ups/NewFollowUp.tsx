import { useId, useState, type FormEvent } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { useCapability } from '../../app/useCapability';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';

/**
 * Makes a follow-up by hand: a title, and optionally an owner ("me"), a due day,
 * a problem and a ticket link. With `customers` the customer is chosen here;
 * otherwise it is the one given.
 */
export function NewFollowUp({
  customerId,
  customers,
  me,
  headingLevel = 3,
}: {
  customerId?: string;
  customers?: readonly { id: string; name: string }[];
  me: string | null;
  /** 3 inside a panel that has its own h2; 2 directly under a page's h1. */
  headingLevel?: 2 | 3;
}) {
  const desk = useDesk();
  const [title, setTitle] = useState('');
  const [target, setTarget] = useState(customerId ?? '');
  const [isMine, setMine] = useState(true);
  const [dueDate, setDueDate] = useState('');
  const [problemId, setProblemId] = useState('');
  const [ticketUrl, setTicketUrl] = useState('');
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const formId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const permission = useCapability('write');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!permission.isAllowed) {
      setError({ code: 'forbidden', message: permission.reason });
      return;
    }
    if (title.trim() === '') {
      setError({ code: 'bad_request', message: 'Give the follow-up a title: what has to happen.' });
      return;
    }
    if (target === '') {
      setError({ code: 'bad_request', message: 'Choose the customer the follow-up is for.' });
      return;
    }
    setSaving(true);
    const result = await desk.followUps.create({
      customerId: target,
      title: title.trim(),
      owner: isMine && me !== null ? me : null,
      dueDate: dueDate === '' ? null : dueDate,
      problemId: problemId.trim() === '' ? null : problemId.trim(),
      ticketUrl: ticketUrl.trim() === '' ? null : ticketUrl.trim(),
    });
    setSaving(false);
    if (result.ok) {
      setTitle('');
      setDueDate('');
      setProblemId('');
      setTicketUrl('');
      setError(null);
    } else setError(result.error);
  };

  return (
    <form className="new-follow-up" aria-labelledby={`${formId}-title`} onSubmit={(event) => void submit(event)}>
      <Heading id={`${formId}-title`}>New follow-up</Heading>
      <label className="field">
        <span>What has to happen</span>
        <input value={title} maxLength={500} onChange={(event) => setTitle(event.target.value)} />
      </label>
      {customers ? (
        <label className="field">
          <span>Customer</span>
          <select value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">Choose a customer…</option>
            {customers.map((customer) => (
              <option key={customer.id} value={customer.id}>
                {customer.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="field">
        <span>Due</span>
        <input type="date" value={dueDate} onChange={(event) => setDueDate(event.target.value)} />
      </label>
      <label className="field">
        <span>Problem (optional)</span>
        <input value={problemId} maxLength={100} onChange={(event) => setProblemId(event.target.value)} />
      </label>
      <label className="field">
        <span>Ticket link (optional)</span>
        <input
          type="url"
          value={ticketUrl}
          placeholder="https://tickets.example.com/OPS-123"
          onChange={(event) => setTicketUrl(event.target.value)}
        />
      </label>
      {me !== null ? (
        <label className="check">
          <input type="checkbox" checked={isMine} onChange={(event) => setMine(event.target.checked)} /> I own it
        </label>
      ) : null}
      <GatedButton capability="write" type="submit" disabled={isSaving}>
        Add follow-up
      </GatedButton>
      {error ? <ErrorMessage compact title="The follow-up was not added" error={error} /> : null}
    </form>
  );
}
