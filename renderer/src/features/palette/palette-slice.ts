import type { StateCreator } from 'zustand';
import type { StoreState } from '../../store/store';

/** What the palette lists: commands, or the choices of a command that asks a second question ("Start wizard…"). */
export type PaletteMode = 'commands' | 'start-wizard' | 'resume-run';

export type PaletteSlice = {
  isPaletteOpen: boolean;
  paletteMode: PaletteMode;
  /** Opens (in `mode`, commands by default) or closes the palette. */
  setPaletteOpen(isOpen: boolean, mode?: PaletteMode): void;
  setPaletteMode(mode: PaletteMode): void;
  /** The "?" sheet of keyboard shortcuts (#15). */
  isShortcutsOpen: boolean;
  setShortcutsOpen(isOpen: boolean): void;
};

export const createPaletteSlice: StateCreator<StoreState, [], [], PaletteSlice> = (set) => ({
  isPaletteOpen: false,
  paletteMode: 'commands',
  setPaletteOpen: (isPaletteOpen, mode = 'commands') => set({ isPaletteOpen, paletteMode: mode }),
  setPaletteMode: (paletteMode) => set({ paletteMode }),
  isShortcutsOpen: false,
  setShortcutsOpen: (isShortcutsOpen) => set({ isShortcutsOpen }),
});
