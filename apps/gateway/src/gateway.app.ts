import type { AddressInfo } from 'node:net';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@redial/config';
import { GatewayModule } from './gateway.module';
import { GatewayServer } from './gateway.server';

export interface GatewayOptions {
  /** `false` silences Nest's logger (tests); otherwise LOG_LEVEL decides. */
  logger?: false;
}

/** Builds the gateway (socket.io attached and subscribed to Redis, not listening yet). */
export async function createGatewayApp(config: AppConfig, options: GatewayOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), new FastifyAdapter({ logger: false }), {
    logger: options.logger === false ? false : nestLogLevels(config.logLevel),
    abortOnError: false,
  });
  try {
    await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

export interface RunningGateway {
  /** What socket.io clients connect to, e.g. `http://127.0.0.1:3001` (namespaces appended). */
  url: string;
  port: number;
  app: NestFastifyApplication;
  /** Sockets open in this process, all namespaces. */
  openSockets(): number;
  close(): Promise<void>;
}

/** Starts the gateway on config.host and `options.port` (default config.gatewayPort; 0 picks a free port). */
export async function startGateway(config: AppConfig, options: GatewayOptions & { port?: number } = {}): Promise<RunningGateway> {
  const app = await createGatewayApp(config, options);
  try {
    await app.listen({ port: options.port ?? config.gatewayPort, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const server = app.get(GatewayServer);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    app,
    openSockets: () => server.openSockets,
    close: () => app.close(),
  };
}

/** LOG_LEVEL (pino's names) → Nest's levels. Connects and disconnects are logged at debug. */
function nestLogLevels(level: string): LogLevel[] | false {
  const order: Array<[string, LogLevel[]]> = [
    ['fatal', ['fatal']],
    ['error', ['error']],
    ['warn', ['warn']],
    ['info', ['log']],
    ['debug', ['debug']],
    ['trace', ['verbose']],
  ];
  if (level === 'silent') return false;
  const upTo = order.findIndex(([name]) => name === level);
  return order.slice(0, upTo === -1 ? 4 : upTo + 1).flatMap(([, levels]) => levels);
}
