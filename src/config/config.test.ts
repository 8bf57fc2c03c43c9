import { ConfigError, loadConfig } from './config.js';

const POSTGRES = { DATABASE_URL: 'postgres://ledger:s3cr3t-R4nd0m@db:5432/ledger' };
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted it');
};

describe('loadConfig', () => {
  it.each([
    ['STRIPE_WEBHOOK_SECRET', { STRIPE_WEBHOOK_SECRET: 'whsec_replace_me' }],
    ['LEDGER_API_TOKENS', { LEDGER_API_TOKENS: 'replace-with-a-long-random-token' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://ledger:change-me@postgres:5432/ledger' }],
    ['LEDGER_READER_PASSWORD', { LEDGER_READER_PASSWORD: 'change-me-please' }],
  ])('refuses the .env.example placeholder of %s on PostgreSQL, naming it', (name, env) => {
    expect(refusal({ ...POSTGRES, ...env })).toMatch(new RegExp(`^${name} .*placeholder`));
  });

  it('refuses API tokens shorter than 16 characters on PostgreSQL', () => {
    expect(refusal({ ...POSTGRES, LEDGER_API_TOKENS: 'long-enough-token-1234,abc123' })).toMatch(
      /^LEDGER_API_TOKENS holds a token shorter than 16 characters/,
    );
  });

  it.each(['whsec_a', 'whsec_a1b2c3d4e5f6a7b', 'whsec_9f8a7b6c5d4e3f2a1b0c,whsec_short'])(
    'refuses on PostgreSQL a webhook secret too short to be one Stripe made (%s), naming it and not the value',
    (secrets) => {
      const refused = refusal({ ...POSTGRES, STRIPE_WEBHOOK_SECRET: secrets });
      expect(refused).toBe(
        'STRIPE_WEBHOOK_SECRET holds a secret too short to be one Stripe made (fewer than 16 characters after whsec_): ' +
          'set it to the whsec_... signing secret of your webhook endpoint (refused on PostgreSQL: set a real secret)',
      );
    },
  );

  it.each([{ ...POSTGRES }, {}])('refuses a webhook secret that is whsec_ alone, anywhere', (env) => {
    expect(refusal({ ...env, STRIPE_WEBHOOK_SECRET: 'whsec_9f8a7b6c5d4e3f2a1b0c, whsec_' })).toBe(
      'STRIPE_WEBHOOK_SECRET is invalid: a secret is whsec_ with nothing after it, so anyone could sign webhooks ' +
        '(set it to the whsec_... signing secret of your webhook endpoint)',
    );
  });

  it('accepts webhook secrets of 16 characters after whsec_, and those Stripe makes', () => {
    const stripes = 'whsec_5BvjG8Xl0qcJ2HbYw3nR7tKpLm9sVd1A';
    const cli = `whsec_${'0123456789abcdef'.repeat(4)}`;
    expect(
      loadConfig({ ...POSTGRES, STRIPE_WEBHOOK_SECRET: `whsec_a1b2c3d4e5f6a7b8,${stripes},${cli}` }),
    ).toMatchObject({ webhookSecrets: ['whsec_a1b2c3d4e5f6a7b8', stripes, cli], warnings: [] });
  });

  it('only warns about them on the embedded database', () => {
    const config = loadConfig({ LEDGER_API_TOKENS: 'dev-token', STRIPE_WEBHOOK_SECRET: 'whsec_replace_me' });
    expect(config.warnings).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET is a placeholder/),
      expect.stringMatching(/^LEDGER_API_TOKENS holds a token shorter than 16/),
    ]);
    expect(loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_dev' }).warnings).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET holds a secret too short/),
    ]);
  });

  it('accepts real-looking secrets and tokens on PostgreSQL without warnings', () => {
    const config = loadConfig({
      ...POSTGRES,
      STRIPE_WEBHOOK_SECRET: 'whsec_9f8a7b6c5d4e3f2a1b0c',
      LEDGER_API_TOKENS: 'c1d2e3f4a5b6c7d8e9f0',
    });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    [
      'no URL at all',
      'postgres://ledger:p#ss@db:5432/ledger',
      /^DATABASE_URL is invalid: cannot be read as a URL: /,
    ],
    [
      'a port out of range',
      'postgres://ledger:s3cr3t@db:99999/ledger',
      /^DATABASE_URL is invalid: cannot be read/,
    ],
    [
      'a bare % in the password',
      'postgres://ledger:50%off@db:5432/ledger',
      /^DATABASE_URL is invalid: its password has a % that is not followed by two hex digits: write % as %25$/,
    ],
    [
      'a bare % in the database name',
      'postgres://ledger@db:5432/ledger%',
      /^DATABASE_URL is invalid: its database name has a % /,
    ],
    ['another scheme', 'mysql://ledger@db/ledger', /^DATABASE_URL is invalid: must be a postgres:\/\//],
  ])('stops with a line naming DATABASE_URL for %s, never quoting its password', (_, url, message) => {
    const refused = refusal({ DATABASE_URL: url });
    expect(refused).toMatch(message);
    expect(refused).not.toMatch(/p#ss|50%off|s3cr3t/);
  });

  it.each([
    ['postgres://ledger:p%40ss@db.internal/ledger', 'db.internal:5432/ledger'],
    ['postgresql://ledger@db.internal:6432/', 'db.internal:6432/ledger'],
    ['postgres://ledger@/ledger?host=/var/run/postgresql', '/var/run/postgresql:5432/ledger'],
    ['postgres://db.internal/ledger?port=6543&user=ledger', 'db.internal:6543/ledger'],
  ])('reads %s the way node-postgres does, naming it %s without credentials', (url, address) => {
    expect(loadConfig({ DATABASE_URL: url })).toMatchObject({ databaseUrl: url, databaseAddress: address });
  });

  it('finds a placeholder password wherever node-postgres would take it from', () => {
    expect(refusal({ DATABASE_URL: 'postgres://db/ledger?user=ledger&password=change-me' })).toMatch(
      /^DATABASE_URL has a placeholder password/,
    );
  });

  it.each([
    ['the KurrentDB client scheme this client does not read', 'kurrentdb://localhost:2113?tls=false'],
    ['a port that is not a number', 'esdb://localhost:abc?tls=false'],
    ['a port out of range', 'esdb://localhost:99999'],
    ['a bare % in the password', 'esdb://admin:50%off@localhost:2113'],
    ['an @ in the password', 'esdb://admin:p@ss@localhost:2113'],
    ['no host', 'esdb://?tls=false'],
  ])('stops with a line naming EVENTSTORE_CONNECTION_STRING for %s', (_, connectionString) => {
    const refused = refusal({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connectionString });
    expect(refused).toMatch(
      /^EVENTSTORE_CONNECTION_STRING is invalid: .+ \(set it to e\.g\. esdb:\/\/localhost:2113\?tls=false\)$/,
    );
    expect(refused).not.toMatch(/50%off|p@ss/);
  });

  it.each([
    'esdb://localhost:2113?tls=false',
    'esdb://admin:ch%40ngeit@localhost:2113/?tls=true&nodePreference=leader',
    'esdb+discover://node1:2113,node2:2113,node3',
  ])('accepts the EventStoreDB connection string %s', (connectionString) => {
    expect(
      loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connectionString })
        .eventStoreConnectionString,
    ).toBe(connectionString);
  });

  it.each(['abc', '-1', '65536', '4000.5'])('answers PORT=%s in its own words', (port) => {
    expect(refusal({ PORT: port })).toBe('PORT is invalid: must be a port number from 0 to 65535');
  });
});
