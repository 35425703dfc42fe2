import type { Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { CHALLENGES_NAMESPACE, OPS_NAMESPACE } from '@redial/contracts';
import { reportGatewaySockets } from '@redial/ops';
import { createRedis, socketIoKey, waitReady } from '@redial/queue';
import { ChallengesNamespace, ChallengesNsp } from './challenges.namespace';
import { OpsNamespace, OpsNsp } from './ops.namespace';

/** Clients only send their handshake; nothing they could send needs more room than this. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const REDIS_READY_TIMEOUT_MS = 5000;
/** How often this gateway reports its open sockets for /metrics. */
const SOCKET_REPORT_MS = 5000;

/**
 * The socket.io server, attached to the Nest app's HTTP server. Its Redis adapter shares the emitter's key, so
 * what api and worker publish reaches every gateway process, and rooms span processes.
 */
@Injectable()
export class GatewayServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('GatewayServer');
  private io: Server | undefined;
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly http: HttpAdapterHost,
    private readonly challenges: ChallengesNamespace,
    private readonly ops: OpsNamespace,
  ) {}

  /** Open sockets per namespace in this process (for metrics). */
  get sockets(): { challenges: number; ops: number } {
    return { challenges: this.challenges.openSockets, ops: this.ops.openSockets };
  }

  get openSockets(): number {
    return this.challenges.openSockets + this.ops.openSockets;
  }

  /** Attaches socket.io and subscribes to Redis; start-up completes only once the subscriptions are in place. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.io) return;
    const pub = (this.pub = createRedis(this.config.redisUrl, 'subscriber'));
    const sub = (this.sub = createRedis(this.config.redisUrl, 'subscriber'));
    await Promise.all([waitReady(pub, REDIS_READY_TIMEOUT_MS), waitReady(sub, REDIS_READY_TIMEOUT_MS)]);

    const httpServer = this.http.httpAdapter.getHttpServer() as HttpServer;
    const io = (this.io = new Server(httpServer, {
      adapter: createAdapter(pub, sub, { key: socketIoKey(this.config.queuePrefix) }),
      // The web page is served by the api on another origin; auth is by token, never by cookie.
      cors: { origin: '*' },
      serveClient: false,
      maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    }));
    this.challenges.bind(io.of(CHALLENGES_NAMESPACE) as unknown as ChallengesNsp);
    this.ops.bind(io.of(OPS_NAMESPACE) as unknown as OpsNsp);
    // Commands on one connection run in order: once this PING is answered, every PSUBSCRIBE above is active.
    await sub.ping();
    const report = () =>
      void reportGatewaySockets(pub, this.config.queuePrefix, this.id, this.openSockets).catch((err: Error) => this.logger.debug(`socket report failed: ${err.message}`));
    report();
    this.reportTimer = setInterval(report, SOCKET_REPORT_MS);
    this.reportTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.reportTimer);
    const io = this.io;
    this.io = undefined;
    if (io) {
      // Like io.close(), except the HTTP server: Nest closes that itself, after this.
      const namespaces = [...io._nsps.values()];
      // `local`: only this process's sockets; without it the adapter would ask every gateway to disconnect theirs.
      for (const nsp of namespaces) nsp.local.disconnectSockets(true);
      await Promise.allSettled(namespaces.map((nsp) => nsp.adapter.close()));
      io.engine.close();
    }
    await Promise.allSettled([this.pub, this.sub].map((c) => c?.quit()));
    this.pub?.disconnect();
    this.sub?.disconnect();
    this.logger.debug('socket.io closed');
  }
}
