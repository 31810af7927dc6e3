import { diff3Merge } from 'node-diff3';

/*
 * The conflict model (issue 9, docs/sync.md): text fields are last-writer-wins
 * per field against the text their author started from, never silently. When
 * the field changed meanwhile, the two edits are merged line by line if they
 * touch different lines (a three-way merge, node-diff3 — the library OpenStreetMap's
 * iD editor uses); otherwise the edit is refused as a conflict and shown to its
 * author with both texts. Server (automatic merges) and desk (the "merge" draft)
 * use this one function.
 */

/** Conflict markers in a merge draft, in words a support engineer reads. */
const MARKERS = { mine: '<<<<<<< your version', theirs: '>>>>>>> their version', between: '=======' } as const;

/** The outcome of a three-way merge of one text field. */
export type TextMerge = { isClean: true; text: string } | { isClean: false; text: string };

/**
 * Merges `mine` and `theirs`, both edited from `base`, line by line. Clean when
 * no line was changed on both sides (or both made the same change); otherwise
 * `text` is a draft with both versions of each clashing part between markers.
 */
export function mergeText(base: string, mine: string, theirs: string): TextMerge {
  if (mine === theirs) return { isClean: true, text: mine };
  if (base === theirs) return { isClean: true, text: mine };
  if (base === mine) return { isClean: true, text: theirs };
  const regions = diff3Merge(mine.split('\n'), base.split('\n'), theirs.split('\n'), { excludeFalseConflicts: true });
  const lines: string[] = [];
  let isClean = true;
  for (const region of regions) {
    if (region.ok) lines.push(...region.ok);
    else if (region.conflict) {
      isClean = false;
      lines.push(MARKERS.mine, ...region.conflict.a, MARKERS.between, ...region.conflict.b, MARKERS.theirs);
    }
  }
  return { isClean, text: lines.join('\n') };
}
