import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { SourceView, UnmatchedItem } from '../../../../shared/ipc/source-views';
import { useDesk } from '../../api/DeskContext';
import { CustomerOptions, useCustomerPicker } from '../../components/CustomerOptions';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { formatDateTime, timeTitle } from '../../lib/time';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';

function itemsWord(count: number): string {
  return count === 1 ? '1 item' : `${count} items`;
}

type Group = { key: string | null; reason: string; items: UnmatchedItem[] };

/** Items by the name they use for their customer (one alias maps them all); items naming none last. */
function groupsOf(items: readonly UnmatchedItem[]): Group[] {
  const byKey = new Map<string | null, Group>();
  for (const item of items) {
    const group = byKey.get(item.customerKey) ?? { key: item.customerKey, reason: item.reason, items: [] };
    group.items.push(item);
    byKey.set(item.customerKey, group);
  }
  return [...byKey.values()].sort((a, b) =>
    a.key === null ? 1 : b.key === null ? -1 : b.items.length - a.items.length || a.key.localeCompare(b.key),
  );
}

/**
 * Picks the customer a name belongs to (the fleet from the cache, by id or name)
 * and maps it: a per-source alias, then the source's items re-mapped.
 */
function MapKeyForm({
  sourceId,
  customerKey,
  onMapped,
}: {
  sourceId: string;
  customerKey: string;
  onMapped: (words: string) => void;
}) {
  const desk = useDesk();
  const fieldId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const { rows, isLoading, match } = useCustomerPicker(typed);
  const text = typed.trim();

  const refuse = (message: string) => {
    setProblem(message);
    inputRef.current?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (text === '') return refuse(`Pick the customer that "${customerKey}" stands for: type part of its name or id.`);
    if (!match && rows.length > 0)
      return refuse(`No customer is called "${text}" here: type part of its name or id and pick it from the list.`);
    setSaving(true);
    const result = await desk.sources.mapKey({ id: sourceId, key: customerKey, customerId: match?.id ?? text });
    setSaving(false);
    if (!result.ok) return setError(result.error);
    if (result.value.status === 'refused') return refuse(result.value.problems.map((found) => found.message).join(' '));
    const name = match ? `${match.name} (${match.id})` : result.value.customerId;
    onMapped(
      `"${customerKey}" now maps to ${name}: ${itemsWord(result.value.remapped)} moved to its timeline, ${result.value.stillUnmatched} still unmatched.`,
    );
  };

  return (
    <form
      className="unmatched-map"
      aria-label={`Map "${customerKey}" to a customer`}
      noValidate
      onSubmit={(event) => void submit(event)}
    >
      <label htmlFor={fieldId}>Customer for "{customerKey}"</label>
      <div className="unmatched-map-row">
        <input
          ref={inputRef}
          id={fieldId}
          type="text"
          list={`${fieldId}-customers`}
          autoComplete="off"
          spellCheck={false}
          value={typed}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${fieldId}-note`}
          onChange={(event) => {
            setTyped(event.target.value);
            setProblem(null);
          }}
        />
        <GatedButton capability="administer" type="submit" className="primary" disabled={isSaving}>
          {isSaving ? 'Mapping…' : 'Map and move its items'}
        </GatedButton>
      </div>
      <CustomerOptions id={`${fieldId}-customers`} rows={rows} />
      <p id={`${fieldId}-note`} className={problem ? 'field-error' : 'muted'}>
        {problem ??
          (match
            ? `${match.name} (${match.id}): this source’s "${customerKey}" will mean this customer from now on.`
            : isLoading
              ? 'Loading customers…'
              : 'Type part of the customer’s name or id and pick it from the list.')}
      </p>
      {error ? <ErrorMessage compact title="Nothing was mapped" error={error} /> : null}
    </form>
  );
}

function UnmatchedGroup({ sourceId, group, onMapped }: { sourceId: string; group: Group; onMapped: (words: string) => void }) {
  const titleId = useId();
  const title = group.key === null ? 'Naming no customer' : `"${group.key}"`;
  return (
    <section className="unmatched-group" aria-labelledby={titleId}>
      <h4 id={titleId}>
        {title} <span className="muted">· {itemsWord(group.items.length)}</span>
      </h4>
      <p>{group.reason}</p>
      {group.key === null ? null : <MapKeyForm sourceId={sourceId} customerKey={group.key} onMapped={onMapped} />}
      <ul className="unmatched-items" aria-label={`Items ${group.key === null ? 'naming no customer' : `naming "${group.key}"`}`}>
        {group.items.map((item) => (
          <li key={item.id}>
            <p>
              <strong>{item.summary ?? item.kind ?? 'An item'}</strong>
              {item.kind && item.summary ? <span className="muted"> ({item.kind})</span> : null} · received{' '}
              <time dateTime={item.receivedAt} title={timeTitle(item.receivedAt)}>
                {formatDateTime(item.receivedAt)}
              </time>
            </p>
            <details>
              <summary>Payload preview</summary>
              <pre className="unmatched-preview" tabIndex={0} aria-label={`Payload preview of ${item.summary ?? item.id}`}>
                {item.preview}
              </pre>
              <p className="muted">Values that look like credentials are shown as [hidden].</p>
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * A source's unmatched items (issue 10): grouped by the name they use for their
 * customer, with why they wait, when they came and a preview of what they would
 * put on the timeline; map a name to a customer and its items move there.
 */
export function UnmatchedPanel({
  id,
  source,
  onChanged,
}: {
  id: string;
  source: SourceView;
  /** After a change of the queue: the page reads the sources again (their counts). */
  onChanged: () => void;
}) {
  const desk = useDesk();
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [reads, setReads] = useState(0);
  const [status, setStatus] = useState('');
  const [remapError, setRemapError] = useState<ContractError | null>(null);
  const [isRemapping, setRemapping] = useState(false);
  const { value, error, isLoading, retry } = useDeskAnswer(`${source.id}:${reads}`, () =>
    desk.sources.unmatched({ id: source.id }),
  );
  const groups = useMemo(() => groupsOf(value?.items ?? []), [value]);

  const changed = (words: string) => {
    setStatus(words);
    setReads((count) => count + 1);
    onChanged();
    headingRef.current?.focus();
  };

  const remap = async () => {
    setRemapError(null);
    setRemapping(true);
    const result = await desk.sources.remap({ id: source.id });
    setRemapping(false);
    if (!result.ok) return setRemapError(result.error);
    changed(
      result.value.remapped === 0
        ? `Nothing new maps to a customer: ${itemsWord(result.value.stillUnmatched)} still unmatched.`
        : `${itemsWord(result.value.remapped)} moved to their customers’ timelines, ${result.value.stillUnmatched} still unmatched.`,
    );
  };

  return (
    <section id={id} className="unmatched-panel" aria-labelledby={titleId}>
      <h3 id={titleId} ref={headingRef} tabIndex={-1}>
        Unmatched items of {source.id}
      </h3>
      <p role="status" className="sources-status">
        {status}
      </p>
      {error ? <ErrorMessage compact title="The unmatched items could not be read" error={error} onRetry={retry} /> : null}
      {value === null && isLoading ? <p className="muted">Loading the unmatched items…</p> : null}
      {value !== null && value.items.length === 0 ? (
        <p>Nothing is waiting: every item this source kept is on a customer’s timeline.</p>
      ) : null}
      {value?.isCut ? (
        <p className="muted">The oldest {value.items.length} are shown; once these are mapped, Re-map picks up the rest.</p>
      ) : null}
      {groups.map((group) => (
        <UnmatchedGroup key={group.key ?? ''} sourceId={source.id} group={group} onMapped={changed} />
      ))}
      {value !== null && value.items.length > 0 ? (
        <div className="button-row">
          <GatedButton capability="administer" type="button" disabled={isRemapping} onClick={() => void remap()}>
            {isRemapping ? 'Re-mapping…' : 'Re-map now'}
          </GatedButton>
          <span className="muted">After an alias or rule was added elsewhere (the sources file, the server’s command line).</span>
        </div>
      ) : null}
      {remapError ? <ErrorMessage compact title="Nothing was re-mapped" error={remapError} /> : null}
    </section>
  );
}
