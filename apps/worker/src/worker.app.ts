import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@redial/config';
import { WorkerModule } from './worker.module';

/** The worker is a Nest application context (no HTTP): its BullMQ workers start on bootstrap. */
export async function createWorkerApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: options.logger === false ? false : ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
