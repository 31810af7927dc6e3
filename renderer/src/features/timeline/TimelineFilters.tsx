import { memo, useEffect, useId, useRef, useState } from 'react';
import { SEVERITIES, type Severity } from '../../../../shared/domain';
import type { CustomerDetail } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { kindLabel } from '../../components/Badges';
import { fromLocalInputValue, toLocalInputValue } from '../../lib/time';
import { useStore } from '../../store/store';
import { activeFilterCount, RANGE_PRESETS, type TimelineFilterState } from './timeline-model';

/** How long typing in the text filter waits before asking the desk. */
export const TEXT_FILTER_DELAY_MS = 250;

/**
 * A drop-down list of checkboxes for one facet (kind, feature, source). It
 * closes as a menu does (#15): on Escape (focus back on its button), on a click
 * or focus outside it, and when another facet menu opens.
 */
function FacetMenu({
  label,
  values,
  selected,
  format,
  onChange,
}: {
  label: string;
  values: readonly string[];
  selected: readonly string[];
  format: (value: string) => string;
  onChange: (next: string[]) => void;
}) {
  const [isOpen, setOpen] = useState(false);
  const menuRef = useRef<HTMLDetailsElement>(null);
  const headingId = useId();
  // Values selected earlier stay listed even if the facets no longer have them, so they can be cleared.
  const all = [...new Set([...values, ...selected])];

  useEffect(() => {
    if (!isOpen) return;
    const closeIfOutside = (event: Event) => {
      if (event.target instanceof Node && !menuRef.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', closeIfOutside);
    document.addEventListener('focusin', closeIfOutside);
    return () => {
      document.removeEventListener('pointerdown', closeIfOutside);
      document.removeEventListener('focusin', closeIfOutside);
    };
  }, [isOpen]);

  return (
    <details
      ref={menuRef}
      className="facet-menu"
      open={isOpen}
      onToggle={(event) => setOpen(event.currentTarget.open)}
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !isOpen) return;
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        menuRef.current?.querySelector('summary')?.focus();
      }}
    >
      <summary>
        {label}
        {selected.length > 0 ? ` (${selected.length})` : ''}
      </summary>
      <div className="facet-menu-panel" role="group" aria-labelledby={headingId}>
        <p id={headingId} className="facet-menu-heading">
          {label}
        </p>
        {all.length === 0 ? <p className="muted">None in this history.</p> : null}
        {all.map((value) => (
          <label key={value} className="check">
            <input
              type="checkbox"
              checked={selected.includes(value)}
              onChange={(event) =>
                onChange(event.target.checked ? [...selected, value] : selected.filter((item) => item !== value))
              }
            />
            {format(value)}
          </label>
        ))}
      </div>
    </details>
  );
}

