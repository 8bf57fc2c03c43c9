import { percentile } from './keepAliveLoad.js';

/** A value seen at `at` seconds into the run. */
export type Sample = { at: number; value: number };

/** After the warm-up, RSS's trend may rise this much over the run. */
export const RSS_FLAT_WITHIN = 0.1;
/** The last third's p99 may be this many times the first third's, plus DRIFT_NOISE_MS. */
export const P99_DRIFT_FACTOR = 1.5;
export const DRIFT_NOISE_MS = 10;

const round = (value: number) => Math.round(value * 10) / 10;

/** Mean of each whole minute's samples from `from` seconds on. */
const minuteMeans = (samples: Sample[], from: number): number[] => {
  const minutes = new Map<number, number[]>();
  for (const sample of samples) {
    if (sample.at < from) continue;
    const minute = Math.floor((sample.at - from) / 60);
    minutes.set(minute, [...(minutes.get(minute) ?? []), sample.value]);
  }
  return [...minutes.values()].map((values) => values.reduce((sum, value) => sum + value, 0) / values.length);
};

/** The rise of the least-squares line through `values` from the first to the last, over its first value. */
export const rssTrend = (values: readonly number[]): number => {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let covariance = 0;
  let variance = 0;
  values.forEach((value, x) => {
    covariance += (x - meanX) * (value - meanY);
    variance += (x - meanX) ** 2;
  });
  const slope = covariance / variance;
  const start = meanY - slope * meanX;
  return (slope * (n - 1)) / start;
};

/**
 * The soak's verdict, from what it recorded: `errors` must be 0; after `warmup` seconds, the trend of RSS
 * (minute means) rising by at most RSS_FLAT_WITHIN, and the p99 of webhooks and of queries in the last third of the
 * measured time within P99_DRIFT_FACTOR (plus noise) of the first third's.
 */
export const soakVerdict = (
  samples: { webhooks: Sample[]; queries: Sample[]; rss: Sample[]; heap?: Sample[] },
  warmup: number,
  errors: number,
): { passed: boolean; lines: string[] } => {
  const lines: string[] = [];
  let passed = true;
  const check = (ok: boolean, line: string) => {
    passed &&= ok;
    lines.push(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  };
  check(errors === 0, `errors: ${errors}`);

  // A leak is a trend, not a minute: the least-squares line through the minute means may rise by at most
  // RSS_FLAT_WITHIN of where it starts. Garbage collection makes single minutes swing both ways, and a
  // fall (memory handed back after the warm-up's work) is no leak.
  const rss = minuteMeans(samples.rss, warmup);
  const [low, high] = [Math.min(...rss), Math.max(...rss)];
  const trend = rssTrend(rss);
  check(
    rss.length > 0 && trend <= RSS_FLAT_WITHIN,
    `RSS after the warm-up ${round(low)}-${round(high)} MiB over ${rss.length} minutes; its trend ` +
      `${trend >= 0 ? '+' : ''}${round(100 * trend)} % over the run (at most +${100 * RSS_FLAT_WITHIN} %)`,
  );

  // Not judged (the issue asks for flat RSS), shown beside it: a rising heap is a leak, a flat heap under
  // rising RSS is memory the allocator kept.
  const heap = minuteMeans(samples.heap ?? [], warmup);
  if (heap.length > 1) {
    const heapTrend = rssTrend(heap);
    lines.push(
      `info V8 heap used after the warm-up ${round(Math.min(...heap))}-${round(Math.max(...heap))} MiB; ` +
        `its trend ${heapTrend >= 0 ? '+' : ''}${round(100 * heapTrend)} % over the run`,
    );
  }

  const end = Math.max(...samples.rss.map((sample) => sample.at), warmup);
  const third = (end - warmup) / 3;
  for (const [what, series] of [
    ['webhook', samples.webhooks],
    ['query', samples.queries],
  ] as const) {
    const within = (from: number, to: number) =>
      series.filter((sample) => sample.at >= from && sample.at < to).map((sample) => sample.value);
    const first = percentile(within(warmup, warmup + third), 99);
    const last = percentile(within(end - third, end + 1), 99);
    const limit = first * P99_DRIFT_FACTOR + DRIFT_NOISE_MS;
    check(
      Number.isFinite(first) && Number.isFinite(last) && last <= limit,
      `${what} p99 first third ${round(first)} ms, last third ${round(last)} ms (at most ${round(limit)} ms)`,
    );
  }
  return { passed, lines };
};
