import { DynamicModule, INestApplicationContext, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import type { AppConfig } from '@redial/config';
import { PinoNestLogger } from './pino-nest.logger';
import { createRedialLogger, RedialApp } from './redial-logger';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

export interface LoggingOptions {
  /** Overrides LOG_LEVEL for this app (`'silent'`: the quiet sandbox of tests and benchmarks). */
  level?: string;
}

/**
 * The one logger of every Redial app (api, worker, gateway, sandbox): pino JSON lines on stdout, scrubbed
 * (redial-logger.ts). Provides ROOT_LOGGER and, on init, routes Nest's Logger to it, so `new Logger('Ctx')`
 * anywhere in the app writes through the same scrubbed pino. Import it once per app, in the app's root module,
 * and create the app with REDIAL_NEST_LOGGING then `useRedialLogger(app)`, so that Nest's own start-up lines
 * (buffered until then) take the same way. Not global: classes log through Nest's `Logger`, which needs no
 * injection; only the root module's own providers (the worker's job instrumentation, the sandbox's logger)
 * and `app.get(ROOT_LOGGER)` use the pino instance itself.
 */
@Module({})
export class LoggingModule implements OnModuleInit {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Pino) {}

  static forRoot(config: AppConfig, app: RedialApp, options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useValue: createRedialLogger({ logLevel: options.level ?? config.logLevel }, app) }],
      exports: [ROOT_LOGGER],
    };
  }

  onModuleInit(): void {
    Logger.overrideLogger(new PinoNestLogger(this.root));
  }
}

/** NestFactory options for an app whose root module imports LoggingModule: Nest's start-up lines wait for it. */
export const REDIAL_NEST_LOGGING = { bufferLogs: true } as const;

/** Hands Nest's logging (and the lines buffered since NestFactory.create) to the app's pino logger. */
export function useRedialLogger(app: INestApplicationContext): void {
  app.useLogger(new PinoNestLogger(app.get<Pino>(ROOT_LOGGER)));
}
