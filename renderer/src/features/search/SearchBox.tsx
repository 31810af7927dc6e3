import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchOutput } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { HealthBadge, KindIcon, kindLabel } from '../../components/Badges';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Highlight, highlightText } from '../../components/Highlight';
import { formatDateTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { openEvent } from '../timeline/open-event';
import './search.css';

type Option =
  | { type: 'customer'; id: string; customerId: string }
  | { type: 'event'; id: string; customerId: string; eventId: string; occurredAt: string };

const LISTBOX_ID = 'search-results';

function optionsOf(result: SearchOutput | null): Option[] {
  if (!result) return [];
  return result.groups.flatMap((group): Option[] => [
    { type: 'customer', id: `search-customer-${group.customerId}`, customerId: group.customerId },
    ...group.events.map((event): Option => ({
      type: 'event',
      id: `search-event-${event.id}`,
      customerId: group.customerId,
      eventId: event.id,
      occurredAt: event.occurredAt,
    })),
  ]);
}

/**
 * The one search box in the header: customers and events, full text, offline.
 * A combobox over a listbox of results grouped by customer; Enter opens.
 */
export function SearchBox() {
  const desk = useDesk();
  const search = useStore((state) => state.search);
  const setText = useStore((state) => state.setSearchText);
  const setOpen = useStore((state) => state.setSearchOpen);
  const inputRef = useRef<HTMLInputElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  // The active option belongs to one answer: a new answer starts again at its first result.
  const [cursor, setCursor] = useState<{ result: SearchOutput | null; index: number }>({ result: null, index: 0 });
  const activeIndex = cursor.result === search.result ? cursor.index : 0;
  const setActiveIndex = (update: (index: number) => number) => setCursor({ result: search.result, index: update(activeIndex) });
  const options = useMemo(() => optionsOf(search.result), [search.result]);

  useEffect(() => {
    if (search.focusRequest === 0) return;
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [search.focusRequest]);

  const hasText = search.text.trim() !== '';
  const isExpanded = search.isOpen && hasText;
  const active = options[Math.min(activeIndex, options.length - 1)];

  const openOption = (option: Option | undefined) => {
    if (!option) return;
    setOpen(false);
    if (option.type === 'customer') navigate({ view: 'customer', customerId: option.customerId });
    else openEvent(desk, { customerId: option.customerId, eventId: option.eventId, occurredAt: option.occurredAt });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      if (options.length > 0)
        setActiveIndex((index) => (index + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      openOption(active);
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      if (isExpanded) setOpen(false);
      else if (hasText) setText(desk, '');
      else inputRef.current?.blur();
    }
  };

  return (
    <div
      className="search-box"
      role="search"
      aria-label="Search customers and events"
      ref={rootRef}
      onBlur={(event) => {
        if (!rootRef.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <input
        ref={inputRef}
        type="search"
        role="combobox"
        aria-label="Search customers and events"
        aria-expanded={isExpanded}
        aria-controls={LISTBOX_ID}
        aria-autocomplete="list"
        aria-activedescendant={isExpanded && active ? active.id : undefined}
        aria-keyshortcuts="/"
        placeholder="Search customers and events  ( / )"
        autoComplete="off"
        spellCheck={false}
        value={search.text}
        onChange={(event) => setText(desk, event.target.value)}
        onFocus={() => hasText && setOpen(true)}
        onKeyDown={onKeyDown}
      />
      {isExpanded ? (
        <div className="search-popover" tabIndex={0} role="region" aria-label="Search results panel">
          <p className="search-status muted" aria-live="polite">
            {search.status === 'loading' && !search.result
              ? 'Searching…'
              : search.result
                ? `${search.result.groups.length} ${search.result.groups.length === 1 ? 'customer' : 'customers'} · ${search.result.groups.reduce((sum, group) => sum + group.events.length, 0)} events`
                : ''}
          </p>
          {search.error ? (
            <ErrorMessage compact title="Search failed" error={search.error} onRetry={() => setText(desk, search.text)} />
          ) : null}
          {search.result && search.result.groups.length === 0 ? (
            <p className="muted">Nothing matches “{search.resultText}”.</p>
          ) : null}
          <div
            role="listbox"
            id={LISTBOX_ID}
            aria-label="Search results"
            data-testid="search-results"
            data-result-text={search.resultText ?? ''}
            className="search-results"
          >
            {search.result?.groups.map((group) => {
              const name = highlightText(group.customerName);
              return (
                <div key={group.customerId} role="group" aria-label={name} className="search-group">
                  {[
                    { type: 'customer' as const, id: `search-customer-${group.customerId}` },
                    ...group.events.map((event) => ({ type: 'event' as const, id: `search-event-${event.id}`, event })),
                  ].map((entry) => {
                    const index = options.findIndex((option) => option.id === entry.id);
                    const isActive = active?.id === entry.id;
                    return (
                      <div
                        key={entry.id}
                        id={entry.id}
                        role="option"
                        aria-selected={isActive}
                        data-testid="search-result"
                        className={`search-option ${entry.type === 'customer' ? 'is-customer' : 'is-event'}${isActive ? ' is-active' : ''}`}
                        onMouseDown={(event) => event.preventDefault()}
                        onMouseMove={() => index !== activeIndex && setActiveIndex(() => index)}
                        onClick={() => openOption(options[index])}
                      >
                        {entry.type === 'customer' ? (
                          <>
                            <HealthBadge health={group.health} />
                            <span className="search-customer-name">
                              <Highlight segments={group.customerName} />
                            </span>
                            <code className="muted">{group.customerId}</code>
                          </>
                        ) : (
                          <>
                            <KindIcon kind={entry.event.kind} severity={entry.event.severity} />
                            <span className="search-event-text">
                              <span className="search-event-summary">
                                <Highlight segments={entry.event.summary} />
                              </span>
                              {entry.event.snippet.length > 0 ? (
                                <span className="search-snippet">
                                  <Highlight segments={entry.event.snippet} />
                                </span>
                              ) : null}
                            </span>
                            <span className="search-event-meta muted">
                              {kindLabel(entry.event.kind)} · {formatDateTime(entry.event.occurredAt)}
                            </span>
                          </>
                        )}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      ) : null}
    </div>
  );
}
