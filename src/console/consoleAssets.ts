import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { packageRoot } from '../paths.js';

export type Asset = {
  readonly type: string;
  readonly identity: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
};

export type ConsoleAssets = {
  /** Hash of every asset: part of their URLs, so a new release never meets a stale cached module. */
  version: string;
  /** The page, with the versioned asset base written in. */
  index: Asset;
  /** By path below the versioned base, e.g. `main.js`, `pages/payments.js`, `vendor/uPlot.esm.js`. */
  files: ReadonlyMap<string, Asset>;
};

/** Plain files, no build step: the console's own modules sit in src/console/public (dist has no copy). */
export const publicDir = join(packageRoot, 'src', 'console', 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// uPlot is served from node_modules as shipped: an npm update is the only way it changes.
const uplotDist = () => dirname(createRequire(import.meta.url).resolve('uplot'));

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );

/** A value computed on first use and kept. */
const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

// Each encoding is compressed on its first request and kept: every request after it is a buffer write.
// Not at start: brotli at its best quality takes ~0.6 s of CPU for the whole console, which every
// server start (the web role's, each test's) would pay whether or not anyone opens the console.
const asset = (path: string, body: Buffer): Asset => {
  const br = once(() => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  const gzip = once(() => gzipSync(body, { level: 9 }));
  return {
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    identity: body,
    get br() {
      return br();
    },
    get gzip() {
      return gzip();
    },
  };
};

export const ASSET_BASE_MARKER = '%ASSET_BASE%';

export const loadConsoleAssets = (dir = publicDir): ConsoleAssets => {
  const sources = new Map<string, Buffer>();
  for (const file of listFiles(dir)) {
    if (!(extname(file) in TYPES)) continue;
    sources.set(relative(dir, file).split(sep).join('/'), readFileSync(file));
  }
  const vendor = uplotDist();
  sources.set('vendor/uPlot.esm.js', readFileSync(join(vendor, 'uPlot.esm.js')));
  sources.set('vendor/uPlot.min.css', readFileSync(join(vendor, 'uPlot.min.css')));
  const page = sources.get('index.html');
  if (!page) throw new Error(`the console has no index.html in ${dir}`);
  sources.delete('index.html');

  const hash = createHash('sha256');
  for (const [path, body] of [...sources].sort(([a], [b]) => a.localeCompare(b)))
    hash.update(path).update(body);
  hash.update(page);
  const version = hash.digest('hex').slice(0, 12);

  const index = page.toString('utf8').replaceAll(ASSET_BASE_MARKER, `/console/${version}`);
  return {
    version,
    index: asset('index.html', Buffer.from(index, 'utf8')),
    files: new Map([...sources].map(([path, body]) => [path, asset(path, body)])),
  };
};
