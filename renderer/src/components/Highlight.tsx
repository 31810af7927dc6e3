import type { Highlight as HighlightSegments } from '../../../shared/ipc/views';

/** Text with the matching words marked. Segments are rendered as text nodes, never as HTML. */
export function Highlight({ segments }: { segments: HighlightSegments }) {
  return (
    <>
      {segments.map((segment, index) =>
        segment.match ? <mark key={index}>{segment.text}</mark> : <span key={index}>{segment.text}</span>,
      )}
    </>
  );
}

/** The plain text of highlighted segments (for accessible names and titles). */
export function highlightText(segments: HighlightSegments): string {
  return segments.map((segment) => segment.text).join('');
}
