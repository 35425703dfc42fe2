import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@redial/config';
import { REDIAL_NEST_LOGGING, useRedialLogger } from '@redial/ops';
import { WorkerModule } from './worker.module';

/**
 * The worker is a Nest application context (no HTTP): its BullMQ workers start on bootstrap, and `close()` drains them
 * (WorkerHost; main.ts closes it on SIGTERM). Logs are pino JSON at LOG_LEVEL, scrubbed, like every app's
 * (`logger: false` is accepted for compatibility and changes nothing).
 */
export async function createWorkerApp(config: AppConfig, _options: { logger?: false } = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { ...REDIAL_NEST_LOGGING, abortOnError: false });
  useRedialLogger(app);
  await app.init();
  return app;
}
