import { ConfigError, loadConfig, requireStripeApiKey } from './config.js';

describe('Stripe sync configuration (SPEC section 9)', () => {
  it('runs no sync without a key, and passes every 300 s with one', () => {
    expect(loadConfig({}).stripe).toEqual({
      apiKey: undefined,
      base: { host: 'api.stripe.com', port: 443, protocol: 'https' },
      requestsPerSecond: 20,
      syncIntervalSeconds: 0,
      accounts: [],
    });
    expect(loadConfig({ STRIPE_API_KEY: 'rk_live_abc123' }).stripe.syncIntervalSeconds).toBe(300);
    expect(
      loadConfig({ STRIPE_API_KEY: 'rk_live_abc123', STRIPE_SYNC_INTERVAL: '0' }).stripe.syncIntervalSeconds,
    ).toBe(0);
  });

  it('splits STRIPE_API_BASE into host, port and protocol for a local stand-in', () => {
    expect(loadConfig({ STRIPE_API_BASE: 'http://127.0.0.1:12111' }).stripe.base).toEqual({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
  });

  it.each([
    ['STRIPE_API_KEY', 'pk_live_publishable'],
    ['STRIPE_API_BASE', 'ftp://api.stripe.com'],
    ['STRIPE_API_BASE', 'https://api.stripe.com/v1'],
    ['STRIPE_API_BASE', 'https://api.stripe.com?expand=all'],
    ['STRIPE_API_BASE', 'https://user:s3cret@api.stripe.com'],
    ['STRIPE_API_BASE', 'http://[::1'],
    ['STRIPE_API_RPS', '101'],
    ['STRIPE_SYNC_INTERVAL', '-5'],
    ['STRIPE_SYNC_ACCOUNTS', 'acct_1,cus_2'],
    ['STRIPE_SYNC_ACCOUNTS', 'acct_1Conn, acct_2B,acct_1Conn'],
    ['STRIPE_SYNC_INTERVAL', '0x10'],
    ['STRIPE_SYNC_INTERVAL', '1e3'],
    ['STRIPE_API_RPS', '5.0'],
    ['STRIPE_WEBHOOK_TOLERANCE', '3e2'],
  ])('stops with a line naming %s when it is %s, never echoing the value', (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${name} is invalid`));
    expect(attempt).not.toThrow(value);
  });

  it('reads connected accounts, and says how to get a key when sync has none', () => {
    expect(loadConfig({ STRIPE_SYNC_ACCOUNTS: 'acct_1A, acct_2B' }).stripe.accounts).toEqual([
      'acct_1A',
      'acct_2B',
    ]);
    expect(() => requireStripeApiKey(loadConfig({}))).toThrow(
      /^STRIPE_API_KEY is missing: create a restricted key/,
    );
  });
});
