import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { createRedis, producerTimeouts } from './redis.connection';

/** The app's producer connection to Redis (fails fast when Redis is away: `enableOfflineQueue: false`). */
export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

/**
 * One producer connection per app, shared by the BullMQ queues (BullMQ leaves a connection it was handed open),
 * the event publisher and what reads Redis directly: health, queue figures, liveness, the alerts lock, the guards'
 * scripts. Closed last, once the queues and workers are.
 *
 * Auto-pipelining: the commands the app issues in one tick leave in one write and their replies come back in one
 * read — a new challenge's expiry and dispatch jobs with the updates it publishes, a sent text's step deadline with
 * its update, concurrent requests' admission scripts, a stats tick's reads — instead of a write (and a read on
 * each side) per command. Replies still come back in the order the commands were issued, each to its own caller.
 * BullMQ's workers never use this connection: they take their own (worker.options.ts), where a blocking command
 * waits.
 */
@Module({
  providers: [{ provide: PRODUCER_REDIS, useFactory: (config: AppConfig) => createProducerRedis(config), inject: [APP_CONFIG] }],
  exports: [PRODUCER_REDIS],
})
export class ProducerConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(PRODUCER_REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

/** The producer connection ProducerConnectionModule provides: fail-fast, bounded by DEPENDENCY_TIMEOUT_MS, auto-pipelined. */
export function createProducerRedis(config: AppConfig): Redis {
  return createRedis(config, 'producer', { enableAutoPipelining: true, ...producerTimeouts(config.dependencyTimeoutMs) });
}
