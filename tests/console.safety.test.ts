import type { Browser } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../src/console/securityHeaders.js';
import { consoleLedger, HOSTILE, HOSTILE_FAILED, type ConsoleLedger } from './support/consoleLedger.js';
import {
  chromiumAvailable,
  describeInChromium,
  launchChromium,
  openConsolePage,
  signIn,
} from './support/consoleBrowser.js';
import { IMG, SCRIPT } from './support/paymentLife.js';
import { get, TOKEN } from './support/queryApi.js';
import { waitFor } from './support/waitFor.js';

let ledger: ConsoleLedger;
let browser: Browser;

beforeAll(async () => {
  ledger = await consoleLedger({ seed: 47, payments: 10 });
  // The HTTP tests below need no browser.
  if (chromiumAvailable) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ledger?.close();
});

const pwned = "typeof window.__pwned === 'undefined' ? null : String(window.__pwned)";

describeInChromium('finance console: tokens', () => {
  it('refuses a wrong token with a message, keeps nothing, and shows no data', async () => {
    const { page, problems } = await openConsolePage(browser);
    await signIn(page, ledger.url, 'not-the-token');
    await page.getByRole('alert').filter({ hasText: 'The API token was refused' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('the bearer token is not valid');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.getByLabel('API token').isVisible()).toBe(true);
    expect(await page.getByRole('navigation', { name: 'Console' }).isVisible()).toBe(false);
    expect(await page.locator('table').count()).toBe(0);
    // The browser itself reports the refused request; nothing else may appear.
    expect(problems.filter((problem) => !problem.includes('status of 401'))).toEqual([]);
    await page.context().close();
  });

  it('never puts the token in a URL: every request carries it in the Authorization header only', async () => {
    const { page } = await openConsolePage(browser);
    const urls: string[] = [];
    const authorised: string[] = [];
    page.on('request', (request) => {
      urls.push(request.url());
      if (request.headers().authorization === `Bearer ${TOKEN}`) authorised.push(request.url());
    });
    await signIn(page, ledger.url, TOKEN);
    await page.locator('[data-testid="payments"] tbody tr').first().waitFor();
    expect(urls.filter((url) => url.includes(TOKEN))).toEqual([]);
    expect(authorised.some((url) => url.includes('/api/payments'))).toBe(true);
    expect(authorised.every((url) => url.startsWith(`${ledger.url}/api/`))).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });
});

describeInChromium('finance console: Stripe text is text', () => {
  it('shows <script> and "><img onerror> in reasons, order ids and failure messages as text, running none of it', async () => {
    const { page, problems } = await openConsolePage(browser);
    await signIn(page, ledger.url, TOKEN);
    await page.locator('[data-testid="payments"] tbody tr').first().waitFor();
    await page.getByLabel('Customer id').fill(HOSTILE.customer);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => (await page.locator('[data-testid="payments"] tbody tr').count()) === 2, {
      what: "the hostile customer's two payments",
    });
    const hostileRows = page.locator('[data-testid="payments"] tbody tr').filter({ hasText: 'order"><img' });
    await expect(hostileRows.count()).resolves.toBe(1);

    await page.goto(`${ledger.url}/#/payments/${HOSTILE.pi}`);
    await page.getByRole('heading', { name: `Payment ${HOSTILE.pi}` }).waitFor();
    expect(await page.locator('[data-testid="refunds"] tbody td').allTextContents()).toEqual(
      expect.arrayContaining([IMG, SCRIPT]),
    );
    expect(await page.locator('[data-testid="disputes"] tbody td').allTextContents()).toContain(SCRIPT);
    expect(await page.getByRole('link', { name: `order${IMG}` }).count()).toBe(1);

    await page.goto(`${ledger.url}/#/payments/${HOSTILE_FAILED.pi}`);
    await page.getByRole('heading', { name: `Payment ${HOSTILE_FAILED.pi}` }).waitFor();
    expect(await page.getByTestId('failure').textContent()).toBe(`card_declined: ${IMG} ${SCRIPT}`);

    // Following the hostile order id filters by it: an order id is the shop's text, found as stored,
    // and shown as text.
    await page.getByRole('link', { name: `order${SCRIPT}` }).click();
    await waitFor(
      async () => (await page.locator('[data-testid="payments"] tbody tr').allTextContents()).join() !== '',
      { what: "the hostile order's payments" },
    );
    expect(await page.getByLabel('Order id').inputValue()).toBe(`order${SCRIPT}`);
    const orderRows = await page.locator('[data-testid="payments"] tbody tr').allTextContents();
    expect(orderRows.length).toBeGreaterThan(0);
    expect(orderRows.every((row) => row.includes(`order${SCRIPT}`))).toBe(true);

    expect(await page.evaluate(pwned)).toBeNull();
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows a failed event payload carrying hostile metadata and descriptions as text on Operations', async () => {
    await ledger.breakAuditProjection();
    await waitFor(
      async () => (await get(ledger.url, '/api/webhooks/events?failed=true')).body.data.length === 1,
      {
        what: 'the poison event to be recorded as failed',
      },
    );
    const { page, problems } = await openConsolePage(browser);
    await signIn(page, ledger.url, TOKEN);
    await page.getByRole('link', { name: 'Operations' }).click();
    const payload = page.locator('[data-testid="failed-events"] pre');
    await payload.waitFor({ state: 'attached' });
    await page.locator('[data-testid="failed-events"] summary').click();
    const text = await payload.textContent();
    expect(JSON.parse(text!)).toMatchObject({
      object: { description: `${SCRIPT} ${IMG}`, metadata: { note: IMG } },
    });
    expect(await page.evaluate(pwned)).toBeNull();
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('finance console: HTTP', () => {
  it('serves the page with a Content-Security-Policy that allows no inline script, revalidated on every visit', async () => {
    const page = await fetch(`${ledger.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/[0-9a-f]{12}\/main\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const again = await fetch(`${ledger.url}/`, { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves versioned modules compressed and cached for a year, and no module of another version', async () => {
    const html = await (await fetch(`${ledger.url}/`)).text();
    const base = /src="(\/console\/[0-9a-f]{12})\/main\.js"/.exec(html)![1]!;
    for (const path of ['main.js', 'pages/payments.js', 'vendor/uPlot.esm.js', 'console.css']) {
      const answer = await fetch(`${ledger.url}${base}/${path}`, {
        headers: { 'accept-encoding': 'br, gzip' },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(answer.headers.get('content-encoding')).toBe('br');
      expect(answer.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    const plain = await fetch(`${ledger.url}${base}/main.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${ledger.url}/console/000000000000/main.js`)).status).toBe(404);
    expect((await fetch(`${ledger.url}${base}/../../package.json`)).status).toBe(404);
    expect((await fetch(`${ledger.url}${base}/nothing.js`)).status).toBe(404);
  });
});
