import removeMarkdown from 'remove-markdown';

/**
 * Search snippets are cut from event bodies, which are markdown: shown as they
 * are, they carry ``` and ** and table pipes (#15). remove-markdown strips the
 * markup; what it leaves from constructs the cut split in two (a fence opened
 * before the snippet, a table row) is removed here. The FTS highlight markers
 * (control characters) pass through untouched.
 */
export function plainSnippet(marked: string | null): string | null {
  if (marked === null) return null;
  const stripped = removeMarkdown(marked, { gfm: true, useImgAltText: true });
  return (
    stripped
      // Fences the snippet cut open or closed.
      .replace(/`{3,}[^\s`]*|~{3,}/g, ' ')
      .replace(/`/g, '')
      // Table rows: separator rows go, cell pipes become spaces.
      .replace(/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/gm, ' ')
      .replace(/\s*\|\s*/g, ' ')
      // Leftover emphasis markers of a span the cut split.
      .replace(/\*{2,}|(?<![\p{L}\p{N}])_{2,}|_{2,}(?![\p{L}\p{N}])/gu, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
