import { useEffect, useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ContractError } from '../../../../shared/ipc/result';
import type { NoteHistory, NoteView } from '../../../../shared/ipc/views';
import { mergeText } from '../../../../shared/sync/merge';
import { useDesk } from '../../api/DeskContext';
import { usePersonLabel } from '../../app/useYou';
import { useCapability } from '../../app/useCapability';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { useNow } from '../../components/useNow';
import { formatDateTime, formatRelative, timeTitle } from '../../lib/time';
import { useStore } from '../../store/store';
import { notesFor } from './notes-slice';
import './notes.css';

function isSubmitShortcut(event: KeyboardEvent): boolean {
  return event.key === 'Enter' && (event.ctrlKey || event.metaKey);
}

const KIND_LABELS: Record<NoteHistory['revisions'][number]['kind'], string> = {
  create: 'wrote',
  edit: 'edited',
  merge: 'edited (merged with a concurrent edit)',
  conflict: 'edited at the same time (not applied; kept here)',
};

/** Every write of the note, oldest first: who, when, what. */
function NoteHistoryList({ noteId }: { noteId: string }) {
  const desk = useDesk();
  const label = usePersonLabel();
  const [history, setHistory] = useState<NoteHistory | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void desk.notes.history({ noteId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setHistory(result.value);
      else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, noteId]);
  if (error) return <ErrorMessage compact title="The history could not be read" error={error} />;
  if (!history) return <p className="muted">Reading the history…</p>;
  if (history.revisions.length === 0) return <p className="muted">No history synced yet.</p>;
  return (
    <ol className="note-history" aria-label="Note history">
      {history.revisions.map((revision) => (
        <li key={revision.id}>
          <span className="note-author">{label(revision.actor)}</span> {KIND_LABELS[revision.kind]}{' '}
          <time dateTime={revision.at} title={timeTitle(revision.at)}>
            {formatDateTime(revision.at)}
          </time>
          <p className="note-body">{revision.body}</p>
        </li>
      ))}
    </ol>
  );
}

/** "Changed by dana while you edited": both texts, and the three ways out. */
function NoteConflict({ note, conflict }: { note: NoteView; conflict: NonNullable<NoteView['conflict']> }) {
  const desk = useDesk();
  const label = usePersonLabel();
  const resolveConflict = useStore((state) => state.resolveConflict);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const fieldId = useId();

  const resolve = async (choice: 'mine' | 'theirs' | 'merge', body?: string) => {
    if (choice === 'merge' && (body ?? '').trim() === '') {
      setError({ code: 'bad_request', message: 'A note needs some text.' });
      return;
    }
    setSaving(true);
    const result = await resolveConflict(desk, note.id, choice, body);
    setSaving(false);
    if (result.ok) {
      setDraft(null);
      setError(null);
    } else setError(result.error);
  };

  return (
    <div className="note-conflict" role="group" aria-label="Conflicting edits of this note">
      <p className="note-conflict-title" role="alert">
        Changed by {label(conflict.theirs.actor)} while you edited ({formatDateTime(conflict.theirs.at)}). Your text was not
        applied; choose which to keep.
      </p>
      <div className="note-conflict-texts">
        <section aria-label="Your version">
          <h4>Your version</h4>
          <p className="note-body">{conflict.mine}</p>
        </section>
        <section aria-label={`Version by ${conflict.theirs.actor}`}>
          <h4>Their version ({label(conflict.theirs.actor)})</h4>
          <p className="note-body">{conflict.theirs.body}</p>
        </section>
      </div>
      {draft === null ? (
        <div className="note-actions">
          <button type="button" disabled={isSaving} onClick={() => void resolve('mine')}>
            Keep my version
          </button>
          <button type="button" disabled={isSaving} onClick={() => void resolve('theirs')}>
            Take their version
          </button>
          <button
            type="button"
            disabled={isSaving}
            onClick={() => setDraft(mergeText(conflict.base ?? '', conflict.mine, conflict.theirs.body).text)}
          >
            Merge…
          </button>
        </div>
      ) : (
        <form
          className="note-edit"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void resolve('merge', draft);
          }}
        >
          <label htmlFor={fieldId}>Merged note (parts both of you changed are marked; edit them into one)</label>
          <textarea
            id={fieldId}
            value={draft}
            rows={6}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (isSubmitShortcut(event)) {
                event.preventDefault();
                void resolve('merge', draft);
              } else if (event.key === 'Escape') {
                event.stopPropagation();
                setDraft(null);
              }
            }}
          />
          <div className="note-actions">
            <button type="submit" disabled={isSaving}>
              Save merged note
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error ? <ErrorMessage compact title="The conflict was not resolved" error={error} /> : null}
    </div>
  );
}

