import { createServer, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import { waitFor } from '../../tests/support/waitFor.js';
import { PIPELINE_LIMITS, pipelineLimit } from './pipelineLimit.js';

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** A node server behind the limit that answers `/now...` at once with its path, and holds every other request. */
const heldServer = async () => {
  const held: ServerResponse[] = [];
  const overflowed: net.Socket[] = [];
  const admit = pipelineLimit((socket) => overflowed.push(socket));
  const server: Server = createServer((req, res) => {
    if (!admit(req, res)) return;
    if (req.url!.startsWith('/now')) res.end(req.url);
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { server, port, held, overflowed };
};

type Client = { socket: net.Socket; received: () => string; closed: () => boolean };

const connect = async (port: number, { reading }: { reading: boolean }): Promise<Client> => {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise((resolve) => socket.once('connect', resolve));
  if (reading) socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  else socket.pause();
  return { socket, received: () => received, closed: () => closed };
};

/** A request on a connection of its own, answered: the server has since been through its reads. */
const roundTrip = async (port: number) => {
  const other = await connect(port, { reading: true });
  other.socket.write(request('/now'));
  await waitFor(() => other.received().endsWith('now'), { what: 'the answer on another connection' });
  other.socket.destroy();
};

describe('the pipelining limit of a connection', () => {
  let served: Awaited<ReturnType<typeof heldServer>>;
  const clients: Client[] = [];
  beforeEach(async () => {
    served = await heldServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    served.server.closeAllConnections();
    await new Promise((resolve) => served.server.close(resolve));
  });

  it(`stops reading a connection at ${PIPELINE_LIMITS.inFlight} unanswered requests, and reads on once one is answered`, async () => {
    const client = await connect(served.port, { reading: false });
    clients.push(client);
    client.socket.write(request('/held').repeat(PIPELINE_LIMITS.inFlight));
    await waitFor(() => served.held.length === PIPELINE_LIMITS.inFlight, {
      what: 'the first requests to be handled',
    });

    client.socket.write(request('/held').repeat(10));
    await roundTrip(served.port);
    await roundTrip(served.port);
    expect(served.held).toHaveLength(PIPELINE_LIMITS.inFlight);

    served.held[0]!.end('done');
    await waitFor(() => served.held.length === PIPELINE_LIMITS.inFlight + 10, {
      what: 'the rest to be read once one was answered',
    });
    expect(client.closed()).toBe(false);
    expect(served.overflowed).toEqual([]);
  });

  it(`closes a connection that sends more than ${PIPELINE_LIMITS.hardCap} requests at once, handling none past the cap`, async () => {
    const client = await connect(served.port, { reading: true });
    clients.push(client);
    client.socket.write(request('/held').repeat(200));
    await waitFor(client.closed, { what: 'the connection to be closed', timeoutMs: 5_000 });
    expect(served.held).toHaveLength(PIPELINE_LIMITS.hardCap);
    expect(served.overflowed).toHaveLength(1);
    expect(client.received()).toBe('');
  });

  it('answers every request of a client that pipelines a few, in order', async () => {
    const client = await connect(served.port, { reading: true });
    clients.push(client);
    const paths = Array.from({ length: 10 }, (_, i) => `/now/${i}`);
    client.socket.write(paths.map(request).join(''));
    await waitFor(() => client.received().endsWith(paths.at(-1)!), { what: 'the last answer' });
    expect(client.received().match(/\/now\/\d+/g)).toEqual(paths);
    expect(client.closed()).toBe(false);
  });
});
