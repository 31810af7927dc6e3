import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchOutput } from '../../../../shared/ipc/views';
import { routeToHash } from '../../../../shared/routes';
import { useDesk } from '../../api/DeskContext';
import { listMoveOf, matchesShortcut } from '../../app/shortcuts';
import { navigate } from '../../app/useHashRoute';
import { HealthBadge, KindIcon, kindLabel } from '../../components/Badges';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Highlight, highlightText } from '../../components/Highlight';
import { formatDateTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { openEvent } from '../timeline/open-event';
import './search.css';
import { countOf } from '../../lib/plural';

type Option =
  | { type: 'customer'; id: string; customerId: string }
  | { type: 'event'; id: string; customerId: string; eventId: string; occurredAt: string };

const LISTBOX_ID = 'search-results';
/** Options rendered with an answer at once: more than the popover shows. */
const FIRST_OPTIONS = 24;

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
 * The answer's options, grouped by customer. Memoized on the answer: typing
 * re-renders the box on every keystroke, but this list only when an answer (or
 * the active option) changes.
 */
const SearchResults = memo(function SearchResults({
  result,
  resultText,
  options,
  activeId,
  onActivate,
  onOpen,
  onKeyDown,
}: {
  result: SearchOutput | null;
  resultText: string;
  options: readonly Option[];
  activeId: string | null;
  onActivate: (index: number) => void;
  onOpen: (index: number) => void;
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>) => void;
}) {
  // Its times follow the chosen zone.
  useStore((state) => state.timeZone);
  const indexes = useMemo(() => new Map(options.map((option, index) => [option.id, index])), [options]);
  // The first screenful is rendered with the answer; the rest one frame later, once that is painted.
  const [completed, setCompleted] = useState<SearchOutput | null>(null);
  const isComplete = completed === result || options.length <= FIRST_OPTIONS;
  useEffect(() => {
    if (isComplete) return;
    let timer = 0;
    const frame = window.requestAnimationFrame(() => {
      timer = window.setTimeout(() => setCompleted(result), 0);
    });
    return () => {
      window.cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    };
  }, [isComplete, result]);
  let budget = isComplete ? Number.POSITIVE_INFINITY : FIRST_OPTIONS;
  return (
    <div
      role="listbox"
      id={LISTBOX_ID}
      aria-label="Search results"
      // Tab from the box lands here; the list keys then move through the results (#15).
      tabIndex={0}
      aria-activedescendant={activeId ?? undefined}
      onKeyDown={onKeyDown}
      data-testid="search-results"
      data-result-text={resultText}
      className="search-results"
    >
      {result?.groups.map((group) => {
        if (budget <= 0) return null;
        const events = group.events.slice(0, Math.max(budget - 1, 0));
        budget -= 1 + events.length;
        const name = highlightText(group.customerName);
        const customerOption = `search-customer-${group.customerId}`;
        const optionProps = (id: string, type: Option['type']) => {
          const index = indexes.get(id) ?? -1;
          const isActive = activeId === id;
          return {
            id,
            role: 'option',
            'aria-selected': isActive,
            'data-testid': 'search-result',
            className: `search-option ${type === 'customer' ? 'is-customer' : 'is-event'}${isActive ? ' is-active' : ''}`,
            onMouseDown: (event: { preventDefault(): void }) => event.preventDefault(),
            onMouseMove: () => {
              if (!isActive) onActivate(index);
            },
            onClick: () => onOpen(index),
          } as const;
        };
        return (
          <div key={group.customerId} role="group" aria-label={name} className="search-group">
            <div key={customerOption} {...optionProps(customerOption, 'customer')}>
              <HealthBadge health={group.health} />
              <span className="search-customer-name">
                <Highlight segments={group.customerName} />
              </span>
              <code className="muted">{group.customerId}</code>
            </div>
            {events.map((event) => {
              const id = `search-event-${event.id}`;
              return (
                <div key={id} {...optionProps(id, 'event')}>
                  <KindIcon kind={event.kind} severity={event.severity} />
                  <span className="search-event-text">
                    <span className="search-event-summary">
                      <Highlight segments={event.summary} />
                    </span>
                    {event.snippet.length > 0 ? (
                      <span className="search-snippet">
                        <Highlight segments={event.snippet} />
                      </span>
                    ) : null}
                  </span>
                  <span className="search-event-meta muted">{`${kindLabel(event.kind)} · ${formatDateTime(event.occurredAt)}`}</span>
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
});

/**
 * The one search box in the header: customers and events, full text, offline.
 * A combobox over a listbox of results grouped by customer; Enter opens.
 */
export function SearchBox() {
  const desk = useDesk();
  const text = useStore((state) => state.search.text);
  const resultText = useStore((state) => state.search.resultText);
  const result = useStore((state) => state.search.result);
  const error = useStore((state) => state.search.error);
  const status = useStore((state) => state.search.status);
  const isOpen = useStore((state) => state.search.isOpen);
  const focusRequest = useStore((state) => state.search.focusRequest);
  const setText = useStore((state) => state.setSearchText);
  const setOpen = useStore((state) => state.setSearchOpen);
  const inputRef = useRef<HTMLInputElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  // The active option belongs to one answer: a new answer starts again at its first result.
  const [cursor, setCursor] = useState<{ result: SearchOutput | null; index: number }>({ result: null, index: 0 });
  const activeIndex = cursor.result === result ? cursor.index : 0;
  const options = useMemo(() => optionsOf(result), [result]);

  useEffect(() => {
    if (focusRequest === 0) return;
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [focusRequest]);

  const hasText = text.trim() !== '';
  const isExpanded = isOpen && hasText;
  const active = options[Math.min(activeIndex, options.length - 1)];

  // Opening a result, or going anywhere else, leaves an empty box behind: the old query answered the old page (#15, item 13).
  // Compared as addresses: the same page set again (a hash event, a link to it) is not going elsewhere.
  const address = useStore((state) => routeToHash(state.route));
  const shownAddress = useRef(address);
  useEffect(() => {
    if (shownAddress.current === address) return;
    shownAddress.current = address;
    setOpen(false);
    setText(desk, '');
  }, [address, desk, setOpen, setText]);

  // An answer given while customers were still being indexed is asked again as their indexing finishes (issue 13).
  const cacheChange = useStore((state) => state.cacheChange);
  const isIndexing = result?.indexing != null;
  useEffect(() => {
    if (cacheChange.searchIndexed && isIndexing && resultText.trim() !== '') setText(desk, resultText);
  }, [cacheChange, isIndexing, resultText, desk, setText]);

  const openOption = useCallback(
    (option: Option | undefined) => {
      if (!option) return;
      setOpen(false);
      setText(desk, '');
      if (option.type === 'customer') navigate({ view: 'customer', customerId: option.customerId });
      else openEvent(desk, { customerId: option.customerId, eventId: option.eventId, occurredAt: option.occurredAt });
    },
    [desk, setOpen, setText],
  );
  const activate = useCallback((index: number) => setCursor({ result, index }), [result]);
  const openAt = useCallback((index: number) => openOption(options[index]), [openOption, options]);

  // The active option stays in view as the keys move it.
  const activeOptionId = isExpanded ? (active?.id ?? null) : null;
  useEffect(() => {
    if (activeOptionId) document.getElementById(activeOptionId)?.scrollIntoView?.({ block: 'nearest' });
  }, [activeOptionId]);

  // On the focused results list: j/k (or the arrows), pages and ends move, Enter opens, Esc goes back to the box.
  const onResultsKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (event.target !== event.currentTarget || options.length === 0) return;
      if (matchesShortcut(event, 'list-open')) {
        event.preventDefault();
        openOption(options[Math.min(activeIndex, options.length - 1)]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        inputRef.current?.focus();
        return;
      }
      const delta = listMoveOf(event, 5);
      if (delta === null) return;
      event.preventDefault();
      event.stopPropagation();
      setCursor({ result, index: Math.min(Math.max(activeIndex + delta, 0), options.length - 1) });
    },
    [options, activeIndex, openOption, result],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      if (options.length > 0)
        setCursor({ result, index: (activeIndex + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length });
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

  const eventCount = result ? result.groups.reduce((sum, group) => sum + group.events.length, 0) : 0;

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
        value={text}
        onChange={(event) => setText(desk, event.target.value)}
        onFocus={() => hasText && setOpen(true)}
        onKeyDown={onKeyDown}
      />
      {isExpanded ? (
        <div className="search-popover" role="region" aria-label="Search results panel">
          <p className="search-status muted" aria-live="polite">
            {status === 'loading' && !result
              ? 'Searching…'
              : result
                ? `${countOf(result.groups.length, 'customer', 'customers')} · ${countOf(eventCount, 'event', 'events')}`
                : ''}
          </p>
          {result?.indexing ? (
            <p className="search-indexing" role="note">
              Still indexing {countOf(result.indexing.customers, 'customer', 'customers')} (
              {countOf(result.indexing.events, 'event', 'events')}) for search — results may be incomplete. Their timelines
              already hold every synced event.
            </p>
          ) : null}
          {error ? <ErrorMessage compact title="Search failed" error={error} onRetry={() => setText(desk, text)} /> : null}
          {result && result.groups.length === 0 ? <p className="muted">Nothing matches “{resultText}”.</p> : null}
          <SearchResults
            result={result}
            resultText={resultText}
            options={options}
            activeId={active?.id ?? null}
            onActivate={activate}
            onOpen={openAt}
            onKeyDown={onResultsKeyDown}
          />
        </div>
      ) : null}
    </div>
  );
}
