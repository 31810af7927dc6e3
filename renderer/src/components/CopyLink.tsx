import { useEffect, useId, useRef, useState } from 'react';
import { routeToDeepLink, routeToHash, type AppRoute } from '../../../shared/routes';
import { useStore } from '../store/store';

type CopyState = 'idle' | 'copied' | 'refused';

/** Writes to the clipboard; false when the page may not (permission refused, no clipboard API). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** The browser-mode address of a route: the same route in this page's hash. */
export function browserUrl(route: AppRoute): string {
  return `${window.location.origin}${window.location.pathname}${routeToHash(route)}`;
}

/**
 * "Copy link": puts the `lightkeeper://` link on the clipboard and shows it with
 * its browser-mode equivalent. When the clipboard is refused, the link is shown
 * selected in a text field so it can be copied by hand.
 */
export function CopyLink({ route, label = 'Copy link' }: { route: AppRoute | (() => AppRoute); label?: string }) {
  const [state, setState] = useState<CopyState>('idle');
  const [copied, setCopied] = useState<AppRoute | null>(null);
  const isBrowserMode = useStore((store) => store.info?.mode === 'browser');
  const fieldRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  // Refused clipboard: the link is put in focus, selected, ready for Ctrl+C.
  useEffect(() => {
    if (state !== 'refused') return;
    fieldRef.current?.focus();
    fieldRef.current?.select();
  }, [state]);

  const close = () => {
    setState('idle');
    buttonRef.current?.focus();
  };

  return (
    <span className="copy-link">
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={state !== 'idle'}
        aria-controls={`${id}-panel`}
        onClick={async () => {
          // Resolved on click: the moment to link to is wherever the reader is now.
          const target = typeof route === 'function' ? route() : route;
          setCopied(target);
          setState((await copyText(routeToDeepLink(target))) ? 'copied' : 'refused');
        }}
      >
        {label}
      </button>
      {state !== 'idle' && copied ? (
        <div
          id={`${id}-panel`}
          className="copy-link-panel"
          role="group"
          aria-label="Link to this moment"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              close();
            }
          }}
        >
          <p aria-live="polite">
            {state === 'copied' ? 'Link copied to the clipboard.' : 'The clipboard is not available: copy the link below.'}
          </p>
          <label>
            App link
            <input ref={fieldRef} readOnly value={routeToDeepLink(copied)} onFocus={(event) => event.currentTarget.select()} />
          </label>
          {isBrowserMode ? (
            <label>
              Browser link
              <input readOnly value={browserUrl(copied)} onFocus={(event) => event.currentTarget.select()} />
            </label>
          ) : null}
          <button type="button" onClick={close}>
            Close
          </button>
        </div>
      ) : null}
    </span>
  );
}
