import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

describe('stripe-ledger serve where it cannot listen', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-listen-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [
      'a HOST no resolver knows',
      'example.invalid',
      /^stripe-ledger: HOST example\.invalid cannot be resolved to an address \((ENOTFOUND|EAI_AGAIN)\): set HOST to /,
    ],
    [
      'a HOST that is no address of this machine',
      '192.0.2.1',
      /^stripe-ledger: HOST 192\.0\.2\.1 is no address of this machine \(EADDRNOTAVAIL\): set HOST to /,
    ],
  ])(
    'exits 2 with one line naming HOST for %s',
    async (_, host, line) => {
      const result = await runCli(['serve'], { HOST: host, PORT: '0', LEDGER_DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      const last = result.stderr.trim().split('\n').at(-1)!;
      expect(last).toMatch(line);
      expect(result.stderr).not.toMatch(/getaddrinfo|listen EADDRNOTAVAIL/);
    },
    20_000,
  );
});
