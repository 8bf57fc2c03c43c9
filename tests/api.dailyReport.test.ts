import { dailyRow } from '../src/api/rows.js';
import { DAY, BASE } from './support/generate.js';
import { get, parseCsv } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 23, payments: 150, reversed: true });
});
afterAll(async () => {
  await ledger?.close();
});

type Totals = { gross_paid: number; refunded: number; disputed: number; payments_paid: number };
type Entry = Totals & { day: string; livemode: boolean; currency: string; net: number };
const keyOf = (day: string, livemode: boolean, currency: string) => `${day}|${livemode}|${currency}`;
const dayOf = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

const accumulate = (into: Map<string, Totals>, key: string, add: Partial<Totals>) => {
  const totals = into.get(key) ?? { gross_paid: 0, refunded: 0, disputed: 0, payments_paid: 0 };
  for (const [field, value] of Object.entries(add)) totals[field as keyof Totals] += value;
  into.set(key, totals);
};

const asMap = (entries: Entry[]) =>
  new Map(
    entries.map(({ day, livemode, currency, net, ...totals }) => {
      expect(net).toBe(totals.gross_paid - totals.refunded - totals.disputed);
      return [keyOf(day, livemode, currency), totals];
    }),
  );

/** The totals from the deliveries themselves: no table, no projection involved. */
const fromDeliveries = (): Map<string, Totals> => {
  const totals = new Map<string, Totals>();
  const paid = new Set<string>();
  for (const delivery of ledger.deliveries) {
    const { type, created, livemode, data } = JSON.parse(delivery.body);
    const object = data.object;
    if (type === 'payment_intent.succeeded' && !paid.has(object.id)) {
      paid.add(object.id);
      accumulate(totals, keyOf(dayOf(created), livemode, object.currency), {
        gross_paid: object.amount_received,
        payments_paid: 1,
      });
    }
    if (type === 'refund.created' && ['pending', 'succeeded'].includes(object.status))
      accumulate(totals, keyOf(dayOf(object.created), livemode, object.currency), {
        refunded: object.amount,
      });
    if (type === 'charge.dispute.closed' && object.status === 'lost')
      accumulate(totals, keyOf(dayOf(created), livemode, object.currency), { disputed: object.amount });
  }
  return totals;
};

/** The same totals computed from the read-model tables, written independently of the server's SQL. */
const fromTables = async (from: string, to: string): Promise<Map<string, Totals>> => {
  const { rows } = await ledger.database.db.query<{
    day: string;
    livemode: boolean;
    currency: string;
    kind: string;
    amount: number;
    n: number;
  }>(
    `WITH first_paid AS (SELECT payment_id, paid_at AS occurred_at FROM ledger.payments WHERE paid_at IS NOT NULL)
     SELECT to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, p.livemode, p.currency,
            'gross' AS kind, sum(p.amount_received)::int AS amount, count(*)::int AS n
       FROM first_paid f JOIN ledger.payments p ON p.payment_id = f.payment_id GROUP BY 1, 2, 3
     UNION ALL
     SELECT to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), p.livemode, r.currency, 'refund', sum(r.amount)::int, 0
       FROM ledger.refunds r JOIN ledger.payments p ON p.payment_id = r.payment_id
      WHERE r.status IN ('pending', 'succeeded') GROUP BY 1, 2, 3
     UNION ALL
     SELECT to_char(d.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), p.livemode, d.currency, 'dispute', sum(d.amount)::int, 0
       FROM ledger.disputes d JOIN ledger.payments p ON p.payment_id = d.payment_id
      WHERE d.status = 'lost' GROUP BY 1, 2, 3`,
  );
  const totals = new Map<string, Totals>();
  for (const row of rows) {
    if (row.day < from || row.day > to) continue;
    const key = keyOf(row.day, row.livemode, row.currency);
    if (row.kind === 'gross') accumulate(totals, key, { gross_paid: row.amount, payments_paid: row.n });
    if (row.kind === 'refund') accumulate(totals, key, { refunded: row.amount });
    if (row.kind === 'dispute') accumulate(totals, key, { disputed: row.amount });
  }
  return totals;
};

describe('GET /api/reports/daily', () => {
  it('equals the totals summed from the tables with SQL, and from the deliveries themselves', async () => {
    const answer = await get(ledger.url, '/api/reports/daily?from=2024-03-01&to=2024-03-31');
    expect(answer.status).toBe(200);
    for (const entry of answer.body.data) dailyRow.strict().parse(entry);
    const report = asMap(answer.body.data as Entry[]);
    expect(report).toEqual(await fromTables('2024-03-01', '2024-03-31'));
    expect(report).toEqual(fromDeliveries());
    const sum = (field: keyof Totals) => [...report.values()].reduce((total, t) => total + t[field], 0);
    expect([sum('gross_paid'), sum('refunded'), sum('disputed')].every((total) => total > 0)).toBe(true);
  });

  it('answers one entry per day, livemode and currency, in that order, inside the inclusive range', async () => {
    const from = dayOf(BASE + DAY);
    const to = dayOf(BASE + 3 * DAY);
    const answer = await get(ledger.url, `/api/reports/daily?from=${from}&to=${to}`);
    const entries = answer.body.data as Entry[];
    const keys = entries.map((e) => keyOf(e.day, e.livemode, e.currency));
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(entries.map((e) => e.day))).toEqual(new Set([from, dayOf(BASE + 2 * DAY), to]));
    expect(asMap(entries)).toEqual(await fromTables(from, to));
  });

  it('answers a single day when from equals to, and nothing for a quiet range', async () => {
    const day = dayOf(BASE + 2 * DAY);
    const single = await get(ledger.url, `/api/reports/daily?from=${day}&to=${day}`);
    expect(single.body.data.length).toBeGreaterThan(0);
    expect(single.body.data.every((e) => e.day === day)).toBe(true);
    const quiet = await get(ledger.url, '/api/reports/daily?from=2020-01-01&to=2020-12-31');
    expect(quiet.body).toEqual({ data: [], next_cursor: null, stale: [] });
  });

  it('answers CSV with the same entries', async () => {
    const json = await get(ledger.url, '/api/reports/daily?from=2024-03-01&to=2024-03-31');
    const csv = await get(ledger.url, '/api/reports/daily?from=2024-03-01&to=2024-03-31', {
      accept: 'text/csv',
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...records] = parseCsv(csv.text);
    expect(header).toEqual(Object.keys(dailyRow.shape));
    expect(records).toEqual(json.body.data.map((entry) => header!.map((column) => String(entry[column]))));
  });

  it.each([
    ['from=2024-03-01', 'to'],
    ['to=2024-03-01', 'from'],
    ['from=2024-03-10&to=2024-03-09', 'to'],
    ['from=2024-02-30&to=2024-03-09', 'from'],
    ['from=2024-03-01T00:00:00Z&to=2024-03-09', 'from'],
    ['from=2024-03-01&to=2024-03-09&limit=5', 'limit'],
  ])('answers 400 naming the parameter for %s', async (query, parameter) => {
    const answer = await get(ledger.url, `/api/reports/daily?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_parameter', parameter });
    expect(answer.body.error.message).toContain(parameter);
  });
});