/** One note: pending until the server acknowledged it, with the server's refusal or a lost concurrent edit. */
export function NoteItem({ note, canEdit }: { note: NoteView; canEdit: boolean }) {
  const desk = useDesk();
  const label = usePersonLabel();
  const updateNote = useStore((state) => state.updateNote);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const now = useNow();
  const fieldId = useId();

  const save = async () => {
    if (draft === null) return;
    if (draft.trim() === '') {
      setError({ code: 'bad_request', message: 'A note needs some text.' });
      return;
    }
    setSaving(true);
    const result = await updateNote(desk, note.id, draft);
    setSaving(false);
    if (result.ok) {
      setDraft(null);
      setError(null);
    } else setError(result.error);
  };

  return (
    <li className={note.pending ? 'note is-pending' : 'note'} data-testid="note" aria-busy={isSaving}>
      <div className="note-meta">
        <span className="note-author">{label(note.author)}</span>
        <time dateTime={note.createdAt} title={timeTitle(note.createdAt)}>
          {formatRelative(note.createdAt, now)}
        </time>
        {note.updatedAt !== note.createdAt ? <span className="muted">edited</span> : null}
        {note.pending ? (
          <span className="pending-badge" title="Saved on this computer; waiting for the server to acknowledge it.">
            pending
          </span>
        ) : null}
      </div>
      {note.error ? (
        <p className="note-error" role="alert">
          The server did not accept this note: {note.error}
        </p>
      ) : null}
      {draft === null ? (
        <p className="note-body">{note.body}</p>
      ) : (
        <form
          className="note-edit"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void save();
          }}
        >
          <label htmlFor={fieldId}>Edit note</label>
          <textarea
            id={fieldId}
            value={draft}
            rows={3}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (isSubmitShortcut(event)) {
                event.preventDefault();
                void save();
              } else if (event.key === 'Escape') {
                event.stopPropagation();
                setDraft(null);
                setError(null);
              }
            }}
          />
          <div className="note-actions">
            <button type="submit" disabled={isSaving}>
              Save note
            </button>
            <button
              type="button"
              onClick={() => {
                setDraft(null);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {note.conflict ? <NoteConflict note={note} conflict={note.conflict} /> : null}
      {error ? <ErrorMessage compact title="The note was not changed" error={error} /> : null}
      <div className="note-actions">
        {draft === null && canEdit && !note.conflict ? (
          <GatedButton
            capability="write"
            type="button"
            className="link-button"
            onClick={() => setDraft(note.body)}
            aria-label={`Edit note by ${note.author}`}
          >
            Edit
          </GatedButton>
        ) : null}
        {note.ver > 0 ? (
          <button
            type="button"
            className="link-button"
            aria-expanded={isHistoryOpen}
            onClick={() => setHistoryOpen(!isHistoryOpen)}
            aria-label={`${isHistoryOpen ? 'Hide' : 'Show'} history of the note by ${note.author}`}
          >
            History
          </button>
        ) : null}
      </div>
      {isHistoryOpen ? <NoteHistoryList noteId={note.id} /> : null}
    </li>
  );
}

/** Writes a note on the customer or on one event; it shows at once, pending until acknowledged. */
export function NoteComposer({ customerId, eventId }: { customerId: string; eventId: string | null }) {
  const desk = useDesk();
  const createNote = useStore((state) => state.createNote);
  const [body, setBody] = useState('');
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  const fieldId = useId();
  const label = eventId ? 'Add a note to this event' : 'Add a note to this customer';
  const permission = useCapability('write');

  const submit = async () => {
    if (!permission.isAllowed) {
      setError({ code: 'forbidden', message: permission.reason });
      return;
    }
    if (body.trim() === '') {
      setError({ code: 'bad_request', message: 'A note needs some text.' });
      return;
    }
    setSaving(true);
    const result = await createNote(desk, { customerId, eventId, body });
    setSaving(false);
    if (result.ok) {
      setBody('');
      setError(null);
    } else setError(result.error);
  };

  return (
    <form
      className="note-composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={fieldId}>{label}</label>
      <textarea
        id={fieldId}
        value={body}
        rows={3}
        placeholder="What did you find or do? (Ctrl+Enter to add)"
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={(event) => {
          if (isSubmitShortcut(event)) {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <GatedButton capability="write" type="submit" disabled={isSaving}>
        {isSaving ? 'Adding…' : 'Add note'}
      </GatedButton>
      {error ? <ErrorMessage compact title="The note was not added" error={error} /> : null}
    </form>
  );
}

/** The notes on a customer (eventId null) or on one event, and a box to add one. */
export function NotesPanel({
  customerId,
  eventId,
  headingLevel = 2,
}: {
  customerId: string;
  eventId: string | null;
  headingLevel?: 2 | 3;
}) {
  const notes = useStore(useShallow((state) => notesFor(state.notes, customerId, eventId)));
  const localAuthor = useStore((state) => state.localAuthor);
  // Who may edit: the signed-in user's own notes (also those that came back through sync); before anyone is known, the author a note written here taught.
  const author = useStore((state) => state.identity?.user?.name ?? null) ?? localAuthor;
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="panel notes-panel">
      <Heading id={headingId}>
        {eventId ? 'Notes on this event' : 'Notes'} ({notes.length})
      </Heading>
      {notes.length === 0 ? <p className="muted">No notes yet.</p> : null}
      <ul className="note-list">
        {notes.map((note) => (
          // With nobody known yet every note offers Edit and the desk core decides.
          <NoteItem key={note.id} note={note} canEdit={author === null || note.author === author} />
        ))}
      </ul>
      <NoteComposer customerId={customerId} eventId={eventId} />
    </section>
  );
}
