import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@redial/config';
import { createRedis, isClusterTarget, socketIoKey, waitReady } from '@redial/queue';
import { handleSocketErrors, logRedisErrors } from './error-handlers';

/** Clients only send their handshake; nothing they could send needs more room than this. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
export const REDIS_READY_TIMEOUT_MS = 5000;

/**
 * Nest's socket.io adapter with the Redis adapter installed: the server's key is the emitter's (EventPublisher),
 * so the alerts api and worker publish to `/ops` reach every gateway process (challenge updates, for both
 * namespaces, take the challenge-events channel: ChallengeEventsSubscriber). The server options and the sockets'
 * error handlers live here, not in the gateways' decorators: both namespaces share one server.
 *
 * Use: `connectToRedis()`, then `app.useWebSocketAdapter(adapter)`, `app.init()` (the gateways' namespaces are
 * created and subscribe), then `subscribed()` before accepting clients.
 */
export class RedisIoAdapter extends IoAdapter {
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  private io: Server | undefined;
  /** Cluster mode: the sharded adapter's SSUBSCRIBE replies (it does not wait for them itself). */
  private readonly subscriptions: Array<Promise<unknown>> = [];

  constructor(
    app: INestApplication,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  async connectToRedis(): Promise<void> {
    const pub = (this.pub = createRedis(this.config, 'subscriber'));
    const sub = (this.sub = createRedis(this.config, 'subscriber'));
    logRedisErrors(pub, this.logger, 'socket.io adapter publisher');
    logRedisErrors(sub, this.logger, 'socket.io adapter subscriber');
    await Promise.all([waitReady(pub, REDIS_READY_TIMEOUT_MS), waitReady(sub, REDIS_READY_TIMEOUT_MS)]);
    if (isClusterTarget(this.config)) {
      const ssubscribe = sub.ssubscribe.bind(sub) as (...channels: string[]) => Promise<unknown>;
      sub.ssubscribe = ((...channels: string[]) => {
        const reply = ssubscribe(...channels);
        this.subscriptions.push(reply);
        return reply;
      }) as typeof sub.ssubscribe;
    }
  }

  /**
   * Resolves once every namespace's subscription is active: commands on one connection run in order (classic),
   * or every SSUBSCRIBE has its reply (cluster).
   */
  async subscribed(): Promise<void> {
    if (isClusterTarget(this.config)) await Promise.all(this.subscriptions);
    else await this.sub?.ping();
  }

  /**
   * One Redis: the classic adapter (PUBLISH/PSUBSCRIBE), the format of `@socket.io/redis-emitter`. A Redis
   * Cluster (REDIS_CLUSTER_NODES): the sharded adapter over Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE, routed
   * to the shard that owns the channel's slot instead of broadcast over the cluster bus), in "static" mode: one
   * channel per namespace, subscribed when the namespace is created — so no update can slip past a socket whose
   * room's subscription is still on its way — and the hash-tagged key keeps a stack's channels on one shard.
   * The api and worker publish into it with ShardedEmitter (libs/queue).
   */
  private adapterFactory(pub: Redis, sub: Redis): ServerOptions['adapter'] {
    const key = socketIoKey(this.config.queuePrefix);
    return (isClusterTarget(this.config)
      ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: 'static' })
      : createAdapter(pub, sub, { key })) as unknown as ServerOptions['adapter'];
  }

  createIOServer(port: number, options?: ServerOptions): Server {
    if (!this.pub || !this.sub) throw new Error('RedisIoAdapter: call connectToRedis() before the app starts');
    const serverOptions: Partial<ServerOptions> = {
      ...options,
      adapter: this.adapterFactory(this.pub, this.sub),
      // The web page is served by the api on another origin; auth is by token, never by cookie.
      cors: { origin: '*' },
      serveClient: false,
      maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    };
    const server = (this.io = super.createIOServer(port, serverOptions as ServerOptions) as Server);
    handleSocketErrors(server, this.logger);
    return server;
  }

  /**
   * Shutdown: closes every client's connection (the engine's, each transport) — not a socket.io `disconnect`, after
   * which socket.io-client would stay disconnected — so each client sees "transport close" and reconnects at once,
   * through the balancer, to another gateway, which sends it a fresh snapshot.
   */
  closeClients(): void {
    this.io?.engine.close();
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
