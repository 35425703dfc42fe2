import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { challengeEventsChannel, ChallengeUpdated } from '@redial/contracts';
import { createRedis, isClusterTarget, waitReady } from '@redial/queue';
import { logRedisErrors } from './error-handlers';
import { REDIS_READY_TIMEOUT_MS } from './redis-io.adapter';

/** The name of the subscriber's Redis connection (CLIENT LIST), one per gateway process. */
export const challengeEventsConnectionName = (prefix: string): string => `${prefix}-gateway-challenge-events`;

export interface ChallengeEventsListener {
  /** One `challenge.updated`, in the order Redis delivered it (not necessarily `seq` order). */
  update(update: ChallengeUpdated): void;
  /** The subscription was lost and is back: what was published meanwhile never arrived. */
  resubscribed(): void;
}

/**
 * This gateway's one subscription to the stack's challenge-events channel (what api and worker publish after each
 * commit): SUBSCRIBE on one Redis, SSUBSCRIBE on a Redis Cluster. Subscribed when the module starts, so before
 * the gateway accepts clients. Each message is parsed once and handed to every listener (`/challenges` and `/ops`).
 * A lost connection is re-subscribed by ioredis; once it is back, the listeners hear of it, so the sockets can read
 * what they missed from PostgreSQL.
 */
@Injectable()
export class ChallengeEventsSubscriber implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChallengeEventsSubscriber');
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly sharded: boolean;
  private listeners: ChallengeEventsListener[] = [];
  /** The first subscription is active (a loss before it is start-up's own business). */
  private subscribed = false;
  private lost = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.channel = challengeEventsChannel(config.queuePrefix);
    this.sharded = isClusterTarget(config);
    this.redis = createRedis(config, 'subscriber', { connectionName: challengeEventsConnectionName(config.queuePrefix) });
    logRedisErrors(this.redis, this.logger, 'challenge events subscriber');
    this.redis.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) => {
      if (channel === this.channel) this.deliver(message);
    });
    // One Redis: the connection closes and becomes ready again. A Cluster: a shard's subscriber is replaced.
    this.redis.on(this.sharded ? '-subscriber' : 'close', () => (this.lost = this.subscribed));
    this.redis.on(this.sharded ? 'subscribersReady' : 'ready', () => void this.recover());
  }

  listen(listener: ChallengeEventsListener): void {
    this.listeners.push(listener);
  }

  async onModuleInit(): Promise<void> {
    await waitReady(this.redis, REDIS_READY_TIMEOUT_MS);
    await this.subscribe();
    this.subscribed = true;
  }

  onModuleDestroy(): void {
    this.listeners = [];
    this.redis.disconnect();
  }

  /** Resolves once the subscription is active (the command's reply). */
  private subscribe(): Promise<unknown> {
    return this.sharded ? this.redis.ssubscribe(this.channel) : this.redis.subscribe(this.channel);
  }

  /**
   * After a loss: ioredis subscribes again by itself; subscribing once more (harmless) and waiting for the reply
   * proves the subscription active before the sockets read what they missed, so nothing falls between the two.
   */
  private async recover(): Promise<void> {
    if (!this.lost) return;
    this.lost = false;
    try {
      await this.subscribe();
    } catch (err) {
      this.lost = true; // the next reconnect tries again
      this.logger.warn(`challenge events: subscribing again failed: ${(err as Error).message}`);
      return;
    }
    this.logger.warn('challenge events: subscription lost and restored; sockets read what they missed from PostgreSQL');
    for (const listener of this.listeners) listener.resubscribed();
  }

  private deliver(message: string): void {
    let update: ChallengeUpdated;
    try {
      update = JSON.parse(message) as ChallengeUpdated;
    } catch {
      this.logger.warn('challenge events: a message that is not JSON was ignored');
      return;
    }
    if (!Number.isInteger(update?.seq) || typeof update.challenge?.id !== 'string') {
      this.logger.warn('challenge events: a message without seq or challenge id was ignored');
      return;
    }
    for (const listener of this.listeners) listener.update(update);
  }
}
