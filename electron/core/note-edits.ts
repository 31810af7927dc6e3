import { DeskError } from '../../shared/ipc/result';
import type { NoteView } from '../../shared/ipc/views';
import type { Outbox, OutboxRow } from '../db/outbox';
import type { Queries } from '../db/queries';

/*
 * Editing a note on the desk (issue 9, docs/sync.md): the text an edit starts
 * from is what this desk shows — its own newest write still on its way, or the
 * synced text — so two offline edits in a row are one line of edits. An edit
 * that lost to a concurrent one waits in the outbox as a conflict until its
 * author keeps it, takes the other text, or merges.
 */

type NoteArgs = { noteId: string; customerId?: string; body: string; baseBody?: string };

/** The wire version of note.update this desk sends (2 carries the base text). */
const NOTE_UPDATE_VERSION = 2;

function argsOf(row: OutboxRow): NoteArgs {
  return row.args as NoteArgs;
}

export function createNoteEdits(options: {
  outbox: Outbox;
  queries: Queries;
  now: () => number;
  onWrite(customerId: string): void;
}) {
  const { outbox, queries } = options;

  function rowsOf(noteId: string): OutboxRow[] {
    return outbox
      .all()
      .filter((row) => (row.name === 'note.create' || row.name === 'note.update') && argsOf(row).noteId === noteId);
  }

  function customerOf(noteId: string, rows: readonly OutboxRow[]): string {
    const synced = queries.note(noteId);
    const created = rows.find((row) => row.name === 'note.create');
    const customerId = synced?.customer_id ?? (created ? argsOf(created).customerId : undefined);
    if (!customerId) throw new DeskError('not_found', `Note ${noteId} does not exist.`);
    return customerId;
  }

  function view(customerId: string, noteId: string): NoteView {
    const found = queries.notesFor(customerId).find((note) => note.id === noteId);
    if (!found) throw new DeskError('internal', 'The note was saved but could not be read back; reload the customer.');
    return found;
  }

  function send(noteId: string, body: string, base: { body: string; ver: number }): void {
    outbox.enqueue(
      'note.update',
      { noteId, body, baseVer: base.ver, baseBody: base.body },
      new Date(options.now()).toISOString(),
      NOTE_UPDATE_VERSION,
    );
  }

  return {
    /** Queues an edit based on what the desk shows now (its own pending text, else the synced one). */
    update(noteId: string, body: string): NoteView {
      const rows = rowsOf(noteId);
      const customerId = customerOf(noteId, rows);
      if (rows.some((row) => row.status === 'conflict')) {
        throw new DeskError(
          'conflict',
          'Someone else changed this note while you edited it. Keep your text, take theirs, or merge before editing again.',
        );
      }
      const synced = queries.note(noteId);
      const own = rows.filter((row) => row.status === 'pending' || row.status === 'applied').at(-1);
      send(noteId, body, { body: own ? argsOf(own).body : (synced?.body ?? ''), ver: synced?.ver ?? 0 });
      options.onWrite(customerId);
      return view(customerId, noteId);
    },

    /**
     * Settles this user's lost edit: `mine` sends it again on top of the other
     * text, `theirs` drops it, `merge` sends the text the author merged.
     */
    resolve(noteId: string, choice: 'mine' | 'theirs' | 'merge', merged?: string): NoteView {
      const rows = rowsOf(noteId);
      const customerId = customerOf(noteId, rows);
      const conflicts = rows.filter((row) => row.status === 'conflict');
      const current = queries.notesFor(customerId).find((note) => note.id === noteId);
      if (conflicts.length === 0 || !current?.conflict)
        throw new DeskError('not_found', `Note ${noteId} has no conflict to resolve; it may have been resolved already.`);
      const { theirs, mine } = current.conflict;
      if (choice === 'merge' && (merged === undefined || merged.trim() === ''))
        throw new DeskError('bad_request', 'A merge needs the merged text.');
      // The lost edits go, and the choice is sent on top of the text that won, which the author has now seen.
      outbox.remove(conflicts.map((row) => row.rid));
      if (choice !== 'theirs') send(noteId, choice === 'mine' ? mine : (merged ?? ''), { body: theirs.body, ver: theirs.ver });
      options.onWrite(customerId);
      return view(customerId, noteId);
    },
  };
}
