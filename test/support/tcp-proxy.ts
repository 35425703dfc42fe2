import { createConnection, createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy a test owns, in front of a shared server (PostgreSQL, Redis): the apps connect through it, and the
 * test cuts and restores their path to the server without touching the server itself.
 * - `cut('refuse')`: every open connection is destroyed (the apps see a reset) and new ones are closed at once,
 *   as when the server is down.
 * - `cut('freeze')`: open connections stay up but nothing passes either way, and new ones are accepted and held
 *   without an answer, as when the server or the network hangs. Only the apps' own timeouts get them out.
 * - `restore()`: new connections reach the server again; frozen connections resume where they stopped (those the
 *   apps gave up on meanwhile are gone).
 */
export type CutMode = 'refuse' | 'freeze';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  cut(mode?: CutMode): void;
  restore(): void;
  /** Connections open through the proxy now. */
  openConnections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server?: Socket;
  frozen: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let state: 'open' | CutMode = 'open';

  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server?.destroy();
  };
  const link = (pair: Pair) => {
    const server = createConnection(target);
    pair.server = server;
    server.on('error', () => end(pair));
    server.on('close', () => end(pair));
    server.pipe(pair.client);
    pair.client.pipe(server);
    pair.client.resume();
  };
  const freeze = (pair: Pair) => {
    pair.frozen = true;
    if (!pair.server) return;
    pair.client.unpipe(pair.server);
    pair.server.unpipe(pair.client);
    pair.client.pause();
    pair.server.pause();
  };
  const thaw = (pair: Pair) => {
    pair.frozen = false;
    if (!pair.server) return link(pair);
    pair.server.pipe(pair.client);
    pair.client.pipe(pair.server);
    pair.client.resume();
    pair.server.resume();
  };

  const proxy: Server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => undefined);
    if (state === 'refuse') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, frozen: false };
    pairs.add(pair);
    client.on('close', () => end(pair));
    if (state === 'freeze') pair.frozen = true;
    else link(pair);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;

  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut(mode = 'refuse') {
      state = mode;
      for (const pair of [...pairs]) {
        if (mode === 'refuse') end(pair);
        else freeze(pair);
      }
    },
    restore() {
      state = 'open';
      for (const pair of [...pairs]) if (pair.frozen && !pair.client.destroyed) thaw(pair);
    },
    openConnections: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) end(pair);
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
