import net from 'node:net';

export type TcpProxy = {
  /** The port to connect to instead of the target's. */
  port: number;
  /** A database outage: every open connection is torn down and new ones are refused. */
  cut(): Promise<void>;
  /** The database is back: the same port accepts again (after a cut), or answers again (after a freeze). */
  restore(): Promise<void>;
  /** A database that hangs: connections stay open and new ones are accepted, but nothing is forwarded
   * either way until restore(), when the bytes held meanwhile go through. */
  freeze(): void;
  /** A pooler or load balancer in front of a database that is down: every open connection is torn
   * down, and new ones are accepted and dropped at once, until restore(). */
  dropEach(): void;
  /** Connections accepted so far. */
  accepted(): number;
  /** Every byte the clients sent towards the server so far: what a network observer would see. */
  sent(): Buffer;
  close(): Promise<void>;
};

const listen = (server: net.Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });

type Pair = { client: net.Socket; upstream: net.Socket | undefined };

/** A TCP proxy in front of PostgreSQL that a test can cut, freeze and restore, to simulate outages. */
export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<Pair>();
  const sent: Buffer[] = [];
  let frozen = false;
  let dropping = false;
  let accepted = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A torn-down peer shows up as ECONNRESET/EPIPE here: expected, not a test failure.
    socket.on('error', () => socket.destroy());
  };
  const flow = (pair: Pair) => {
    const { client, upstream } = pair;
    if (!upstream) return;
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    track(upstream);
    pair.client.on('close', () => upstream.destroy());
    upstream.on('close', () => pair.client.destroy());
    flow(pair);
  };
  const relay = (client: net.Socket) => {
    accepted += 1;
    if (dropping) {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    track(client);
    client.on('data', (chunk: Buffer) => sent.push(chunk));
    client.on('close', () => pairs.delete(pair));
    // Frozen: accepted, and then nothing; not even the upstream connection is made until restore.
    if (frozen) client.pause();
    else connectUpstream(pair);
  };
  let current = net.createServer(relay);
  const port = await listen(current, 0);

  const cut = async () => {
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    port,
    cut,
    sent: () => Buffer.concat(sent),
    accepted: () => accepted,
    dropEach: () => {
      dropping = true;
      for (const socket of sockets) socket.destroy();
    },
    freeze: () => {
      frozen = true;
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    restore: async () => {
      dropping = false;
      if (frozen) {
        frozen = false;
        for (const pair of pairs) {
          if (pair.upstream) flow(pair);
          else connectUpstream(pair);
        }
      }
      if (current.listening) return;
      current = net.createServer(relay);
      await listen(current, port);
    },
    close: async () => {
      if (current.listening) await cut();
      else for (const socket of sockets) socket.destroy();
    },
  };
};

/** A proxy in front of the PostgreSQL server of `databaseUrl`, and the same URL through the proxy. */
export const proxyInFront = async (databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> => {
  const direct = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(databaseUrl);
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.toString() };
};
