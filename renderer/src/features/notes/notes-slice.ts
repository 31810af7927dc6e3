import type { StateCreator } from 'zustand';
import type { DeskApi } from '../../../../shared/ipc/contract';
import type { Result } from '../../../../shared/ipc/result';
import type { NoteView } from '../../../../shared/ipc/views';
import type { StoreState } from '../../store/store';

const AUTHOR_KEY = 'lightkeeper.noteAuthor';

function rememberedAuthor(): string | null {
  try {
    return window.localStorage.getItem(AUTHOR_KEY);
  } catch {
    return null;
  }
}

export type NotesSlice = {
  /** Every note seen so far, by id; the desk's answer always replaces what was shown. */
  notes: Record<string, NoteView>;
  /**
   * The author name the desk puts on notes written here. The contract does not
   * say who the local user is, so it is learned from the first note written.
   */
  localAuthor: string | null;
  mergeNotes(notes: readonly NoteView[]): void;
  createNote(desk: DeskApi, input: { customerId: string; eventId: string | null; body: string }): Promise<Result<NoteView>>;
  updateNote(desk: DeskApi, noteId: string, body: string): Promise<Result<NoteView>>;
  /** Settles this user's edit that lost to a concurrent one: keep mine, take theirs, or the merged `body`. */
  resolveConflict(desk: DeskApi, noteId: string, choice: 'mine' | 'theirs' | 'merge', body?: string): Promise<Result<NoteView>>;
};

export const createNotesSlice: StateCreator<StoreState, [], [], NotesSlice> = (set) => ({
  notes: {},
  localAuthor: rememberedAuthor(),

  mergeNotes(incoming) {
    if (incoming.length === 0) return;
    set((state) => {
      const notes = { ...state.notes };
      for (const note of incoming) {
        const known = notes[note.id];
        // An older copy (a page loaded before the server acknowledged) must not undo a newer one.
        if (!known || note.ver > known.ver || (note.ver === known.ver && note.updatedAt >= known.updatedAt))
          notes[note.id] = note;
      }
      return { notes };
    });
  },

  async createNote(desk, input) {
    const result = await desk.notes.create({ customerId: input.customerId, eventId: input.eventId, body: input.body });
    if (result.ok) {
      set((state) => ({ notes: { ...state.notes, [result.value.id]: result.value }, localAuthor: result.value.author }));
      try {
        window.localStorage.setItem(AUTHOR_KEY, result.value.author);
      } catch {
        // Storage refused (private mode): the author is simply learned again next time.
      }
    }
    return result;
  },

  async updateNote(desk, noteId, body) {
    const result = await desk.notes.update({ noteId, body });
    if (result.ok) set((state) => ({ notes: { ...state.notes, [result.value.id]: result.value } }));
    return result;
  },

  async resolveConflict(desk, noteId, choice, body) {
    const result = await desk.notes.resolveConflict({ noteId, choice, ...(body === undefined ? {} : { body }) });
    // The desk's answer replaces what was shown, even at the same version: the conflict is gone from it.
    if (result.ok) set((state) => ({ notes: { ...state.notes, [result.value.id]: result.value } }));
    return result;
  },
});

/** Notes on a customer (eventId null) or on one event, newest first. */
export function notesFor(notes: Record<string, NoteView>, customerId: string, eventId: string | null): NoteView[] {
  return Object.values(notes)
    .filter((note) => note.customerId === customerId && note.eventId === eventId)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}
