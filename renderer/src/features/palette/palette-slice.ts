import type { StateCreator } from 'zustand';
import type { StoreState } from '../../store/store';

export type PaletteSlice = {
  isPaletteOpen: boolean;
  setPaletteOpen(isOpen: boolean): void;
};

export const createPaletteSlice: StateCreator<StoreState, [], [], PaletteSlice> = (set) => ({
  isPaletteOpen: false,
  setPaletteOpen: (isPaletteOpen) => set({ isPaletteOpen }),
});
