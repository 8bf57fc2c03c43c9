import { readFileSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import {
  AUDIT,
  consoleLedger,
  FAILED_PAYOUT,
  MANUAL_PAYOUT,
  YEN,
  type ConsoleLedger,
} from './support/consoleLedger.js';
import {
  describeInChromium,
  holdRequests,
  launchChromium,
  openConsolePage,
  screenshot,
  signIn,
  type ConsolePage,
} from './support/consoleBrowser.js';
import { IMG } from './support/paymentLife.js';
import { get, parseCsv, TOKEN, waitForProjections, type Row } from './support/queryApi.js';
import { DAY, declinedThenPaid, lifecycle } from './support/lifecycleWebhooks.js';
import { postWebhook } from './support/stripeEvents.js';
import { projections } from '../projections/index.js';
import { waitFor } from './support/waitFor.js';
import { REBUILD_LEASE } from '../src/projector/rebuildRecord.js';

let ledger: ConsoleLedger;
let browser: Browser;
let session: ConsolePage;
let page: Page;

const money = (amount: number, currency: string, digits = 2) =>
  new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amount / 10 ** digits);

const MANUAL_UNLISTED = "Stripe does not list a manual payout's transactions";

const day = (unix: unknown) => new Date(Number(unix) * 1000).toISOString().slice(0, 10);
const cells = (row: string) => page.locator(`[data-testid="${row}"] tbody tr`);
const firstColumn = async (testid: string) =>
  (await page.locator(`[data-testid="${testid}"] tbody tr td:first-child`).allTextContents()).map((text) =>
    text.trim(),
  );

beforeAll(async () => {
  ledger = await consoleLedger({ seed: 31, payments: 120 });
  browser = await launchChromium();
  session = await openConsolePage(browser);
  page = session.page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await ledger?.close();
});

