/** What node-postgres connects with, read from DATABASE_URL the way it reads it (pg-connection-string). */
export type DatabaseUrl = { host: string; port: string; database: string; user: string; password: string };

/** Whether `decode` reads `text`: false for a `%` that does not start an escape. */
export const decodes = (text: string, decode: (text: string) => string = decodeURIComponent): boolean => {
  try {
    decode(text);
    return true;
  } catch {
    return false;
  }
};

const parseUrl = (value: string): URL | undefined => {
  if (URL.canParse(value)) return new URL(value);
  // `postgres://user@/database?host=/var/run/postgresql` (a Unix socket) has no host, which the URL
  // parser refuses and node-postgres accepts by parsing it with a stand-in host.
  const withHost = value.replace('@/', '@localhost/');
  return withHost !== value && URL.canParse(withHost) ? new URL(withHost) : undefined;
};

/**
 * DATABASE_URL's parts, or what is wrong with it in words that never quote it (it holds the password).
 * Refuses what node-postgres would only fail on at connect time ("Invalid URL", "URI malformed"), and a
 * `%` that is not an escape, which it would guess at.
 */
export const parseDatabaseUrl = (value: string): { parts: DatabaseUrl } | { problem: string } => {
  if (!/^postgres(ql)?:\/\//.test(value)) return { problem: 'must be a postgres:// or postgresql:// URL' };
  const url = parseUrl(value);
  if (url === undefined) {
    return {
      problem:
        'cannot be read as a URL: write it as postgres://user:password@host:5432/database, with a port from 1 to 65535 ' +
        'and characters such as # / ? @ : in the user name or password percent-encoded (# as %23)',
    };
  }
  const parts = [
    ['user name', url.username, decodeURIComponent],
    ['password', url.password, decodeURIComponent],
    ['database name', url.pathname, decodeURI],
  ] as const;
  for (const [part, text, decode] of parts) {
    if (!decodes(text, decode)) {
      return { problem: `its ${part} has a % that is not followed by two hex digits: write % as %25` };
    }
  }
  const query = url.searchParams;
  const user = query.get('user') ?? decodeURIComponent(url.username);
  return {
    parts: {
      host: query.get('host') ?? (url.hostname === '' ? 'localhost' : url.hostname),
      port: query.get('port') ?? (url.port === '' ? '5432' : url.port),
      // node-postgres, like libpq, connects to the database named like the user when the URL names none.
      database: url.pathname.length > 1 ? decodeURI(url.pathname.slice(1)) : user,
      user,
      password: query.get('password') ?? decodeURIComponent(url.password),
    },
  };
};
