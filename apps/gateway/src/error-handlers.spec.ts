import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@nestjs/common';
import { Server } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { createRedis } from '@redial/queue';
import { handleSocketErrors, logRedisErrors } from './error-handlers';

/** Records what it is asked to log (the app's logger scrubs it on the way out), and waits for a line. */
class RecordingLogger {
  readonly lines: string[] = [];
  private waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  debug = (line: string) => this.record(line);
  warn = (line: string) => this.record(line);

  /** The first line (logged already or still to come) that matches; bounded by Jest's test timeout. */
  line(pattern: RegExp): Promise<string> {
    const found = this.lines.find((l) => pattern.test(l));
    return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  private record(line: string): void {
    this.lines.push(line);
    for (const w of this.waiters.filter((x) => x.pattern.test(line))) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(line);
    }
  }
}

/** The client's websocket (the `ws` package's), to send frames socket.io-client never would. */
const raw = (client: ClientSocket) => (client.io.engine as unknown as { transport: { ws: { send(frame: string): void } } }).transport.ws;

describe('socket error handlers', () => {
  let http: HttpServer;
  let server: Server;
  let url: string;
  const logger = new RecordingLogger();
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    http = createServer();
    server = new Server(http, { maxHttpBufferSize: 16 * 1024, transports: ['websocket'] });
    handleSocketErrors(server, logger as unknown as Logger);
    server.of('/challenges'); // created after the handlers, as Nest creates its namespaces
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await new Promise((resolve) => server.close(resolve));
  });

  async function connected(namespace: string): Promise<ClientSocket> {
    const client = io(`${url}${namespace}`, { forceNew: true, transports: ['websocket'], reconnection: false });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    return client;
  }

  it.each<[string, string, (nsp: string) => string, RegExp]>([
    ['an event the client named `error`', '/challenges', (nsp) => `42${nsp},["error","to +12015550123"]`, /^socket \S+ on \/challenges: to \+12015550123$/],
    ['a packet whose JSON does not parse', '/challenges', (nsp) => `42${nsp},["x",{oops`, /^socket \S+ on \/challenges: invalid payload$/],
    ['a packet whose JSON does not parse, on the main namespace', '/', () => '42["x",{oops', /^socket \S+ on \/: invalid payload$/],
    ['an engine.io packet of no known type', '/challenges', () => 'garbage', /^connection \S+ closed: parse error$/],
    ['a frame over maxHttpBufferSize', '/challenges', (nsp) => `42${nsp},["x","${'x'.repeat(20 * 1024)}"]`, /^connection \S+ closed: transport error: .*payload/i],
  ])('logs %s', async (_name, namespace, frame, line) => {
    const client = await connected(namespace);
    raw(client).send(frame(namespace === '/' ? '' : namespace));
    expect(await logger.line(line)).toMatch(line);
  });

  it('logs what the engine refuses', async () => {
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`); // polling is not offered
    expect(res.status).toBe(400);
    expect(await logger.line(/^connection refused: /)).toMatch(/Transport unknown \(0\)/);
  });
});

it('logs the errors of a Redis client (a refused connection)', async () => {
  const logger = new RecordingLogger();
  const redis = createRedis('redis://127.0.0.1:1', 'subscriber');
  logRedisErrors(redis, logger as unknown as Logger, 'test subscriber');
  try {
    expect(await logger.line(/^test subscriber: /)).toMatch(/ECONNREFUSED/);
  } finally {
    redis.disconnect();
  }
});
