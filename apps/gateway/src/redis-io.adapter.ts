import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@redial/config';
import { createRedis, socketIoKey, waitReady } from '@redial/queue';

/** Clients only send their handshake; nothing they could send needs more room than this. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const REDIS_READY_TIMEOUT_MS = 5000;

/**
 * Nest's socket.io adapter with the Redis adapter installed: the server's key is the emitter's (EventPublisher),
 * so what api and worker publish reaches every gateway process, and rooms span processes. The server options
 * live here, not in the gateways' decorators: both namespaces share one server.
 *
 * Use: `connectToRedis()`, then `app.useWebSocketAdapter(adapter)`, `app.init()` (the gateways' namespaces are
 * created and subscribe), then `subscribed()` before accepting clients.
 */
export class RedisIoAdapter extends IoAdapter {
  private pub: Redis | undefined;
  private sub: Redis | undefined;

  constructor(
    app: INestApplication,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  async connectToRedis(): Promise<void> {
    const pub = (this.pub = createRedis(this.config.redisUrl, 'subscriber'));
    const sub = (this.sub = createRedis(this.config.redisUrl, 'subscriber'));
    await Promise.all([waitReady(pub, REDIS_READY_TIMEOUT_MS), waitReady(sub, REDIS_READY_TIMEOUT_MS)]);
  }

  /** Resolves once every namespace's subscription is active: commands on one connection run in order. */
  async subscribed(): Promise<void> {
    await this.sub?.ping();
  }

  createIOServer(port: number, options?: ServerOptions): Server {
    if (!this.pub || !this.sub) throw new Error('RedisIoAdapter: call connectToRedis() before the app starts');
    const serverOptions: Partial<ServerOptions> = {
      ...options,
      adapter: createAdapter(this.pub, this.sub, { key: socketIoKey(this.config.queuePrefix) }),
      // The web page is served by the api on another origin; auth is by token, never by cookie.
      cors: { origin: '*' },
      serveClient: false,
      maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    };
    return super.createIOServer(port, serverOptions as ServerOptions) as Server;
  }

  /**
   * After Nest closed the server (`Server.close()`: this process's sockets, each namespace's Redis adapter, the
   * engine): the adapter's connections.
   */
  async dispose(): Promise<void> {
    await Promise.allSettled([this.pub, this.sub].map((c) => c?.quit()));
    this.pub?.disconnect();
    this.sub?.disconnect();
    this.pub = this.sub = undefined;
  }
}
