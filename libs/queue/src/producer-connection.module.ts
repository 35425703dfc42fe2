import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { createRedis, producerTimeouts } from './redis.connection';

/** The app's producer connection to Redis (fails fast when Redis is away: `enableOfflineQueue: false`). */
export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

/**
 * One producer connection per app, shared by the BullMQ queues (BullMQ leaves a connection it was handed open)
 * and by what reads Redis directly: health, queue figures, liveness, the alerts lock. Closed last, once the
 * queues and workers are.
 */
@Module({
  providers: [{ provide: PRODUCER_REDIS, useFactory: (config: AppConfig) => createRedis(config, 'producer', producerTimeouts(config.dependencyTimeoutMs)), inject: [APP_CONFIG] }],
  exports: [PRODUCER_REDIS],
})
export class ProducerConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(PRODUCER_REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
