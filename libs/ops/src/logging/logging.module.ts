import { DynamicModule, Global, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import type { AppConfig } from '@redial/config';
import { PinoNestLogger } from './pino-nest.logger';
import { createRedialLogger, RedialApp } from './redial-logger';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Makes pino the app's logger: provides ROOT_LOGGER and, on init, routes Nest's Logger to it (what
 * `app.useLogger` does). Import it once per app, in the app's root module.
 */
@Global()
@Module({})
export class LoggingModule implements OnModuleInit {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Pino) {}

  static forRoot(config: AppConfig, app: RedialApp): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useValue: createRedialLogger(config, app) }],
      exports: [ROOT_LOGGER],
    };
  }

  onModuleInit(): void {
    Logger.overrideLogger(new PinoNestLogger(this.root));
  }
}
