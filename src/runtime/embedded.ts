import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config/config.js';
import { pgliteDb } from '../db/pglite.js';
import { lockDataDir } from '../db/pgliteLock.js';
import type { Db } from '../db/port.js';
import type { Logger } from '../observability/logger.js';
import { errorMessage } from '../shared/errorMessage.js';

/** LEDGER_DATA_DIR holds the database files, the lock file and the development webhook secret. */
const DATABASE_FOLDER = 'pgdata';
const SECRET_FILE = 'webhook-secret';
const SECRET = /^whsec_[A-Za-z0-9]+$/;

/** True when `dataDir` holds an embedded database (made by an earlier `serve`, `migrate` or `demo`). */
export const embeddedDbExists = (dataDir: string): boolean =>
  existsSync(join(resolve(dataDir), DATABASE_FOLDER));

const UNUSABLE: Readonly<Record<string, string>> = {
  EEXIST: 'it is a file, not a folder',
  ENOTDIR: 'part of its path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
};

/** The folder, made if missing; a path that cannot be one is a bad LEDGER_DATA_DIR (one line, exit 2). */
const makeDataDir = (dir: string) => {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const reason = UNUSABLE[(error as NodeJS.ErrnoException).code ?? ''];
    if (reason === undefined) throw error;
    throw new ConfigError(`LEDGER_DATA_DIR is invalid: ${dir} cannot hold the embedded database (${reason})`);
  }
};

/** The embedded database (PGlite) in `dataDir`, locked for this process until it is closed. */
export const openEmbeddedDb = async (dataDir: string, logger: Logger): Promise<Db> => {
  const dir = resolve(dataDir);
  makeDataDir(dir);
  const lock = await lockDataDir(dir, {
    // Another process may be opening the folder now: writing on would corrupt it, so stop at once.
    onCompromised: (error) => {
      logger.fatal({ data_dir: dir, err: errorMessage(error) }, 'embedded database lock lost');
      process.stderr.write(
        `stripe-ledger: lost the lock of the embedded database in ${dir} (${errorMessage(error)}): stopping\n`,
      );
      process.exit(1);
    },
  });
  let db: Db;
  try {
    db = await pgliteDb({ dataDir: join(dir, DATABASE_FOLDER) });
  } catch (error) {
    await lock.release();
    throw new Error(`cannot open the embedded database in ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  logger.info({ data_dir: dir }, 'embedded database open');
  return {
    ...db,
    close: async () => {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
};

/** The development secret kept in `dataDir`, when one was made there. */
export const readDevelopmentWebhookSecret = (dataDir: string): string | undefined => {
  const file = join(resolve(dataDir), SECRET_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!SECRET.test(text)) {
    throw new Error(
      `${file} does not hold a whsec_... secret: delete it and a new one is made at the next start`,
    );
  }
  return text;
};

/** Made once per data folder (random, like the Stripe CLI's), readable by its owner only. */
const developmentWebhookSecret = (dataDir: string): string => {
  const existing = readDevelopmentWebhookSecret(dataDir);
  if (existing) return existing;
  const secret = `whsec_${randomBytes(32).toString('hex')}`;
  writeFileSync(join(resolve(dataDir), SECRET_FILE), `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
};

/**
 * What `serve` says and needs on the embedded database: a banner on what it is not fit for and, when
 * STRIPE_WEBHOOK_SECRET is unset, the development secret it verifies webhooks with instead.
 */
export const startEmbedded = (config: Config, notice: (text: string) => void): { secrets: string[] } => {
  const dir = resolve(config.dataDir);
  const lines = [
    `stripe-ledger: running on the embedded database (PGlite) in ${dir}`,
    '  For development and evaluation only: it is not crash-durable (no fsync: an OS crash or power loss',
    '  can lose acknowledged events) and serves one process. For production, run on PostgreSQL:',
    '  set DATABASE_URL=postgres://user:password@host:5432/database',
  ];
  for (const warning of config.warnings)
    lines.push(`stripe-ledger: warning: ${warning}; PostgreSQL refuses it`);
  let secrets = config.webhookSecrets;
  if (secrets.length === 0) {
    secrets = [developmentWebhookSecret(dir)];
    lines.push(
      'stripe-ledger: STRIPE_WEBHOOK_SECRET is not set: webhooks are verified with the development secret',
      `  ${secrets[0]}`,
      `  (kept in ${join(dir, SECRET_FILE)}; \`stripe-ledger demo\` signs with it). To forward real test`,
      '  events with the Stripe CLI, set STRIPE_WEBHOOK_SECRET to what `stripe listen --print-secret` prints.',
    );
  }
  notice(`${lines.join('\n')}\n`);
  return { secrets };
};
