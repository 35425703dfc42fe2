import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@redial/config';
import { REDIAL_NEST_LOGGING, useRedialLogger } from '@redial/ops';
import { SandboxExceptionFilter } from './sandbox-exception.filter';
import { SandboxModule } from './sandbox.module';
import type { SandboxOptions } from './sandbox.settings';

/** The sandbox as a Nest application, not yet listening (tests can `inject()` into it). */
export async function createSandboxApp(config: AppConfig, options: SandboxOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule.forRoot(config, options),
    new FastifyAdapter({ logger: false }),
    { ...REDIAL_NEST_LOGGING, abortOnError: false },
  );
  useRedialLogger(app);
  // Unknown routes and unreadable requests answer in Twilio's error shape (or the control API's), never Nest's.
  app.useGlobalFilters(new SandboxExceptionFilter());
  await app.init();
  return app;
}

export interface RunningSandbox {
  /** Base URL to give the Twilio SDK (TWILIO_API_URL), e.g. `http://127.0.0.1:4010`. */
  url: string;
  port: number;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** Starts the sandbox on config.host:config.sandboxPort (port 0 picks a free one). */
export async function startSandbox(config: AppConfig, options: SandboxOptions = {}): Promise<RunningSandbox> {
  const app = await createSandboxApp(config, options);
  await app.listen({ port: config.sandboxPort, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.sandboxPort;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, port, app, close: () => app.close() };
}
