import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { SignalSeries } from '../../../../shared/ipc/diagnosis-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import { toChartData, toTableRows, type ChartMarker } from './chart-data';
import type { DrawnChart, drawSignalChart as DrawSignalChart } from './draw-signal-chart';
import { useDeskAnswer } from './useDeskAnswer';

type Marker = SignalSeries['markers'][number];

/** Whether this page can draw the canvas chart (jsdom and some locked-down browsers cannot: no matchMedia or no 2d canvas). */
function canDrawCanvas(): boolean {
  if (typeof window.matchMedia !== 'function') return false;
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

/**
 * The signal chart under the likely cause (issue 12): the signal's events per hour (per day
 * beyond a week) on this customer and on the rest of the fleet, with the suspect changes as
 * numbered markers on the same time axis. The same numbers are always in a table (visually
 * hidden while the chart is drawn, shown with "Show as a table" or when no canvas can draw),
 * whose change buttons select the change on the timeline like a click on a marker.
 */
export function SignalChart({
  customerId,
  refreshKey,
  onSelectChange,
}: {
  customerId: string;
  refreshKey: string;
  onSelectChange: (marker: Marker) => void;
}) {
  const desk = useDesk();
  const captionId = useId();
  const { value, error, retry } = useDeskAnswer(`${customerId}\u0000${refreshKey}`, () =>
    desk.diagnosis.signalSeries({ customerId }),
  );
  const [isDrawable] = useState(canDrawCanvas);
  const [isTableShown, setTableShown] = useState(false);
  const [hovered, setHovered] = useState<ChartMarker | null>(null);
  const canvasRef = useRef<HTMLDivElement>(null);
  const selectRef = useRef(onSelectChange);
  useEffect(() => {
    selectRef.current = onSelectChange;
  }, [onSelectChange]);
  const rows = useMemo(() => (value ? toTableRows(value) : []), [value]);

  useEffect(() => {
    const container = canvasRef.current;
    if (!isDrawable || !container || !value || value.signal === null) return;
    let chart: DrawnChart | null = null;
    let isCurrent = true;
    const data = toChartData(value);
    const draw = (drawChart: typeof DrawSignalChart) => {
      chart?.destroy();
      chart = drawChart(container, data, {
        onHover: setHovered,
        onSelect: (marker) => selectRef.current(marker),
      });
    };
    let drawn: typeof DrawSignalChart | null = null;
    void import('./draw-signal-chart').then((loaded) => {
      if (!isCurrent) return;
      drawn = loaded.drawSignalChart;
      draw(loaded.drawSignalChart);
    });
    const resize = new ResizeObserver(() => chart?.setWidth(container.clientWidth));
    resize.observe(container);
    // The colours come from the theme's CSS variables: draw again when light/dark flips.
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const redraw = () => drawn && draw(drawn);
    scheme.addEventListener('change', redraw);
    return () => {
      isCurrent = false;
      resize.disconnect();
      scheme.removeEventListener('change', redraw);
      chart?.destroy();
      setHovered(null);
    };
  }, [isDrawable, value]);

  if (error) return <ErrorMessage compact title="Could not count the signal over time" error={error} onRetry={retry} />;
  if (!value || value.signal === null) return null;
  const unit = value.bucketMs >= 24 * 3_600_000 ? 'day' : 'hour';
  const isTableVisible = isTableShown || !isDrawable;
  const emptyBuckets = value.buckets.length - rows.length;
  return (
    <figure className="signal-chart" aria-labelledby={captionId}>
      <figcaption id={captionId} className="signal-chart-caption">
        {value.signal.summary}: events per {unit}, this customer and the other customers, with the suspect changes
      </figcaption>
      {isDrawable ? (
        <>
          <div className="signal-chart-legend" aria-hidden="true">
            <span className="signal-chart-key signal-chart-key-customer">This customer</span>
            <span className="signal-chart-key signal-chart-key-fleet">Other customers</span>
            <span className="signal-chart-key signal-chart-key-marker">Suspect change (1 = most likely)</span>
          </div>
          <div ref={canvasRef} className="signal-chart-canvas" aria-hidden="true" data-testid="signal-chart-canvas" />
          <p className="signal-chart-tip muted" aria-live="polite">
            {hovered ? (
              <>
                {hovered.rank}. {hovered.summary} · {formatDateTime(hovered.occurredAt)} — click to show it on the timeline
              </>
            ) : value.markers.length > 0 ? (
              'Point at a numbered line to see the change; click it to show it on the timeline.'
            ) : (
              'No suspect change in this period.'
            )}
          </p>
          <button
            type="button"
            className="link-button"
            aria-expanded={isTableShown}
            aria-controls={`${captionId}-table`}
            onClick={() => setTableShown((shown) => !shown)}
          >
            {isTableShown ? 'Hide the table' : 'Show as a table'}
          </button>
        </>
      ) : null}
      <div id={`${captionId}-table`} className={isTableVisible ? 'signal-chart-table' : 'visually-hidden'}>
        <table className="data-table">
          <caption>
            {value.signal.summary} per {unit} from {formatDateTime(value.from)} to {formatDateTime(value.to)}
            {emptyBuckets > 0 ? ` (${emptyBuckets} ${unit}s without events left out)` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">{unit === 'day' ? 'Day' : 'Hour'} starting</th>
              <th scope="col">This customer</th>
              <th scope="col">Other customers (events)</th>
              <th scope="col">Other customers hit</th>
              <th scope="col">Suspect changes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.at}>
                <th scope="row">
                  <time dateTime={row.at} title={timeTitle(row.at)}>
                    {formatDateTime(row.at)}
                  </time>
                </th>
                <td>{row.customer}</td>
                <td>{row.fleet}</td>
                <td>{row.fleetCustomers}</td>
                <td>
                  {row.markers.map((marker) => (
                    <button
                      key={marker.eventId}
                      type="button"
                      className="link-button signal-chart-marker"
                      tabIndex={isTableVisible ? undefined : -1}
                      aria-label={`Suspect ${marker.rank}: ${marker.summary}, ${formatDateTime(marker.occurredAt)}`}
                      onClick={() => onSelectChange(marker)}
                    >
                      {marker.rank}. {marker.summary}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
