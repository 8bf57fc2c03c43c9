/** What every benchmark gets from `npm run bench -- [name...] [--flag=value...]`. */
export type BenchOptions = {
  /** Seconds each measured run lasts (`--duration`: 90, 90s, 30m, 1h; default 10, unless a benchmark
   * has its own default and `flags` has no `duration`). */
  durationSeconds: number;
  /** Every `--name=value` flag (a bare `--name` is "true"), for flags of one benchmark. */
  flags: ReadonlyMap<string, string>;
};

export type Benchmark = {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<void>;
};
