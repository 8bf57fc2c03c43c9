import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout. Never log secrets, tokens or payloads: redaction is a second line of defence. */
export const createLogger = (level: string, destination?: pino.DestinationStream): Logger =>
  pino(
    {
      level,
      base: { service: 'stripe-ledger' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["stripe-signature"]',
          '*.secret',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
