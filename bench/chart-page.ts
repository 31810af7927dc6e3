// The page side of bench:chart, bundled by bench/chart.ts with vite: the signal chart's own code
// (renderer/src/features/diagnosis) against a raw canvas polyline of the same points, timed to
// the first frame painted after each (requestAnimationFrame twice: the frame that shows it).
import type { SignalSeries } from '../shared/ipc/diagnosis-views';
import { toChartData } from '../renderer/src/features/diagnosis/chart-data';
import { drawSignalChart } from '../renderer/src/features/diagnosis/draw-signal-chart';

const HOUR = 3_600_000;
const WIDTH = 1000;
const HEIGHT = 160;

function syntheticSeries(points: number, seed: number): SignalSeries {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const fromMs = Date.UTC(2025, 0, 1);
  const buckets = Array.from({ length: points }, (_, index) => ({
    at: new Date(fromMs + index * HOUR).toISOString(),
    customer: random() < 0.2 ? Math.floor(random() * 20) : 0,
    fleet: random() < 0.4 ? Math.floor(random() * 60) : 0,
    fleetCustomers: Math.floor(random() * 5),
  }));
  const markers = Array.from({ length: 5 }, (_, index) => {
    const at = new Date(fromMs + Math.floor(points * (0.5 + index / 20)) * HOUR + 600_000).toISOString();
    return {
      eventId: `e${index}`,
      occurredAt: at,
      kind: 'flag_change',
      summary: `Flag ${index} turned on`,
      rank: index + 1,
      score: 80 - index,
    };
  });
  return {
    signal: {
      eventId: 's',
      customerId: 'c',
      kind: 'alert',
      summary: 'Alert',
      feature: null,
      occurredAt: buckets[0]!.at,
      signature: 'x',
    },
    from: buckets[0]!.at,
    to: new Date(fromMs + points * HOUR).toISOString(),
    bucketMs: HOUR,
    buckets,
    markers,
  };
}

const painted = () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

async function run(points: number, repeats: number) {
  const host = document.getElementById('host')!;
  const result = { series: [] as number[], seriesBaseline: [] as number[], paint: [] as number[], paintBaseline: [] as number[] };
  for (let round = 0; round < repeats; round += 1) {
    const series = syntheticSeries(points, round + 1);

    // Series: the chart's columns from the desk's answer, against plain arrays of the same numbers.
    let started = performance.now();
    const data = toChartData(series);
    result.series.push(performance.now() - started);
    started = performance.now();
    const raw = [
      series.buckets.map((bucket) => Date.parse(bucket.at) / 1000),
      series.buckets.map((bucket) => bucket.customer),
      series.buckets.map((bucket) => bucket.fleet),
    ];
    result.seriesBaseline.push(performance.now() - started);

    // First paint: the product (columns + uPlot + markers) against a raw polyline of both series and the marker lines.
    const chartBox = document.createElement('div');
    chartBox.style.width = `${WIDTH}px`;
    host.append(chartBox);
    started = performance.now();
    const chart = drawSignalChart(chartBox, toChartData(series), { onHover: () => {}, onSelect: () => {} }, WIDTH);
    await painted();
    result.paint.push(performance.now() - started);
    chart.destroy();
    chartBox.remove();

    started = performance.now();
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH * devicePixelRatio;
    canvas.height = HEIGHT * devicePixelRatio;
    host.append(canvas);
    const ctx = canvas.getContext('2d')!;
    const [xs, customer, fleet] = raw as [number[], number[], number[]];
    const first = xs[0]!;
    const span = xs[xs.length - 1]! - first || 1;
    const max = Math.max(1, ...customer, ...fleet);
    for (const values of [customer, fleet]) {
      ctx.beginPath();
      for (let index = 0; index < xs.length; index += 1) {
        const x = ((xs[index]! - first) / span) * canvas.width;
        const y = canvas.height - (values[index]! / max) * canvas.height;
        if (index === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
    for (const marker of data.markers) {
      const x = ((marker.x - first) / span) * canvas.width;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, canvas.height);
      ctx.stroke();
    }
    await painted();
    result.paintBaseline.push(performance.now() - started);
    canvas.remove();
  }
  return result;
}

(window as unknown as { lkChartBench: { run: typeof run } }).lkChartBench = { run };
