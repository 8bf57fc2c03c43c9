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

  it('only warns about them on the embedded database', () => {
    const config = loadConfig({ LEDGER_API_TOKENS: 'dev-token', STRIPE_WEBHOOK_SECRET: 'whsec_replace_me' });
    expect(config.warnings).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET is a placeholder/),
      expect.stringMatching(/^LEDGER_API_TOKENS holds a token shorter than 16/),
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

  it.each(['abc', '-1', '65536', '4000.5'])('answers PORT=%s in its own words', (port) => {
    expect(refusal({ PORT: port })).toBe('PORT is invalid: must be a port number from 0 to 65535');
  });
});
