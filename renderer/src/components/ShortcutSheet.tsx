import { useEffect, useRef } from 'react';
import { SHORTCUTS, type Shortcut, type ShortcutGroup } from '../app/shortcuts';
import { useStore } from '../store/store';

function groupsOf(shortcuts: readonly Shortcut[]): [ShortcutGroup, Shortcut[]][] {
  const groups = new Map<ShortcutGroup, Shortcut[]>();
  for (const shortcut of shortcuts) groups.set(shortcut.group, [...(groups.get(shortcut.group) ?? []), shortcut]);
  return [...groups];
}

/**
 * The keyboard shortcuts, from the one registry the handlers match against (#15). A modal
 * dialog: "?" or About opens it, Esc or Close shuts it and gives focus back.
 */
export function ShortcutSheet() {
  const setOpen = useStore((state) => state.setShortcutsOpen);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus();
    return () => previous?.focus();
  }, []);

  return (
    <div className="sheet-backdrop" onMouseDown={(event) => event.target === event.currentTarget && setOpen(false)}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        className="shortcut-sheet"
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            setOpen(false);
          } else if (event.key === 'Tab') {
            // The only control: focus stays in the dialog.
            event.preventDefault();
            closeRef.current?.focus();
          }
        }}
      >
        <div className="shortcut-sheet-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button ref={closeRef} type="button" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
        <div className="shortcut-groups">
          {groupsOf(SHORTCUTS).map(([group, shortcuts]) => (
            <section key={group} aria-label={group} className="shortcut-group">
              <h3>{group}</h3>
              <dl>
                {shortcuts.map((shortcut) => (
                  <div key={shortcut.id} className="shortcut" data-testid="shortcut">
                    <dt>
                      {shortcut.caps.map((cap, index) => (
                        <span key={cap}>
                          {index > 0 ? <span className="muted"> or </span> : null}
                          <kbd>{cap}</kbd>
                        </span>
                      ))}
                    </dt>
                    <dd>{shortcut.does}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
