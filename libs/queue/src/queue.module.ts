import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { EventPublisher } from './event.publisher';
import { ProducerConnectionModule, QUEUE_REDIS } from './producer-connection.module';
import { QUEUE_REGISTRATIONS } from './queue.options';
import { QueueService } from './queue.service';

/**
 * BullMQ through `@nestjs/bullmq`: the connection (QUEUE_REDIS) and QUEUE_PREFIX for every queue, the queues with their
 * default job options, and the typed producer over them. A worker app's `@Processor` classes find their queue
 * here. Needs ConfigModule.forRoot(config) in the app (the one global module).
 */
@Module({
  imports: [
    ProducerConnectionModule,
    BullModule.forRootAsync({
      imports: [ProducerConnectionModule],
      inject: [APP_CONFIG, QUEUE_REDIS],
      useFactory: (config: AppConfig, connection: Redis) => ({ connection, prefix: config.queuePrefix }),
    }),
    BullModule.registerQueue(...QUEUE_REGISTRATIONS),
  ],
  providers: [QueueService, EventPublisher],
  exports: [QueueService, EventPublisher],
})
export class QueueModule {}
