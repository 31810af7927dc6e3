import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { foldForWidth, type ChartData, type ChartMarker } from './chart-data';

/**
 * The signal chart's canvas (uPlot): this customer's and the rest of the fleet's events per
 * bucket, the suspect changes as vertical markers (the top suspect solid, the others dashed,
 * each numbered by rank). Hovering near a marker names it; a click on it selects the change.
 * Loaded on demand by SignalChart (uPlot reads matchMedia as it loads), and only where a
 * canvas can draw; the table beside it carries the same data for keyboards and screen readers.
 */
export type ChartHandlers = {
  onHover: (marker: ChartMarker | null) => void;
  onSelect: (marker: ChartMarker) => void;
};

export type DrawnChart = { setWidth(width: number): void; destroy(): void };

/** The colours of the current theme, from the page's CSS variables (light and dark). */
function themeColours(element: Element) {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--muted', '#545b66'),
    grid: read('--border', '#d5d9df'),
    customer: read('--bad', '#b3261e'),
    fleet: read('--accent', '#0b5cad'),
    marker: read('--warn', '#8a5a00'),
  };
}

const HOVER_PX = 6;
const HEIGHT = 160;

export function drawSignalChart(
  container: HTMLElement,
  data: ChartData,
  handlers: ChartHandlers,
  width = container.clientWidth || 320,
): DrawnChart {
  const colours = themeColours(container);
  let hovered: ChartMarker | null = null;
  const nearestMarker = (chart: uPlot, left: number): ChartMarker | null => {
    let best: ChartMarker | null = null;
    let bestDistance = HOVER_PX + 1;
    for (const marker of data.markers) {
      const distance = Math.abs(chart.valToPos(marker.x, 'x') - left);
      if (distance < bestDistance) {
        best = marker;
        bestDistance = distance;
      }
    }
    return best;
  };
  const axis = { stroke: colours.text, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 } };
  const options: uPlot.Options = {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, Math.max(1, max)] } },
    axes: [{ ...axis }, { ...axis, size: 36 }],
    series: [
      {},
      { label: 'This customer', stroke: colours.customer, width: 2, fill: `${colours.customer}22` },
      { label: 'Other customers', stroke: colours.fleet, width: 1.5, dash: [4, 3] },
    ],
    hooks: {
      draw: [
        (chart) => {
          const { ctx, bbox } = chart;
          ctx.save();
          ctx.strokeStyle = colours.marker;
          ctx.fillStyle = colours.marker;
          ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
          ctx.textAlign = 'center';
          for (const marker of data.markers) {
            const x = Math.round(chart.valToPos(marker.x, 'x', true));
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            ctx.lineWidth = (marker === hovered ? 3 : marker.rank === 1 ? 2 : 1) * uPlot.pxRatio;
            ctx.setLineDash(marker.rank === 1 ? [] : [3 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
            ctx.beginPath();
            ctx.moveTo(x, bbox.top + 12 * uPlot.pxRatio);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
            ctx.fillText(String(marker.rank), x, bbox.top + 10 * uPlot.pxRatio);
          }
          ctx.restore();
        },
      ],
      setCursor: [
        (chart) => {
          const left = chart.cursor.left ?? -1;
          const next = left < 0 ? null : nearestMarker(chart, left);
          if (next === hovered) return;
          hovered = next;
          chart.over.style.cursor = next ? 'pointer' : '';
          handlers.onHover(next);
          chart.redraw(false, false);
        },
      ],
    },
  };
  // One point per pixel column at most: what can be seen, at a fraction of the drawing (peaks kept).
  const drawn = foldForWidth(data, width * uPlot.pxRatio);
  const chart = new uPlot(options, [drawn.xs, drawn.customer, drawn.fleet], container);
  const onClick = () => {
    if (hovered) handlers.onSelect(hovered);
  };
  chart.over.addEventListener('click', onClick);
  return {
    setWidth(next) {
      if (next > 0 && next !== chart.width) chart.setSize({ width: next, height: HEIGHT });
    },
    destroy() {
      chart.over.removeEventListener('click', onClick);
      chart.destroy();
    },
  };
}