describeInChromium('finance console pages', () => {
  it('signs in with the token typed into "API token", keeps it out of the URL, and draws the newest payments', async () => {
    await signIn(page, ledger.url, TOKEN);
    const api = await get(ledger.url, '/api/payments?limit=50');
    await waitFor(async () => (await cells('payments').count()) === 50, { what: 'the payments table' });
    expect(await firstColumn('payments')).toEqual(api.body.data.map((row) => row.payment_id));
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate("sessionStorage.getItem('stripe-ledger.api-token')")).toBe(TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    for (const name of ['Payments', 'Disputes', 'Reports', 'Payouts', 'Operations'])
      await expect(
        page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).count(),
      ).resolves.toBe(1);
    await screenshot(page, 'payments');
  });

  it('filters payments by status, currency and mode, as GET /api/payments does', async () => {
    await page.getByLabel('Payment status').selectOption('refunded');
    await page.getByLabel('Currency').fill('eur');
    await page.getByLabel('Mode').selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const api = await get(
      ledger.url,
      '/api/payments?payment_status=refunded&currency=eur&livemode=false&limit=50',
    );
    expect(api.body.data.length).toBeGreaterThan(0);
    await waitFor(
      async () => (await firstColumn('payments')).join() === api.body.data.map((r) => r.payment_id).join(),
      {
        what: 'the filtered table',
      },
    );
    for (const row of await cells('payments').all()) {
      await expect(row.locator('td').nth(5).textContent()).resolves.toBe('refunded');
      await expect(row.locator('td').nth(9).textContent()).resolves.toBe('test');
    }
  });

  it('pages with next_cursor and comes back with Previous page', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    // Clear draws the page afresh, form included: choose the page size only on the new form, or the
    // choice is made on the old one and lost (this raced on a busy machine).
    const unfiltered = await get(ledger.url, '/api/payments?limit=50');
    await waitFor(
      async () =>
        (await firstColumn('payments')).join() === unfiltered.body.data.map((row) => row.payment_id).join(),
      { what: 'the cleared table' },
    );
    await page.getByLabel('Rows per page').selectOption('25');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const first = await get(ledger.url, '/api/payments?limit=25');
    const second = await get(ledger.url, `/api/payments?limit=25&cursor=${first.body.next_cursor}`);
    const ids = (answer: typeof first) => answer.body.data.map((row) => row.payment_id).join();
    await waitFor(async () => (await firstColumn('payments')).join() === ids(first), { what: 'page 1' });
    await page.getByRole('button', { name: 'Next page' }).click();
    await waitFor(async () => (await firstColumn('payments')).join() === ids(second), { what: 'page 2' });
    await expect(page.getByText('Page 2 ·').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await waitFor(async () => (await firstColumn('payments')).join() === ids(first), {
      what: 'page 1 again',
    });
  });

  it("keeps each page's number when the browser goes Back and Forward through the pages", async () => {
    const pages = [await get(ledger.url, '/api/payments?limit=25')];
    for (let n = 1; n < 3; n += 1)
      pages.push(await get(ledger.url, `/api/payments?limit=25&cursor=${pages[n - 1]!.body.next_cursor}`));
    const shows = (n: number) =>
      waitFor(
        async () =>
          (await firstColumn('payments')).join() ===
            pages[n - 1]!.body.data.map((row) => row.payment_id).join() &&
          ((await page.locator('.pager span').textContent()) ?? '').startsWith(`Page ${n} ·`),
        { what: `page ${n}, numbered ${n}` },
      );
    await shows(1);
    await page.getByRole('button', { name: 'Next page' }).click();
    await shows(2);
    await page.getByRole('button', { name: 'Next page' }).click();
    await shows(3);
    for (const [move, n] of [
      [() => page.goBack(), 2],
      [() => page.goBack(), 1],
      [() => page.goForward(), 2],
      [() => page.goForward(), 3],
    ] as const) {
      await move();
      await shows(n);
    }
  });

  it('says "Loading…" over the old rows from the moment filters are applied until the API answers', async () => {
    const slow = await holdRequests(page, (url) => url.pathname === '/api/payments');
    try {
      await page.getByLabel('Payment status').selectOption('paid');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
      await waitFor(() => slow.held.length > 0, { what: 'the filtered request to be sent' });
      expect(await page.locator('main').getAttribute('aria-busy')).toBe('true');
    } finally {
      await slow.release();
    }
    const paid = await get(ledger.url, '/api/payments?payment_status=paid&limit=25');
    await waitFor(
      async () =>
        (await firstColumn('payments')).join() === paid.body.data.map((row) => row.payment_id).join(),
      { what: 'the paid payments' },
    );
    expect(await page.getByText('Loading…').count()).toBe(0);
    expect(await page.locator('main').getAttribute('aria-busy')).toBeNull();
  });

  it('opens a payment: amounts in major units, its status history as a timeline, refunds and disputes', async () => {
    const { rows } = await ledger.database.db.query<{ payment_id: string }>(
      `SELECT payment_id FROM ledger.payments p
        WHERE EXISTS (SELECT 1 FROM ledger.refunds r WHERE r.payment_id = p.payment_id)
          AND EXISTS (SELECT 1 FROM ledger.disputes d WHERE d.payment_id = p.payment_id)
        ORDER BY payment_id LIMIT 1`,
    );
    const id = rows[0]!.payment_id;
    const payment = (await get(ledger.url, `/api/payments/${id}`)).body;
    await page.getByLabel('Payment id').fill(id);
    await page.getByRole('button', { name: 'Open payment' }).click();
    await page.getByRole('heading', { name: `Payment ${id}` }).waitFor();
    const currency = String(payment.currency);
    await expect(page.locator('.cards').textContent()).resolves.toContain(
      money(Number(payment.amount), currency),
    );
    const history = payment.history as unknown as Row[];
    const steps = page.locator('[data-testid="timeline"] li');
    await expect(steps.count()).resolves.toBe(history.length);
    for (const [index, event] of history.entries()) {
      const step = steps.nth(index);
      await expect(step.textContent()).resolves.toContain(String(event.event_type));
      // In the reader's zone (Tokyo here), with the UTC time on hover.
      const when = step.locator('time');
      await expect(when.getAttribute('title')).resolves.toBe(
        `${new Date(String(event.occurred_at))
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, '')} UTC`,
      );
      await expect(when.textContent()).resolves.toContain('GMT+9');
    }
    await expect(firstColumn('refunds')).resolves.toEqual(
      (payment.refunds as unknown as Row[]).map((r) => r.refund_id),
    );
    await expect(firstColumn('disputes')).resolves.toEqual(
      (payment.disputes as unknown as Row[]).map((d) => d.dispute_id),
    );
    await screenshot(page, 'payment');
  });

  it('opens the payment a charge id belongs to when the search is given a ch_ id', async () => {
    const { rows } = await ledger.database.db.query<{ payment_id: string; latest_charge_id: string }>(
      `SELECT payment_id, latest_charge_id FROM ledger.payments
        WHERE payment_id LIKE 'pi\\_%' AND latest_charge_id LIKE 'ch\\_%' ORDER BY payment_id LIMIT 1`,
    );
    const { payment_id: id, latest_charge_id: charge } = rows[0]!;
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByLabel('Payment id').fill(charge);
    await page.getByRole('button', { name: 'Open payment' }).click();
    await page.getByRole('heading', { name: `Payment ${id}` }).waitFor();
    await expect(page.getByText(`Found by its charge ${charge}`).count()).resolves.toBe(1);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/payments/${id}?charge=${charge}`);
  });

  it('opens the payment of an earlier charge too (a declined attempt), and names its latest charge', async () => {
    const hooks = declinedThenPaid('console_retry');
    for (const hook of hooks) expect((await postWebhook(ledger.url, hook.body)).status).toBe(200);
    await waitForProjections(ledger.url, projections.length + 1);
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByLabel('Payment id').fill('ch_console_retry_declined');
    await page.getByRole('button', { name: 'Open payment' }).click();
    await page.getByRole('heading', { name: 'Payment pi_console_retry' }).waitFor();
    await expect(
      page
        .getByText(
          'Found by the charge ch_console_retry_declined; the latest charge of this payment is ch_console_retry.',
        )
        .count(),
    ).resolves.toBe(1);
  });

  it('opens a payment whose id was pasted with spaces around it', async () => {
    const { rows } = await ledger.database.db.query<{ payment_id: string }>(
      `SELECT payment_id FROM ledger.payments WHERE payment_id LIKE 'pi\\_%' ORDER BY payment_id LIMIT 1`,
    );
    const id = rows[0]!.payment_id;
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByLabel('Payment id').fill(`  ${id} `);
    await page.getByRole('button', { name: 'Open payment' }).click();
    await page.getByRole('heading', { name: `Payment ${id}` }).waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/payments/${id}`);
  });

  it('says "No such page" for a link to a page the console does not have, and asks the API nothing', async () => {
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    const asked: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/api/')) asked.push(request.url());
    };
    page.on('request', onRequest);
    try {
      for (const hash of ['#/nonsense/path', '#/constructor']) {
        await page.goto(`${ledger.url}/${hash}`);
        await page.getByRole('heading', { name: 'No such page' }).waitFor();
        await expect(page.getByText(`The console has no page at ${hash}.`).count()).resolves.toBe(1);
        expect(await page.locator('header nav a[aria-current]').count()).toBe(0);
      }
      expect(asked).toEqual([]);
      await page.getByRole('link', { name: 'Open Payments' }).click();
      await page.getByRole('heading', { name: 'Payments', exact: true }).waitFor();
    } finally {
      page.off('request', onRequest);
    }
  });

  it('counts evidence deadlines in calendar days where the reader is: 23:00 before a 01:00 deadline is "due tomorrow"', async () => {
    const due = Date.UTC(2031, 2, 12, 1, 0, 0) / 1000;
    // Four deliveries five seconds apart; the dispute's evidence is due seven days after it opened.
    const life = lifecycle('console_deadline', { start: due - 7 * DAY - 20 });
    for (const hook of [
      life.paymentIntent('payment_intent.created', 'requires_payment_method'),
      life.charge('charge.succeeded'),
      life.paymentIntent('payment_intent.succeeded', 'succeeded'),
      life.dispute('charge.dispute.created', 'needs_response'),
    ])
      expect((await postWebhook(ledger.url, hook.body)).status).toBe(200);
    await waitForProjections(ledger.url, projections.length + 1);
    const [dispute] = (await get(ledger.url, '/api/payments/pi_console_deadline')).body.disputes as Row[];
    expect(dispute?.evidence_due_by).toBe('2031-03-12T01:00:00Z');
    const { page: reader, problems } = await openConsolePage(browser, { timezoneId: 'UTC' });
    try {
      const badgeAt = async (now: string) => {
        await reader.clock.setFixedTime(new Date(now));
        // A page load, not a hash change: the same list would keep its old rows until it is redrawn.
        await reader.goto(`${ledger.url}/#/disputes`);
        await reader.reload();
        const row = reader.locator('[data-testid="needs-response"] tbody tr', {
          hasText: 'dp_console_deadline',
        });
        await row.waitFor();
        return (await row.locator('.badge').first().textContent())?.trim();
      };
      await signIn(reader, ledger.url, TOKEN);
      await expect(badgeAt('2031-03-11T23:00:00Z')).resolves.toBe('due tomorrow');
      await expect(badgeAt('2031-03-12T00:30:00Z')).resolves.toBe('due today');
      await expect(badgeAt('2031-03-09T23:00:00Z')).resolves.toBe('3 days left');
      await expect(badgeAt('2031-03-12T01:00:01Z')).resolves.toBe('overdue');
      expect(problems).toEqual([]);
    } finally {
      await reader.context().close();
    }
  });

  it('replaces the old page with "Loading…" as soon as another page is chosen, until it answers', async () => {
    const slow = await holdRequests(page, (url) => url.pathname === '/api/reports/daily');
    try {
      await page.getByRole('link', { name: 'Reports' }).click();
      await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
      await waitFor(() => slow.held.length > 0, { what: 'the daily report request to be sent' });
      // The payment's heading and tables are gone, not left under the Reports link.
      expect(await page.locator('main h1').count()).toBe(0);
      expect(await page.locator('main table').count()).toBe(0);
    } finally {
      await slow.release();
    }
    await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    expect(await page.getByText('Loading…').count()).toBe(0);
  });

  it('says "Loading…" in place of the sign-in form as soon as the token is sent', async () => {
    const fresh = await openConsolePage(browser);
    const slow = await holdRequests(fresh.page, (url) => url.pathname === '/api/payments');
    try {
      await signIn(fresh.page, ledger.url, TOKEN);
      await fresh.page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
      expect(await fresh.page.getByLabel('API token').count()).toBe(0);
    } finally {
      await slow.release();
    }
    await fresh.page.locator('[data-testid="payments"] tbody tr').first().waitFor();
    expect(fresh.problems).toEqual([]);
    await fresh.page.context().close();
  });

  it('shows a zero-decimal currency in whole units', async () => {
    await page.goto(`${ledger.url}/#/payments/${YEN.pi}`);
    await page.getByRole('heading', { name: `Payment ${YEN.pi}` }).waitFor();
    await expect(page.locator('.cards').textContent()).resolves.toContain('¥12,345');
    await expect(page.locator('.cards').textContent()).resolves.not.toContain('¥123.45');
  });

  it('lists disputes needing a response first, soonest evidence deadline first', async () => {
    const asked: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/api/disputes')) asked.push(request.url());
    };
    page.on('request', onRequest);
    await page.getByRole('link', { name: 'Disputes' }).click();
    await page.getByRole('heading', { name: 'Needing a response, by evidence due date' }).waitFor();
    const open = (await get(ledger.url, '/api/disputes?status=needs_response&limit=1000')).body.data;
    expect(open.length).toBeGreaterThan(1);
    const expected = [...open]
      .sort(
        (a, b) =>
          Date.parse(String(a.evidence_due_by)) - Date.parse(String(b.evidence_due_by)) ||
          String(a.dispute_id).localeCompare(String(b.dispute_id)),
      )
      .map((d) => d.dispute_id);
    const shown = await page
      .locator('[data-testid="needs-response"] tbody tr td:nth-child(2)')
      .allTextContents();
    expect(shown).toEqual(expected);
    page.off('request', onRequest);
    // The API orders them (sort=evidence_due_by): the page no longer fetches every one to sort itself.
    const needing = asked.filter((url) => url.includes('status=needs_response'));
    expect(needing.length).toBeGreaterThan(0);
    expect(needing.every((url) => url.includes('sort=evidence_due_by') && url.includes('limit=100'))).toBe(
      true,
    );
    await screenshot(page, 'disputes');
  });

  it('orders all disputes by evidence due date when asked, as the API pages them', async () => {
    await page.getByLabel('Order').selectOption('evidence_due_by');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('heading', { name: 'All disputes, by evidence due date' }).waitFor();
    const api = await get(ledger.url, '/api/disputes?sort=evidence_due_by&limit=50');
    expect(api.body.data.length).toBeGreaterThan(1);
    await waitFor(async () => (await cells('disputes').count()) === api.body.data.length, {
      what: 'the disputes table in evidence order',
    });
    expect(await firstColumn('disputes')).toEqual(api.body.data.map((row) => row.dispute_id));
    expect(page.url()).toContain('sort=evidence_due_by');
  });

  it('draws the daily report as a chart and a table, and downloads its CSV with the token', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByLabel('From (UTC day)').fill('2024-03-04');
    await page.getByLabel('To (UTC day)').fill('2024-03-16');
    await page.getByRole('button', { name: 'Show' }).click();
    const daily = (await get(ledger.url, '/api/reports/daily?from=2024-03-04&to=2024-03-16')).body.data;
    await waitFor(async () => (await cells('daily-report').count()) === daily.length, {
      what: 'the daily table',
    });
    expect(await page.locator('[data-testid="chart"] canvas').count()).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download daily CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('daily-2024-03-04-2024-03-16.csv');
    const [header, ...records] = parseCsv(readFileSync((await file.path())!, 'utf8'));
    expect(header).toEqual([
      'day',
      'livemode',
      'currency',
      'gross_paid',
      'refunded',
      'disputed',
      'net',
      'payments_paid',
    ]);
    expect(records.map((record) => [record[0], record[2], Number(record[6])])).toEqual(
      daily.map((row) => [row.day, row.currency, row.net]),
    );
    await screenshot(page, 'reports');
  });

  it('charts the last ten years of a longer range, says so, and keeps every day in the table', async () => {
    await page.goto(`${ledger.url}/#/reports?from=2010-01-01&to=2024-03-16`);
    await page.locator('[data-testid="daily-report"] tbody tr').first().waitFor();
    const daily = (await get(ledger.url, '/api/reports/daily?from=2010-01-01&to=2024-03-16')).body.data;
    expect(await cells('daily-report').count()).toBe(daily.length);
    const chart = page.getByTestId('chart').first();
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/, 2014-03-\d\d to 2024-03-16$/);
    await expect(
      page.getByText('The chart shows the last 3660 days, from 2014-03-', { exact: false }).first().count(),
    ).resolves.toBe(1);
  });

  it('draws the settlement report as a chart and a table, and downloads its CSV', async () => {
    const [from, to] = [day(ledger.money.transactions[0]!.created), day(ledger.money.now)];
    await page.getByLabel('From (UTC day)').fill(from);
    await page.getByLabel('To (UTC day)').fill(to);
    await page.getByRole('button', { name: 'Show' }).click();
    const settlement = (await get(ledger.url, `/api/reports/settlement?from=${from}&to=${to}`)).body.data;
    expect(settlement.length).toBeGreaterThan(5);
    const section = page.getByRole('region', { name: 'Settlement report' });
    await waitFor(async () => (await cells('settlement-report').count()) === settlement.length, {
      what: 'the settlement table',
    });
    expect(await section.locator('[data-testid="chart"] canvas').count()).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await section.getByRole('button', { name: 'Download settlement CSV' }).click();
    const [header, ...records] = parseCsv(readFileSync((await (await download).path())!, 'utf8'));
    expect(header).toEqual(['day', 'currency', 'reporting_category', 'count', 'gross', 'fee', 'net']);
    expect(records.map((r) => [r[0], r[1], r[2], Number(r[6])])).toEqual(
      settlement.map((row) => [row.day, row.currency, row.reporting_category, row.net]),
    );
  });

  it('lists payouts with their reconciliation and opens one with what it paid out', async () => {
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.getByRole('heading', { name: 'Payouts' }).waitFor();
    const payouts = (await get(ledger.url, '/api/payouts?limit=50')).body.data;
    expect(payouts.length).toBeGreaterThan(1);
    await waitFor(
      async () => (await firstColumn('payouts')).join() === payouts.map((p) => p.payout_id).join(),
      {
        what: 'the payouts table',
      },
    );
    for (const [index, payout] of payouts.entries()) {
      const shown = await cells('payouts').nth(index).locator('td').last().textContent();
      if (payout.reconciled) expect(shown).toBe('reconciled');
      else if (payout.status === 'failed' || payout.status === 'canceled')
        expect(shown).toBe(`not paid out (${String(payout.status)})`);
      else if (payout.automatic === false) expect(shown).toBe(MANUAL_UNLISTED);
      else expect(shown).toMatch(/^(not paid out yet \(|transactions not known yet|off by)/);
    }
    await screenshot(page, 'payouts');
    const paid = payouts.find((p) => p.reconciled)!;
    const detail = (await get(ledger.url, `/api/payouts/${String(paid.payout_id)}`)).body;
    await page.getByRole('link', { name: String(paid.payout_id) }).click();
    await page.getByRole('heading', { name: `Payout ${String(paid.payout_id)}` }).waitFor();
    const reconciliation = page.getByRole('region', { name: 'Reconciliation' });
    await expect(reconciliation.textContent()).resolves.toContain(
      money(Number(paid.amount), String(paid.currency)),
    );
    await expect(reconciliation.textContent()).resolves.toContain('reconciled');
    await expect(firstColumn('payout-totals')).resolves.toEqual(
      (detail.totals as unknown as Row[]).map((t) => t.reporting_category),
    );
    await expect(firstColumn('balance-transactions')).resolves.toEqual(
      (detail.transactions as unknown as Row[]).map((t) => t.balance_transaction_id),
    );
    await screenshot(page, 'payout');
  });

  it("says Stripe never lists a manual payout's transactions, and a failed payout was not paid out", async () => {
    await page.getByRole('link', { name: 'Payouts', exact: true }).click();
    const rows = cells('payouts');
    await rows.filter({ hasText: MANUAL_PAYOUT.id }).waitFor();
    await expect(rows.filter({ hasText: MANUAL_PAYOUT.id }).locator('td').last().textContent()).resolves.toBe(
      MANUAL_UNLISTED,
    );
    await expect(rows.filter({ hasText: FAILED_PAYOUT.id }).locator('td').last().textContent()).resolves.toBe(
      'not paid out (failed)',
    );
    await page.getByRole('link', { name: MANUAL_PAYOUT.id }).click();
    const facts = page.getByRole('region', { name: 'Reconciliation' });
    await facts.waitFor();
    await expect(facts.textContent()).resolves.toContain(MANUAL_UNLISTED);
    await expect(facts.textContent()).resolves.toContain('Automaticno');
  });

  it("shows a payment's balance transactions with fee and net", async () => {
    const id = String(ledger.money.payments[0]!.intent.id);
    const payment = (await get(ledger.url, `/api/payments/${id}`)).body;
    const transactions = payment.balance_transactions as unknown as Row[];
    expect(transactions.length).toBeGreaterThan(0);
    await page.goto(`${ledger.url}/#/payments/${id}`);
    await page.getByRole('heading', { name: `Payment ${id}` }).waitFor();
    await expect(firstColumn('balance-transactions')).resolves.toEqual(
      transactions.map((t) => t.balance_transaction_id),
    );
    const first = cells('balance-transactions').first();
    await expect(first.locator('td').nth(5).textContent()).resolves.toBe(
      money(Number(transactions[0]!.fee), String(transactions[0]!.currency)),
    );
  });

  it('shows every projection with its state and lag, and a failed projection as failed with its error', async () => {
    await ledger.breakAuditProjection();
    await waitFor(
      async () =>
        (await get(ledger.url, '/api/projections')).body.data.some(
          (p) => p.name === AUDIT && p.state === 'failed',
        ),
      { what: `${AUDIT} to fail` },
    );
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { name: 'Projections' }).waitFor();
    const api = (await get(ledger.url, '/api/projections')).body.data;
    await expect(firstColumn('projections')).resolves.toEqual(api.map((p) => p.name));
    await expect(page.getByTestId(`state-${AUDIT}`).textContent()).resolves.toBe('failed');
    await expect(page.getByTestId('state-payments').textContent()).resolves.toBe('live');
    const row = cells('projections').filter({ hasText: AUDIT });
    await expect(row.textContent()).resolves.toContain('cannot apply poison event');
    await screenshot(page, 'operations');
  });

  it('shows a rebuild running elsewhere beside its projections, its owner as text', async () => {
    const owner = `ops-host:77 ${IMG}`;
    await ledger.database.db.query(
      `INSERT INTO ledger.rebuilds (projections, owner, phase, done, total) VALUES ('{disputes}', $1, 'folding', 40, 100)`,
      [owner],
    );
    // Its process holds the rebuild lease, as a running rebuild does.
    const lease = await ledger.database.db.tryLease(REBUILD_LEASE);
    try {
      await page.goto(`${ledger.url}/#/operations?at=${Date.now()}`);
      const shown = page.getByTestId('rebuild-disputes');
      await shown.waitFor();
      const text = await shown.textContent();
      expect(text?.startsWith('folding 40 % since ')).toBe(true);
      expect(text?.endsWith(`(${owner})`)).toBe(true);
      await expect(shown.locator('img').count()).resolves.toBe(0);
      await expect(
        cells('projections').filter({ hasText: 'payments' }).first().textContent(),
      ).resolves.toContain('none');
    } finally {
      await lease?.release();
      await ledger.database.db.query('DELETE FROM ledger.rebuilds');
    }
  });

  it('pages through every event a projection could not apply, 50 a page', async () => {
    const error = 'cannot apply (recorded by the console paging test)';
    await ledger.database.db.query(
      `INSERT INTO ledger.projection_failures (projection, position, event_id, stripe_event_id, event_type, error)
       SELECT $1, position, event_id, metadata->>'stripe_event_id', metadata->>'stripe_event_type', $2
         FROM eventstore.events ORDER BY position LIMIT 60`,
      [AUDIT, error],
    );
    try {
      const first = await get(ledger.url, '/api/webhooks/events?failed=true&limit=50');
      const second = await get(
        ledger.url,
        `/api/webhooks/events?failed=true&limit=50&cursor=${first.body.next_cursor}`,
      );
      const positions = (answer: typeof first) => answer.body.data.map((event) => String(event.id)).join();
      expect([first.body.data.length, second.body.data.length]).toEqual([50, 11]);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await waitFor(async () => (await firstColumn('failed-events')).join() === positions(first), {
        what: 'the newest 50 failed events',
      });
      await expect(page.getByTestId('open-failures').textContent()).resolves.toContain('61 open failures');
      await page
        .getByRole('region', { name: 'Events a projection could not apply' })
        .getByRole('button', { name: 'Next page' })
        .click();
      await waitFor(async () => (await firstColumn('failed-events')).join() === positions(second), {
        what: 'the other 11 failed events',
      });
    } finally {
      await ledger.database.db.query(
        'UPDATE ledger.projection_failures SET resolved_at = now() WHERE error = $1 AND resolved_at IS NULL',
        [error],
      );
    }
  });

  it('says above the numbers that they may be incomplete while a projection they read has failed', async () => {
    const staleDisputes = async () =>
      (await get(ledger.url, '/api/disputes?limit=1')).headers.get('ledger-stale') === 'disputes';
    await ledger.database.db.query(
      `UPDATE ledger.projection_checkpoints SET state = 'failed', last_error = 'stopped by the console test'
        WHERE projection = 'disputes'`,
    );
    try {
      await waitFor(staleDisputes, { what: 'answers to name disputes in Ledger-Stale' });
      const notice = page.locator('main h1 + [data-testid="stale"]');
      // The daily report names it in its `stale` list.
      await page.goto(`${ledger.url}/#/reports?from=2024-03-04&to=2024-03-16`);
      await cells('daily-report').first().waitFor();
      await notice.waitFor();
      await expect(notice.textContent()).resolves.toContain('Numbers may be incomplete: disputes failed.');
      // A payment's answer names it only in its Ledger-Stale header.
      const { rows } = await ledger.database.db.query<{ payment_id: string }>(
        'SELECT payment_id FROM ledger.disputes ORDER BY dispute_id LIMIT 1',
      );
      await page.goto(`${ledger.url}/#/payments/${rows[0]!.payment_id}`);
      await page.getByRole('heading', { name: `Payment ${rows[0]!.payment_id}` }).waitFor();
      await notice.waitFor();
      await expect(notice.textContent()).resolves.toContain('Numbers may be incomplete: disputes failed.');
      // The payments list reads the payments projection only: nothing to say there.
      await page.getByRole('link', { name: 'Payments', exact: true }).click();
      await cells('payments').first().waitFor();
      expect(await page.getByTestId('stale').count()).toBe(0);
    } finally {
      await ledger.database.db.query(
        `UPDATE ledger.projection_checkpoints SET state = 'active', last_error = NULL WHERE projection = 'disputes'`,
      );
      await waitFor(async () => !(await staleDisputes()), { what: 'disputes to be current again' });
    }
  });

  it('says "Bad link" for a damaged link, with no uncaught error', async () => {
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    await page.goto(`${ledger.url}/#/payments/%E0%A4%A`);
    await page.getByRole('heading', { name: 'Bad link' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Payouts', exact: true }).count()).toBe(0);
    expect(session.problems.filter((problem) => problem.includes('URI'))).toEqual([]);
  });

  it('works from the keyboard, with every control labelled', async () => {
    const unlabelled = `[...document.querySelectorAll('main input, main select, main button')]
      .filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.textContent.trim()))
      .map((c) => c.outerHTML)`;
    const focused = () =>
      page.evaluate(`(() => {
        const element = document.activeElement;
        return element.id || element.labels?.[0]?.firstChild?.textContent || element.textContent.trim();
      })()`);
    await page.goto(`${ledger.url}/#/payments`);
    // A fresh load: the tab keeps the token; the console moves focus to the page it drew.
    await page.reload();
    await cells('payments').first().waitFor();
    await waitFor(async () => (await focused()) === 'main', { what: 'focus on the page' });
    expect(await page.evaluate(unlabelled)).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Payment id');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('sign-out');
    for (const link of ['Operations', 'Payouts', 'Reports', 'Disputes']) {
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).toBe(link);
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Disputes', exact: true }).waitFor();
    await waitFor(async () => (await focused()) === 'main', { what: 'focus to move to the new page' });
    for (const section of ['Reports', 'Payouts', 'Operations']) {
      await page.getByRole('link', { name: section }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: section, exact: true }).waitFor();
      expect(await page.evaluate(unlabelled)).toEqual([]);
    }
  });

  it('shows payout arrival dates as the UTC calendar day Stripe means, in a zone west of UTC', async () => {
    const { page: west, problems } = await openConsolePage(browser, { timezoneId: 'America/Los_Angeles' });
    const utcDay = (iso: unknown) =>
      new Intl.DateTimeFormat('en-US', {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(String(iso)));
    await signIn(west, ledger.url, TOKEN);
    await west.locator('[data-testid="payments"] tbody tr').first().waitFor();
    await west.getByRole('link', { name: 'Payouts' }).click();
    const payouts = (await get(ledger.url, '/api/payouts?limit=50')).body.data;
    // Stripe's arrival_date is a day, sent as its first instant in UTC: the evening before in Los Angeles.
    const manualArrival = payouts.find((p) => p.payout_id === MANUAL_PAYOUT.id)?.arrival_date;
    expect(new Date(String(manualArrival)).toISOString()).toBe('2025-01-20T00:00:00.000Z');
    const rows = west.locator('[data-testid="payouts"] tbody tr');
    await waitFor(async () => (await rows.count()) === payouts.length, { what: 'the payouts table' });
    for (const [index, payout] of payouts.entries())
      await expect(rows.nth(index).locator('td').nth(2).textContent()).resolves.toBe(
        utcDay(payout.arrival_date),
      );
    const manual = rows.filter({ hasText: MANUAL_PAYOUT.id });
    await expect(manual.locator('td').nth(2).textContent()).resolves.toBe('Jan 20, 2025');
    await expect(manual.locator('td').nth(2).locator('time').getAttribute('datetime')).resolves.toBe(
      '2025-01-20',
    );
    await west.getByRole('link', { name: MANUAL_PAYOUT.id }).click();
    const facts = west.getByRole('region', { name: 'Reconciliation' });
    await facts.waitFor();
    await expect(facts.textContent()).resolves.toContain('Arrival (UTC day)Jan 20, 2025');
    expect(problems).toEqual([]);
    await west.context().close();
  });

  it('says which part of the ledger is down when health answers 503', async () => {
    const { page: ops, problems } = await openConsolePage(browser);
    const health = async () => (await get(ledger.url, '/api/webhooks/health', { token: null })).status;
    await signIn(ops, ledger.url, TOKEN);
    await ops.locator('[data-testid="payments"] tbody tr').first().waitFor();
    // The event store's head cannot be read: health answers 503 unavailable, its body saying why.
    await ledger.database.db.query('ALTER TABLE eventstore.head RENAME TO head_hidden_by_console_test');
    try {
      await waitFor(async () => (await health()) === 503, { what: 'health to answer 503' });
      await ops.getByRole('link', { name: 'Operations' }).click();
      const facts = ops.getByTestId('health');
      await facts.waitFor();
      await expect(facts.textContent()).resolves.toContain('unavailable');
      await expect(
        ops.getByRole('region', { name: 'Health' }).getByRole('alert').textContent(),
      ).resolves.toBe('Not answering: the event store.');
    } finally {
      await ledger.database.db.query('ALTER TABLE eventstore.head_hidden_by_console_test RENAME TO head');
      await waitFor(async () => (await health()) === 200, { what: 'health to answer 200 again' });
    }
    // The browser itself reports the 503 and the projections' failed answer; nothing else may appear.
    expect(problems.filter((problem) => !/status of 50\d/.test(problem))).toEqual([]);
    await ops.context().close();
  });

  it('says the ledger did not answer once its deadline passes, rather than "Loading…" forever', async () => {
    const { page: hung, problems } = await openConsolePage(browser);
    await hung.clock.install();
    await signIn(hung, ledger.url, TOKEN);
    await hung.locator('[data-testid="payments"] tbody tr').first().waitFor();
    // The ledger takes the request and never answers (a stopped process, a frozen network).
    const unanswered: Route[] = [];
    await hung.route(
      (url) => url.pathname === '/api/payouts',
      (route) => void unanswered.push(route),
    );
    await hung.getByRole('link', { name: 'Payouts' }).click();
    await hung.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
    await waitFor(() => unanswered.length > 0, { what: 'the payouts request to be sent' });
    await hung.clock.fastForward(41_000);
    await hung.getByRole('alert').filter({ hasText: 'did not answer' }).waitFor();
    await expect(hung.getByRole('alert').textContent()).resolves.toBe(
      'Payouts: /api/payouts did not answer within 40 s: the ledger may be down or overloaded; try again',
    );
    expect(await hung.getByText('Loading…').count()).toBe(0);
    expect(problems).toEqual([]);
    await hung.context().close();
  });

  it('offers to reload when the ledger was upgraded under an open tab, and the new version then works', async () => {
    const { page: old, problems } = await openConsolePage(browser);
    await signIn(old, ledger.url, TOKEN);
    await old.locator('[data-testid="payments"] tbody tr').first().waitFor();
    // The server now serves another version: this tab's module paths answer 404.
    const gone = (url: URL) => url.pathname.endsWith('/pages/reports.js');
    await old.route(gone, (route) => route.fulfill({ status: 404, body: 'not found' }));
    await old.getByRole('link', { name: 'Reports' }).click();
    await old.getByRole('heading', { name: 'The console was updated' }).waitFor();
    await old.unroute(gone);
    await old.getByRole('button', { name: 'Reload' }).click();
    await old.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    expect(problems.filter((problem) => !problem.includes('404'))).toEqual([]);
    await old.context().close();
  });

  it('signs out, saying why, when a download finds the token refused', async () => {
    const { page: reader, problems } = await openConsolePage(browser);
    await signIn(reader, ledger.url, TOKEN);
    await reader.locator('[data-testid="payments"] tbody tr').first().waitFor();
    await reader.getByRole('link', { name: 'Reports' }).click();
    await reader.getByRole('button', { name: 'Download daily CSV' }).waitFor();
    // The token is rotated out while the page is open.
    await reader.evaluate("sessionStorage.setItem('stripe-ledger.api-token', 'a-token-no-longer-valid')");
    await reader.getByRole('button', { name: 'Download daily CSV' }).click();
    await reader.getByLabel('API token').waitFor();
    await expect(reader.getByRole('alert').textContent()).resolves.toContain('The API token was refused');
    expect(await reader.evaluate('sessionStorage.length')).toBe(0);
    expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    await reader.context().close();
  });

  it('wrote nothing to the browser console on any page', () => {
    expect(session.problems).toEqual([]);
  });
});
