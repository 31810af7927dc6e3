import { useState } from 'react';
import { copyText } from './CopyLink';

/**
 * A copy button for an id on screen (issue 14): "Copy ticket id ZD-1234" to
 * assistive technology, a visible "Copied" (or where to copy it from, when the
 * clipboard is refused) in a polite live region beside it.
 */
export function CopyId({ what, id }: { what: string; id: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'refused'>('idle');
  return (
    <span className="copy-id">
      <button
        type="button"
        className="copy-id-button"
        aria-label={`Copy ${what} ${id}`}
        title={`Copy ${what}`}
        onClick={async () => setState((await copyText(id)) ? 'copied' : 'refused')}
      >
        Copy
      </button>
      <span role="status" className="copy-id-status">
        {state === 'copied'
          ? `Copied ${id}`
          : state === 'refused'
            ? 'The clipboard is not available: select the id to copy it'
            : ''}
      </span>
    </span>
  );
}
