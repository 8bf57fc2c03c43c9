import uPlot from './vendor/uPlot.esm.js';
import { h } from './dom.js';

const COLOURS = ['#1f5fbf', '#b3261e', '#9a6200', '#1d7a3a', '#6a3fb5', '#00838f', '#5b6470', '#c2185b'];
const DAY_MS = 86_400_000;

/** The most days a chart plots (ten years): a longer range charts its last ones, the table has them all. */
export const CHART_MAX_DAYS = 3660;

/** Every UTC day from `from` to `to` (YYYY-MM-DD, inclusive), so days without activity plot as zero; of
 * a range longer than CHART_MAX_DAYS, the last ones (the newest figures are the ones looked for). */
export const daysBetween = (/** @type {string} */ from, /** @type {string} */ to) => {
  const last = Date.parse(`${to}T00:00:00Z`);
  const first = Math.max(Date.parse(`${from}T00:00:00Z`), last - (CHART_MAX_DAYS - 1) * DAY_MS);
  const days = [];
  for (let t = first; t <= last; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
};

/**
 * A line chart of amounts per UTC day, drawn by uPlot into a canvas. The table beside every chart
 * carries the same figures for screen readers and copying, so the canvas is labelled as an image.
 * @param {{ label: string, days: string[], series: { label: string, values: number[] }[], format: (value: number) => string }} spec
 */
export const dailyChart = ({ label, days, series, format }) => {
  const shown = days.length > 0 ? `, ${days[0]} to ${days.at(-1)}` : '';
  const element = h('div', {
    class: 'chart',
    role: 'img',
    'aria-label': `${label}${shown}`,
    'data-testid': 'chart',
  });
  // Ticks name the year once the days plotted span more than one.
  const withYear = (days[0] ?? '').slice(0, 4) !== (days.at(-1) ?? '').slice(0, 4);
  /** @type {uPlot | undefined} */
  let plot;
  const draw = () => {
    plot?.destroy();
    const width = Math.max(320, element.clientWidth || 800);
    plot = new uPlot(
      {
        width,
        height: 300,
        // Report days are UTC days: the axis says so rather than shifting them into the reader's zone.
        tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true } },
        axes: [
          {
            incrs: [1, 2, 7, 14, 28, 91, 182, 365, 730, 1826].map((n) => n * 86_400),
            values: (/** @type {uPlot} */ _u, /** @type {number[]} */ ticks) =>
              ticks.map((ts) => new Date(ts * 1000).toISOString().slice(withYear ? 0 : 5, 10)),
            size: withYear ? 60 : 50,
          },
          { values: (/** @type {uPlot} */ _u, /** @type {number[]} */ ticks) => ticks.map(format), size: 90 },
        ],
        series: [
          {
            label: 'Day (UTC)',
            value: (/** @type {uPlot} */ _u, /** @type {number | null} */ ts) =>
              ts === null ? '—' : new Date(ts * 1000).toISOString().slice(0, 10),
          },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            value: (/** @type {unknown} */ _u, /** @type {number | null} */ v) =>
              v === null ? '—' : format(v),
          })),
        ],
      },
      [days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), ...series.map((s) => s.values)],
      element,
    );
  };
  const resize = new ResizeObserver(() => {
    if (plot && Math.abs(plot.width - element.clientWidth) > 8)
      plot.setSize({ width: Math.max(320, element.clientWidth), height: 300 });
  });
  return {
    element,
    /** Draws once the element is in the page (uPlot measures it). */
    draw: () => {
      draw();
      resize.observe(element);
    },
  };
};
