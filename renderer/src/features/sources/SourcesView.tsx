import { useEffect, useRef, useState } from 'react';
import type { NewCredential, SourceView } from '../../../../shared/ipc/source-views';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import { AddSourceForm } from './AddSourceForm';
import { NewCredentialPanel } from './NewCredentialPanel';
import { SourceCard } from './SourceCard';
import './sources.css';

/**
 * The server's ingest sources for admins (issue 10): where each producer posts,
 * whether it is being received, and why the last delivery was refused; add,
 * rotate and remove. The server decides who may (admins); anyone else is told
 * who manages sources and whom to ask.
 */
export function SourcesView() {
  const desk = useDesk();
  const [reads, setReads] = useState(0);
  const { value: answer, error, retry } = useDeskAnswer(`${reads}`, () => desk.sources.list());
  const [isAdding, setAdding] = useState(false);
  const [created, setCreated] = useState<{ source: SourceView; credential: NewCredential } | null>(null);
  const [removed, setRemoved] = useState<readonly string[]>([]);
  const [status, setStatus] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  // Cancelling the form gives the focus back to "Add a source", once that button is back on screen.
  const shouldFocusAdd = useRef(false);
  useEffect(() => {
    if (isAdding || !shouldFocusAdd.current) return;
    shouldFocusAdd.current = false;
    addRef.current?.focus();
  }, [isAdding]);
  const refresh = () => setReads((count) => count + 1);
  const sources = answer?.sources.filter((source) => !removed.includes(source.id)) ?? [];
  const isAvailable = answer !== null && answer.unavailable === null;

  return (
    <section aria-labelledby="page-title" className="page sources-page">
      <div className="page-heading">
        <h1 id="page-title" ref={headingRef} tabIndex={-1}>
          Sources
        </h1>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        {isAvailable && !isAdding ? (
          <GatedButton ref={addRef} capability="administer" type="button" onClick={() => setAdding(true)}>
            Add a source
          </GatedButton>
        ) : null}
      </div>
      <p className="muted sources-intro">
        Where signals come from: Alertmanager, CloudEvents producers, GitHub and JSON webhooks post to the server at their
        source’s URL, and their events land on the customers’ timelines.
      </p>
      <p role="status" className="sources-status">
        {status}
      </p>
      {error ? <ErrorMessage title="The sources could not be read" error={error} onRetry={retry} /> : null}
      {answer?.unavailable ? (
        <div className="empty sources-unavailable">
          <p>{answer.unavailable}</p>
          <div className="button-row">
            <button type="button" onClick={() => navigate({ view: 'sync' })}>
              Open the Sync page
            </button>
            <button type="button" onClick={refresh}>
              Try again
            </button>
          </div>
        </div>
      ) : null}
      {created ? (
        <NewCredentialPanel
          sourceId={created.source.id}
          kind={created.source.kind}
          credential={created.credential}
          wasRotated={false}
          onDone={() => {
            setCreated(null);
            addRef.current?.focus();
          }}
        />
      ) : null}
      {isAdding ? (
        <AddSourceForm
          onCancel={() => {
            shouldFocusAdd.current = true;
            setAdding(false);
          }}
          onCreated={(source, credential) => {
            setAdding(false);
            setCreated({ source, credential });
            setRemoved((ids) => ids.filter((id) => id !== source.id));
            setStatus(`Added source ${source.id}.`);
            refresh();
          }}
        />
      ) : null}
      {isAvailable && sources.length === 0 ? (
        <div className="empty">
          <p>No source yet: nothing outside the desk posts signals to this server.</p>
          <p>Add one for each tool that should: its URL and credential are shown once, with what to paste where.</p>
        </div>
      ) : null}
      {sources.length > 0 ? (
        <ul className="source-list" aria-label="Sources">
          {sources.map((source) => (
            <SourceCard
              key={source.id}
              source={source}
              onChanged={refresh}
              onRemoved={(id) => {
                setRemoved((ids) => [...ids, id]);
                setStatus(`Removed source ${id}: its URL no longer takes deliveries.`);
                headingRef.current?.focus();
              }}
            />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
