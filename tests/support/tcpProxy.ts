import net from 'node:net';

export type TcpProxy = {
  /** The port to connect to instead of the target's. */
  port: number;
  /** A database outage: every open connection is torn down and new ones are refused. */
  cut(): Promise<void>;
  /** The database is back: the same port accepts again. */
  restore(): Promise<void>;
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

/** A TCP proxy in front of PostgreSQL that a test can cut and restore, to simulate an outage. */
export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A torn-down peer shows up as ECONNRESET/EPIPE here: expected, not a test failure.
    socket.on('error', () => socket.destroy());
  };
  const relay = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
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
    restore: async () => {
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
