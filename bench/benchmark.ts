/** What every benchmark gets from `npm run bench -- [name...] [--flag=value...]`. */
export type BenchOptions = {
  /** Seconds each measured run lasts (`--duration`, default 10). */
  durationSeconds: number;
  /** Every `--name=value` flag (a bare `--name` is "true"), for flags of one benchmark. */
  flags: ReadonlyMap<string, string>;
};

export type Benchmark = {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<void>;
};
