import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';

/** Debian's chromium (`apt-get install -y chromium`); CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const screenshotsDir = join(packageRoot, 'docs', 'screenshots');

export const chromiumAvailable = existsSync(chromiumPath);

/** `describe` for browser tests: skipped, saying why, only when there is no chromium to drive. */
export const describeInChromium = (name: string, tests: () => void): void => {
  if (chromiumAvailable) return describe(name, tests);
  console.warn(
    `skipped ${JSON.stringify(name)}: no chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
  describe.skip(name, tests);
};

// Root in a container has no user namespaces for chromium's sandbox.
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });

export type ConsolePage = {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
  /** Bytes the page received (encoded, as on the wire), by URL. */
  transferred: Map<string, number>;
};

/**
 * A fresh page in its own context (its own sessionStorage), in a zone other than UTC so the tests
 * see times converted, recording every problem the page reports.
 */
export const openConsolePage = async (
  browser: Browser,
  options: { timezoneId?: string } = {},
): Promise<ConsolePage> => {
  const context = await browser.newContext({
    locale: 'en-US',
    timezoneId: options.timezoneId ?? 'Asia/Tokyo',
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const transferred = new Map<string, number>();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console.${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfinished', async (request) => {
    const sizes = await request.sizes().catch(() => undefined);
    if (sizes)
      transferred.set(
        request.url(),
        (transferred.get(request.url()) ?? 0) + sizes.responseBodySize + sizes.responseHeadersSize,
      );
  });
  return { page, problems, transferred };
};

/**
 * A slow API on demand: the page's requests whose URL `matches` wait, unanswered, until `release()`
 * lets them through to the ledger. `held` lists what waited.
 */
export const holdRequests = async (page: Page, matches: (url: URL) => boolean) => {
  let open!: () => void;
  const released = new Promise<void>((resolve) => (open = resolve));
  const held: string[] = [];
  const passing: Promise<void>[] = [];
  const hold = (route: Route) => {
    held.push(route.request().url());
    const passed = released.then(() => route.continue());
    passing.push(passed);
    return passed;
  };
  await page.route(matches, hold);
  return {
    held,
    release: async () => {
      open();
      // Every held request goes on to the ledger before the route is taken away.
      await Promise.all(passing);
      await page.unroute(matches, hold);
    },
  };
};

/** Types the token into the field labelled "API token" and signs in. */
export const signIn = async (page: Page, url: string, token: string) => {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

export const screenshot = async (page: Page, name: string) => {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
};
