import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@redial/config';
import { REDIAL_NEST_LOGGING, useRedialLogger } from '@redial/ops';
import { GatewayModule } from './gateway.module';
import { GatewayPresence } from './gateway.presence';
import { RedisIoAdapter } from './redis-io.adapter';

export interface GatewayOptions {
  /** Accepted for compatibility and changes nothing: LOG_LEVEL decides (tests run with LOG_LEVEL=silent). */
  logger?: false;
}

/** Builds the gateway (socket.io attached and subscribed to Redis, not listening yet). */
export async function createGatewayApp(config: AppConfig, options: GatewayOptions = {}): Promise<NestFastifyApplication> {
  return (await buildGateway(config, options)).app;
}

async function buildGateway(config: AppConfig, _options: GatewayOptions): Promise<{ app: NestFastifyApplication; adapter: RedisIoAdapter }> {
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), new FastifyAdapter({ logger: false }), {
    ...REDIAL_NEST_LOGGING,
    abortOnError: false,
  });
  useRedialLogger(app);
  const adapter = new RedisIoAdapter(app, config);
  try {
    await adapter.connectToRedis();
    app.useWebSocketAdapter(adapter);
    await app.init();
    // Start-up completes only once the namespaces' Redis subscriptions are in place.
    await adapter.subscribed();
  } catch (err) {
    await app.close().catch(() => undefined);
    await adapter.dispose(); // closing an app that never initialised leaves the adapter's connections to us
    throw err;
  }
  return { app, adapter };
}

export interface RunningGateway {
  /** What socket.io clients connect to, e.g. `http://127.0.0.1:3001` (namespaces appended). */
  url: string;
  port: number;
  app: NestFastifyApplication;
  /** Sockets open in this process, all namespaces. */
  openSockets(): number;
  /**
   * Stops accepting connections, closes every client's transport so it reconnects elsewhere at once (SIGTERM:
   * main.ts), then closes the app and its Redis and PostgreSQL connections.
   */
  close(): Promise<void>;
}

/** Starts the gateway on config.host and `options.port` (default config.gatewayPort; 0 picks a free port). */
export async function startGateway(config: AppConfig, options: GatewayOptions & { port?: number } = {}): Promise<RunningGateway> {
  const { app, adapter } = await buildGateway(config, options);
  try {
    await app.listen({ port: options.port ?? config.gatewayPort, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const presence = app.get(GatewayPresence);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    app,
    openSockets: () => presence.openSockets,
    close: async () => {
      app.getHttpServer().close(); // no new connections: a client reconnecting now goes to another gateway
      adapter.closeClients();
      await app.close();
    },
  };
}
