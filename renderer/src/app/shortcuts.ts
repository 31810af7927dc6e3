import { NAV_ITEMS } from '../components/Sidebar';

/**
 * Every keyboard shortcut of the desk, in one list (#15). The handlers match key presses
 * against these entries (`matchesShortcut`) and the "?" sheet is rendered from them, so the
 * sheet cannot drift from what the keys do.
 */
export type ShortcutGroup =
  | 'Anywhere'
  | 'Lists: timeline, fleet, wizard library, search results'
  | 'Customer page'
  | 'Search box'
  | 'Command palette'
  | 'Notes'
  | 'Wizard runs';

export type Shortcut = {
  id: string;
  group: ShortcutGroup;
  /** `KeyboardEvent.key` values that trigger it (any one of them). */
  keys: readonly string[];
  /** Ctrl (or Cmd on macOS), or Alt, held with the key; none when absent. */
  modifier?: 'mod' | 'alt';
  /** The keys as the sheet shows them, one keycap each. */
  caps: readonly string[];
  /** What it does, in the words of the screen. */
  does: string;
};

const LIST_GROUP = 'Lists: timeline, fleet, wizard library, search results' as const;

export const SHORTCUTS = [
  {
    id: 'palette',
    group: 'Anywhere',
    keys: ['k', 'K'],
    modifier: 'mod',
    caps: ['Ctrl K', '⌘ K'],
    does: 'Open the command palette',
  },
  { id: 'search', group: 'Anywhere', keys: ['/'], caps: ['/'], does: 'Search customers and events' },
  { id: 'help', group: 'Anywhere', keys: ['?'], caps: ['?'], does: 'Show the keyboard shortcuts' },
  ...NAV_ITEMS.map((item): Shortcut => ({
    id: `view-${item.view}`,
    group: 'Anywhere',
    keys: [item.shortcut],
    modifier: 'alt',
    caps: [`Alt ${item.shortcut}`],
    does: `Go to ${item.label}`,
  })),
  { id: 'list-next', group: LIST_GROUP, keys: ['j', 'ArrowDown'], caps: ['j', '↓'], does: 'Next row' },
  { id: 'list-previous', group: LIST_GROUP, keys: ['k', 'ArrowUp'], caps: ['k', '↑'], does: 'Previous row' },
  { id: 'list-open', group: LIST_GROUP, keys: ['Enter'], caps: ['Enter'], does: 'Open the row' },
  { id: 'list-page-down', group: LIST_GROUP, keys: ['PageDown'], caps: ['Page Down'], does: 'A screen further down' },
  { id: 'list-page-up', group: LIST_GROUP, keys: ['PageUp'], caps: ['Page Up'], does: 'A screen further up' },
  { id: 'list-first', group: LIST_GROUP, keys: ['Home'], caps: ['Home'], does: 'First row' },
  { id: 'list-last', group: LIST_GROUP, keys: ['End'], caps: ['End'], does: 'Last row' },
  {
    id: 'list-enter',
    group: LIST_GROUP,
    keys: ['j', 'k'],
    caps: ['j', 'k'],
    does: 'From elsewhere on the page: into the list (on the customer page they move through the timeline)',
  },
  { id: 'details-close', group: 'Customer page', keys: ['Escape'], caps: ['Esc'], does: 'Close the event details' },
  { id: 'search-move', group: 'Search box', keys: ['ArrowDown', 'ArrowUp'], caps: ['↓', '↑'], does: 'Move through the results' },
  { id: 'search-open', group: 'Search box', keys: ['Enter'], caps: ['Enter'], does: 'Open the result' },
  { id: 'search-close', group: 'Search box', keys: ['Escape'], caps: ['Esc'], does: 'Close the results, then clear the box' },
  {
    id: 'palette-move',
    group: 'Command palette',
    keys: ['ArrowDown', 'ArrowUp'],
    caps: ['↓', '↑'],
    does: 'Move through the commands',
  },
  { id: 'palette-run', group: 'Command palette', keys: ['Enter'], caps: ['Enter'], does: 'Run the command' },
  {
    id: 'palette-back',
    group: 'Command palette',
    keys: ['Backspace'],
    caps: ['Backspace'],
    does: 'Back to all commands (empty box)',
  },
  { id: 'palette-close', group: 'Command palette', keys: ['Escape'], caps: ['Esc'], does: 'Close the palette' },
  { id: 'note-save', group: 'Notes', keys: ['Enter'], modifier: 'mod', caps: ['Ctrl Enter', '⌘ Enter'], does: 'Save the note' },
  { id: 'note-cancel', group: 'Notes', keys: ['Escape'], caps: ['Esc'], does: 'Stop editing the note' },
  {
    id: 'run-primary',
    group: 'Wizard runs',
    keys: ['Enter'],
    caps: ['Enter'],
    does: "Press the current step's main button (outside a field)",
  },
] as const satisfies readonly Shortcut[];

/** A shortcut's id (the views' ids are made from the sidebar's entries, so they are plain strings). */
export type ShortcutId = string;

const BY_ID = new Map<string, Shortcut>(SHORTCUTS.map((shortcut) => [shortcut.id, shortcut]));

/** The entry of one shortcut. */
export function shortcutOf(id: ShortcutId): Shortcut {
  const shortcut = BY_ID.get(id);
  if (!shortcut) throw new Error(`No shortcut "${id}"`);
  return shortcut;
}

/** Whether a key press is this shortcut: one of its keys, with exactly its modifier held (Shift is free, for "?"). */
export function matchesShortcut(event: Pick<KeyboardEvent, 'key' | 'altKey' | 'ctrlKey' | 'metaKey'>, id: ShortcutId): boolean {
  const shortcut = shortcutOf(id);
  const wantsMod = shortcut.modifier === 'mod';
  const wantsAlt = shortcut.modifier === 'alt';
  if ((event.ctrlKey || event.metaKey) !== wantsMod || event.altKey !== wantsAlt) return false;
  return shortcut.keys.includes(event.key);
}

/** The list moves, shared by every keyboard-driven list: a step of rows, or the list's ends. */
export function listMoveOf(event: Pick<KeyboardEvent, 'key' | 'altKey' | 'ctrlKey' | 'metaKey'>, page: number): number | null {
  if (matchesShortcut(event, 'list-next')) return 1;
  if (matchesShortcut(event, 'list-previous')) return -1;
  if (matchesShortcut(event, 'list-page-down')) return page;
  if (matchesShortcut(event, 'list-page-up')) return -page;
  if (matchesShortcut(event, 'list-last')) return Number.MAX_SAFE_INTEGER;
  if (matchesShortcut(event, 'list-first')) return -Number.MAX_SAFE_INTEGER;
  return null;
}
