import { startLedger, type TestServer } from './support/ledgerServer.js';
import { get } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';
import { describeWithPostgres } from './support/needsPostgres.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 53, payments: 40 });
});
afterAll(async () => {
  await ledger?.close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const BAD: [path: string, parameter: string][] = [
  ['/api/payments?payment_status=done', 'payment_status'],
  ['/api/payments?status=paid', 'status'],
  ['/api/orders?payment_status=PAID', 'payment_status'],
  ['/api/refunds?status=lost', 'status'],
  ['/api/disputes?status=refunded', 'status'],
  ['/api/payouts?status=bogus', 'status'],
  ['/api/payments?created_from=2024-13-01', 'created_from'],
  ['/api/payments?created_from=2024-02-30', 'created_from'],
  ['/api/payments?created_to=yesterday', 'created_to'],
  ['/api/payments?created_to=2024-03-01T25:00:00Z', 'created_to'],
  ['/api/disputes?evidence_due_before=friday', 'evidence_due_before'],
  ['/api/payments?created_from=0000-01-01', 'created_from'],
  ['/api/refunds?created_to=9999-12-31', 'created_to'],
  ['/api/reports/daily?from=0000-01-01&to=2024-01-01', 'from'],
  ['/api/payments?limit=0', 'limit'],
  ['/api/payments?limit=1001', 'limit'],
  ['/api/payments?limit=-1', 'limit'],
  ['/api/payments?limit=1.5', 'limit'],
  ['/api/payments?limit=ten', 'limit'],
  ['/api/payments?limit=0x10', 'limit'],
  ['/api/payments?limit=1e2', 'limit'],
  ['/api/payments?limit=16.0', 'limit'],
  ['/api/payments?limit=+5', 'limit'],
  ['/api/payments?limit=', 'limit'],
  ['/api/payments?limit=10&limit=20', 'limit'],
  [`/api/payments?order_id=${'o'.repeat(501)}`, 'order_id'],
  ['/api/payments?order_id=', 'order_id'],
  ['/api/payments?cursor=!!!', 'cursor'],
  [`/api/payments?cursor=${b64('nope')}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', 'not a time', 'pi_1'])}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', '2024-03-01T00:00:00Z'])}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', '2024', 'pi_1'])}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', '2024-02-30T00:00:00Z', 'pi_1'])}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', '2024-13-01T00:00:00Z', 'pi_1'])}`, 'cursor'],
  [`/api/payments?cursor=${b64(['payments', '2024-03-01T00:00:00Z', 'pi_\u0000'])}`, 'cursor'],
  [`/api/webhooks/events?cursor=${b64(['webhook_events', '1; DROP TABLE x'])}`, 'cursor'],
  ['/api/payments?sort=amount', 'sort'],
  ['/api/payments?payment_id=pi_1', 'payment_id'],
  ['/api/payments?customer_id=cus_1;DROP TABLE ledger.payments', 'customer_id'],
  ["/api/payments?currency=usd'", 'currency'],
  ['/api/refunds?payment_id=pi_1--', 'payment_id'],
  ["/api/webhooks/events?type=charge.succeeded' OR 1=1", 'type'],
  ['/api/webhooks/events?failed=yes', 'failed'],
  ['/api/payments?livemode=1', 'livemode'],
  ['/api/payments?format=xml', 'format'],
  ["/api/payments/pi_1';DROP TABLE ledger.payments;--", 'id'],
  ['/api/payments/pi_1?expand=refunds', 'expand'],
  ["/api/reports/daily?from=2024-03-01&to=2024-03-02'", 'to'],
  ['/api/projections?verbose=1', 'verbose'],
];

const fingerprint = async () =>
  (
    await ledger.database.db.query(
      `SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY payment_id)) FROM ledger.payments t) AS payments,
              (SELECT md5(string_agg(t::text, ',' ORDER BY order_id)) FROM ledger.orders t) AS orders,
              (SELECT md5(string_agg(t::text, ',' ORDER BY refund_id)) FROM ledger.refunds t) AS refunds,
              (SELECT md5(string_agg(t::text, ',' ORDER BY dispute_id)) FROM ledger.disputes t) AS disputes,
              (SELECT count(*) FROM ledger.payment_status_history) AS history,
              (SELECT count(*) FROM eventstore.events) AS events`,
    )
  ).rows[0];

describe('bad query parameters', () => {
  // That they are refused before any query is proven below, with the database unreachable, rather than
  // by timing them (which flakes on a busy machine).
  it.each(BAD)('%s answers 400 naming %s', async (path, parameter) => {
    for (const accept of ['application/json', 'text/csv']) {
      const answer = await get(ledger.url, encodeURI(path), { accept });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body.error).toMatchObject({ code: 'invalid_parameter', parameter });
      expect(answer.body.error.message).toContain(parameter);
    }
  });

  it('changes nothing in the database, and the API keeps answering', async () => {
    const before = await fingerprint();
    for (const [path] of BAD) await get(ledger.url, encodeURI(path));
    expect(await fingerprint()).toEqual(before);
    expect((await get(ledger.url, '/api/payments?limit=1')).status).toBe(200);
  });

  describeWithPostgres('the outage is a TCP proxy in front of a PostgreSQL server')(
    'with the database unreachable',
    () => {
      let proxy: TcpProxy;
      let web: TestServer;
      beforeAll(async () => {
        proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
        const url = new URL(ledger.database.url);
        url.port = String(proxy.port);
        web = await startLedger(url.toString(), { role: 'web' });
        await proxy.cut();
      });
      afterAll(async () => {
        await web?.stop();
        await proxy?.close();
      });

      it('still answers 400 to every bad request, JSON or CSV: they never reach the database', async () => {
        // The database really is out of reach: a good request cannot be answered.
        expect((await get(web.url, '/api/payments?limit=1')).status).toBe(503);
        for (const [path, parameter] of BAD) {
          for (const accept of ['application/json', 'text/csv']) {
            const answer = await get(web.url, encodeURI(path), { accept });
            expect([path, accept, answer.status, answer.body.error.parameter]).toEqual([
              path,
              accept,
              400,
              parameter,
            ]);
          }
        }
        expect((await get(web.url, '/api/payments?limit=1')).status).toBe(503);
      });
    },
  );
});
