import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { SOURCE_KIND_LABELS } from '../../../../shared/ingest-sources';
import type { ContractError } from '../../../../shared/ipc/result';
import type { NewCredential, SourceView } from '../../../../shared/ipc/source-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { formatDateTime, timeTitle } from '../../lib/time';
import { CopyValue, NewCredentialPanel } from './NewCredentialPanel';
import { AddSourceForm } from './AddSourceForm';
import { UnmatchedPanel } from './UnmatchedPanel';

/** What each state reads as: a glyph and words, the colour only adds to it. */
const STATE_WORDS: Record<SourceView['state'], { glyph: string; words: string }> = {
  waiting: { glyph: '○', words: 'Waiting for its first delivery' },
  receiving: { glyph: '●', words: 'Receiving' },
  refusing: { glyph: '▲', words: 'Refusing deliveries' },
};

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={timeTitle(at)}>
      {formatDateTime(at)}
    </time>
  );
}

/**
 * Asks before a change that cuts a producer off; the safe choice has the focus,
 * Escape keeps things as they are.
 */
function Confirm({
  title,
  children,
  confirmLabel,
  keepLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  keepLabel: string;
  onConfirm: () => Promise<ContractError | null>;
  onClose: () => void;
}) {
  const titleId = useId();
  const keepRef = useRef<HTMLButtonElement>(null);
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  useEffect(() => {
    keepRef.current?.focus();
  }, []);
  return (
    <div
      className="source-confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={`${titleId}-text`}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <h3 id={titleId}>{title}</h3>
      <div id={`${titleId}-text`}>{children}</div>
      {error ? <ErrorMessage compact title="Nothing was changed" error={error} /> : null}
      <div className="button-row">
        <button ref={keepRef} type="button" onClick={onClose}>
          {keepLabel}
        </button>
        <button
          type="button"
          className="danger"
          disabled={isBusy}
          onClick={async () => {
            setBusy(true);
            const refusal = await onConfirm();
            setBusy(false);
            if (refusal) setError(refusal);
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </div>
  );
}

/**
 * One ingest source: whether it receives, where the producer sends, what came
 * in, the last refusal in support words with the next step; rotate and remove,
 * each confirmed. Sources from the server's file are changed in the file.
 */
export function SourceCard({
  source,
  onRemoved,
  onChanged,
}: {
  source: SourceView;
  onRemoved: (id: string) => void;
  /** The source's unmatched queue changed: read the sources again. */
  onChanged: () => void;
}) {
  const desk = useDesk();
  const titleId = useId();
  const unmatchedId = useId();
  const [isShowingUnmatched, setShowingUnmatched] = useState(false);
  const [isEditing, setEditing] = useState(false);
  const [saved, setSaved] = useState('');
  const editRef = useRef<HTMLButtonElement>(null);
  const [asking, setAsking] = useState<'rotate' | 'remove' | null>(null);
  const [credential, setCredential] = useState<NewCredential | null>(null);
  const rotateRef = useRef<HTMLButtonElement>(null);
  const removeRef = useRef<HTMLButtonElement>(null);
  const state = STATE_WORDS[source.state];
  const what = source.credential === 'hmac' ? 'secret' : 'token';
  const isFromFile = source.origin === 'file';

  const close = (ref: RefObject<HTMLButtonElement | null>, hide: () => void = () => setAsking(null)) => {
    hide();
    ref.current?.focus();
  };

  return (
    <li>
      <article aria-labelledby={titleId} className={`source-card source-${source.state}`}>
        <div className="source-head">
          <h2 id={titleId}>{source.name === source.id ? source.id : `${source.name} (${source.id})`}</h2>
          <span className="source-state" data-testid="source-state">
            <span aria-hidden="true">{state.glyph}</span> {state.words}
          </span>
        </div>
        <dl className="detail-grid source-facts">
          <dt>Kind</dt>
          <dd>{SOURCE_KIND_LABELS[source.kind]}</dd>
          <dt>Customers</dt>
          <dd>{source.customerMapping}</dd>
          <dt>Defaults</dt>
          <dd>
            severity {source.defaults.severity}
            {source.defaults.feature ? `, feature ${source.defaults.feature}` : ''}
          </dd>
          <dt>Deliveries</dt>
          <dd>
            {source.accepted} accepted · {source.refused} refused · {source.unmatched} unmatched
          </dd>
          <dt>Last delivery</dt>
          <dd>{source.lastDeliveryAt ? <When at={source.lastDeliveryAt} /> : 'none yet'}</dd>
        </dl>
        <CopyValue label="Producer URL" what={`the producer URL of ${source.id}`} value={source.url} />
        {source.credential === 'url_token' ? (
          <p className="muted source-hint">
            {'<token>'} stands for the token shown when the source was added or last rotated; the desk does not keep it.
          </p>
        ) : (
          <p className="muted source-hint">
            The producer signs each delivery with the secret shown when the source was added or last rotated.
          </p>
        )}
        {source.lastRefusal ? (
          <div className="source-refusal" role="group" aria-label={`Last refusal of ${source.id}`}>
            <p>
              <strong>{source.lastRefusal.headline}</strong>
            </p>
            <p>What to do: {source.lastRefusal.next}</p>
            <p className="muted">
              <When at={source.lastRefusal.at} />, the server answered
              {source.lastRefusal.status === null ? '' : ` ${source.lastRefusal.status}`}
              {source.lastRefusal.code ? ` ${source.lastRefusal.code}` : ''}: {source.lastRefusal.message}
            </p>
          </div>
        ) : null}
        {source.unmatched > 0 || isShowingUnmatched ? (
          <div className="source-unmatched">
            {source.unmatched > 0 ? (
              <p>
                {source.unmatched === 1 ? '1 item' : `${source.unmatched} items`} named no known customer and{' '}
                {source.unmatched === 1 ? 'is' : 'are'} kept as unmatched, not lost: map the name{' '}
                {source.unmatched === 1 ? 'it uses' : 'they use'} to a customer and{' '}
                {source.unmatched === 1 ? 'it moves' : 'they move'} to that customer’s timeline.
              </p>
            ) : null}
            <button
              type="button"
              aria-expanded={isShowingUnmatched}
              aria-controls={isShowingUnmatched ? unmatchedId : undefined}
              onClick={() => setShowingUnmatched((isShowing) => !isShowing)}
            >
              {isShowingUnmatched ? 'Hide unmatched items' : `Show unmatched items (${source.unmatched})`}
            </button>
          </div>
        ) : null}
        {isShowingUnmatched ? <UnmatchedPanel id={unmatchedId} source={source} onChanged={onChanged} /> : null}
        {credential ? (
          <NewCredentialPanel
            sourceId={source.id}
            kind={source.kind}
            credential={credential}
            wasRotated
            onDone={() => {
              setCredential(null);
              rotateRef.current?.focus();
            }}
          />
        ) : null}
        {isFromFile ? (
          <p className="muted">
            Declared in the server’s sources file (--sources): change its {what}, or remove it, in that file.
          </p>
        ) : (
          <div className="button-row">
            {source.settings ? (
              <GatedButton
                ref={editRef}
                capability="administer"
                type="button"
                aria-expanded={isEditing}
                onClick={() => setEditing((isOpen) => !isOpen)}
              >
                Change settings…
              </GatedButton>
            ) : null}
            <GatedButton
              ref={rotateRef}
              capability="administer"
              type="button"
              aria-expanded={asking === 'rotate'}
              onClick={() => setAsking('rotate')}
            >
              Rotate {what}…
            </GatedButton>
            <GatedButton
              ref={removeRef}
              capability="administer"
              type="button"
              aria-expanded={asking === 'remove'}
              onClick={() => setAsking('remove')}
            >
              Remove…
            </GatedButton>
          </div>
        )}
        <p role="status" className="sources-status">
          {saved}
        </p>
        {isEditing && source.settings ? (
          <AddSourceForm
            editing={{ source, settings: source.settings }}
            onCancel={() => close(editRef, () => setEditing(false))}
            onUpdated={(updated) => {
              setEditing(false);
              setSaved(`Saved the settings of ${updated.id}: its next deliveries follow them.`);
              onChanged();
              editRef.current?.focus();
            }}
          />
        ) : null}
        {asking === 'rotate' ? (
          <Confirm
            title={`Rotate the ${what} of ${source.id}?`}
            keepLabel={`Keep the current ${what}`}
            confirmLabel={`Rotate the ${what}`}
            onClose={() => close(rotateRef)}
            onConfirm={async () => {
              const result = await desk.sources.rotate({ id: source.id });
              if (!result.ok) return result.error;
              setAsking(null);
              setCredential(result.value.credential);
              return null;
            }}
          >
            <p>
              The current {what} stops working at once: the producer’s deliveries are refused until you paste the new{' '}
              {source.credential === 'hmac' ? 'secret into its settings' : 'URL into its configuration'}.
            </p>
          </Confirm>
        ) : null}
        {asking === 'remove' ? (
          <Confirm
            title={`Remove source ${source.id}?`}
            keepLabel="Keep the source"
            confirmLabel={`Remove ${source.id}`}
            onClose={() => close(removeRef)}
            onConfirm={async () => {
              const result = await desk.sources.remove({ id: source.id });
              if (!result.ok) return result.error;
              onRemoved(source.id);
              return null;
            }}
          >
            <p>
              Its URL stops working at once and the producer’s deliveries are refused.{' '}
              {source.unmatched > 0
                ? `Its ${source.unmatched} unmatched item${source.unmatched === 1 ? '' : 's'} and its aliases go with it; `
                : 'Its aliases go with it; '}
              events already on customers’ timelines stay.
            </p>
          </Confirm>
        ) : null}
      </article>
    </li>
  );
}
