import { decodes } from './databaseUrl.js';

const HOST = /^[^$+!?*'(),;[\]{}|"%~#<>=&@:/\\\s]+(?::(\d{1,5}))?$/;

/**
 * What is wrong with EVENTSTORE_CONNECTION_STRING, in words that never quote it (it may hold a
 * password), or undefined. The shape @eventstore/db-client parses: esdb[+discover]://[user:password@]
 * host[:port][,host[:port]...][/][?key=value...]; the client itself checks the options when it connects.
 */
export const eventStoreConnectionStringProblem = (value: string): string | undefined => {
  const match = /^esdb(?:\+discover)?:\/\/([^/?]*)\/?(?:\?.*)?$/.exec(value);
  if (match === null) return 'must be esdb://host:port or esdb+discover://host:port, then options after ?';
  const authority = match[1]!;
  const at = authority.indexOf('@');
  if (at >= 0) {
    const [user = '', password = '', ...rest] = authority.slice(0, at).split(':');
    if (user === '' || password === '' || rest.length > 0 || authority.indexOf('@', at + 1) >= 0) {
      return 'its credentials must be user:password@, with any : or @ in them percent-encoded (@ as %40)';
    }
    if (!decodes(user) || !decodes(password)) {
      return 'its user name or password has a % that is not followed by two hex digits: write % as %25';
    }
  }
  const hosts = authority.slice(at + 1).split(',');
  const valid = (host: string) => {
    const match = HOST.exec(host);
    const port = match?.[1];
    return match !== null && (port === undefined || (Number(port) >= 1 && Number(port) <= 65_535));
  };
  return hosts.every(valid)
    ? undefined
    : 'must name host:port (or several, comma-separated), the port from 1 to 65535';
};
