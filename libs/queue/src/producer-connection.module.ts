import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { createRedis, producerTimeouts } from './redis.connection';

/** The app's producer connection to Redis (fails fast when Redis is away: `enableOfflineQueue: false`), auto-pipelined. */
export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

/** The connection of the app's BullMQ queues and its event publisher: a producer connection, auto-pipelined. */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/**
 * Two producer connections per app, both fail-fast and bounded by DEPENDENCY_TIMEOUT_MS, closed last, once the
 * queues and workers are (BullMQ leaves a connection it was handed open):
 * - QUEUE_REDIS, the BullMQ queues' and the event publisher's, auto-pipelined: the commands they issue in one tick
 *   leave in one write and their replies come back in one read — a new challenge's expiry and dispatch jobs with
 *   the updates it publishes, a sent text's update with its step deadline, a stats tick's reads — instead of a write
 *   (and a read on each side) per command. BullMQ defines its scripts when a queue connects, before it sends any.
 * - PRODUCER_REDIS, for what else reads or writes Redis: health, queue figures, liveness, the alerts lock, the
 *   guards' scripts — auto-pipelined as well, so concurrent requests' guard decisions share writes. Every script on
 *   it is defined before any traffic (in a constructor) or sent as plain EVALSHA/EVAL (GuardScripts): ioredis copies
 *   a connection's defined scripts into a tick's pipeline when it starts it, so one defined later in that tick would
 *   be missing from it, and the pipeline's replies would no longer match their callers.
 * Two rather than one, so that the jobs and updates of a transition never wait for their replies behind a request's
 * guard checks or an operator's queue figures. BullMQ's workers use neither: they take connections of their own
 * (worker.options.ts), where a blocking command waits.
 */
/** A fail-fast, auto-pipelined producer connection, bounded by DEPENDENCY_TIMEOUT_MS. */
function producerConnection(config: AppConfig): Redis {
  return createRedis(config, 'producer', { enableAutoPipelining: true, ...producerTimeouts(config.dependencyTimeoutMs) });
}

@Module({
  providers: [
    { provide: PRODUCER_REDIS, useFactory: producerConnection, inject: [APP_CONFIG] },
    { provide: QUEUE_REDIS, useFactory: producerConnection, inject: [APP_CONFIG] },
  ],
  exports: [PRODUCER_REDIS, QUEUE_REDIS],
})
export class ProducerConnectionModule implements OnApplicationShutdown {
  constructor(
    @Inject(PRODUCER_REDIS) private readonly producer: Redis,
    @Inject(QUEUE_REDIS) private readonly queues: Redis,
  ) {}

  onApplicationShutdown(): void {
    this.producer.disconnect();
    this.queues.disconnect();
  }
}