/** The timeline's filter bar: kind, severity, feature, source, text, time range, changes only, order, jump to date. */
/** Memoized: the timeline's status line changes with every page loaded, the filter bar does not. */
export const TimelineFilters = memo(function TimelineFilters({ facets }: { facets: CustomerDetail['facets'] | null }) {
  const desk = useDesk();
  const filters = useStore((state) => state.timeline.filters);
  const order = useStore((state) => state.timeline.order);
  const setFilters = useStore((state) => state.setTimelineFilters);
  const resetFilters = useStore((state) => state.resetTimelineFilters);
  const setOrder = useStore((state) => state.setTimelineOrder);
  const jumpToDate = useStore((state) => state.jumpToDate);
  // What is typed, and the committed text it was typed over: a reset elsewhere (Clear filters) wins over a stale draft.
  const [draft, setDraft] = useState({ base: filters.text, value: filters.text });
  const text = draft.base === filters.text ? draft.value : filters.text;
  const setText = (value: string) => setDraft({ base: filters.text, value });
  const [jumpDay, setJumpDay] = useState('');
  const [customFrom, setCustomFrom] = useState(filters.customFrom ? toLocalInputValue(filters.customFrom) : '');
  const [customTo, setCustomTo] = useState(filters.customTo ? toLocalInputValue(filters.customTo) : '');
  const [rangeError, setRangeError] = useState<string | null>(null);
  const rangeName = useId();

  useEffect(() => {
    if (text === filters.text) return;
    const timer = window.setTimeout(() => void setFilters(desk, { text }), TEXT_FILTER_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, filters.text, desk, setFilters]);

  const change = (patch: Partial<TimelineFilterState>) => void setFilters(desk, patch);
  const count = activeFilterCount(filters);

  const applyCustomRange = () => {
    const from = fromLocalInputValue(customFrom);
    const to = fromLocalInputValue(customTo);
    if (!from && !to) {
      setRangeError('Enter a start, an end, or both.');
      return;
    }
    if (from && to && from > to) {
      setRangeError('The start must be before the end.');
      return;
    }
    setRangeError(null);
    change({ range: 'custom', customFrom: from, customTo: to });
  };

  return (
    <div className="timeline-filters" role="group" aria-label="Timeline filters">
      <div className="filter-row">
        <label className="field">
          <span className="visually-hidden">Text</span>
          <input
            type="search"
            aria-label="Filter timeline text"
            value={text}
            placeholder="Words in summary or body"
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        <FacetMenu
          label="Kind"
          values={facets?.kinds ?? []}
          selected={filters.kinds}
          format={kindLabel}
          onChange={(kinds) => change({ kinds })}
        />
        <FacetMenu
          label="Feature"
          values={facets?.features ?? []}
          selected={filters.features}
          format={(value) => value}
          onChange={(features) => change({ features })}
        />
        <FacetMenu
          label="Source"
          values={facets?.sources ?? []}
          selected={filters.sources}
          format={(value) => value}
          onChange={(sources) => change({ sources })}
        />
        <fieldset className="chip-group">
          <legend>Severity</legend>
          {SEVERITIES.map((severity: Severity) => (
            <label key={severity} className={`chip sev-chip sev-${severity}`}>
              <input
                type="checkbox"
                checked={filters.severities.includes(severity)}
                onChange={(event) =>
                  change({
                    severities: event.target.checked
                      ? [...filters.severities, severity]
                      : filters.severities.filter((value) => value !== severity),
                  })
                }
              />
              {severity}
            </label>
          ))}
        </fieldset>
        <label className="check changes-only">
          <input
            type="checkbox"
            checked={filters.changesOnly}
            onChange={(event) => change({ changesOnly: event.target.checked })}
          />
          Changes only
        </label>
      </div>
      <div className="filter-row">
        <fieldset className="chip-group">
          <legend>Time range</legend>
          {RANGE_PRESETS.map((preset) => (
            <label key={preset.value} className="chip">
              <input
                type="radio"
                name={rangeName}
                value={preset.value}
                checked={filters.range === preset.value}
                onChange={() => {
                  if (preset.value === 'custom')
                    change({
                      range: 'custom',
                      customFrom: fromLocalInputValue(customFrom),
                      customTo: fromLocalInputValue(customTo),
                    });
                  else change({ range: preset.value });
                }}
              />
              {preset.label}
            </label>
          ))}
        </fieldset>
        {filters.range === 'custom' ? (
          <form
            className="custom-range"
            aria-label="Custom time range"
            onSubmit={(event) => {
              event.preventDefault();
              applyCustomRange();
            }}
          >
            <label className="field">
              <span>From</span>
              <input type="datetime-local" value={customFrom} onChange={(event) => setCustomFrom(event.target.value)} />
            </label>
            <label className="field">
              <span>To</span>
              <input type="datetime-local" value={customTo} onChange={(event) => setCustomTo(event.target.value)} />
            </label>
            <button type="submit">Apply range</button>
            {rangeError ? (
              <p role="alert" className="field-error">
                {rangeError}
              </p>
            ) : null}
          </form>
        ) : null}
        <form
          className="jump"
          aria-label="Jump to a date"
          onSubmit={(event) => {
            event.preventDefault();
            const at = fromLocalInputValue(jumpDay);
            if (at) void jumpToDate(desk, at);
          }}
        >
          <label className="field">
            <span className="visually-hidden">Jump to date</span>
            <input type="date" value={jumpDay} onChange={(event) => setJumpDay(event.target.value)} />
          </label>
          <button type="submit" disabled={jumpDay === ''}>
            Jump
          </button>
        </form>
        <label className="field">
          <span className="visually-hidden">Order</span>
          <select value={order} onChange={(event) => void setOrder(desk, event.target.value === 'asc' ? 'asc' : 'desc')}>
            <option value="desc">Newest first</option>
            <option value="asc">Oldest first</option>
          </select>
        </label>
        {count > 0 ? (
          <button type="button" onClick={() => void resetFilters(desk)}>
            Clear filters ({count})
          </button>
        ) : null}
      </div>
    </div>
  );
});
