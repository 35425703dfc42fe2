import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import {
  CHALLENGES_NAMESPACE,
  ChallengesServerToClient,
  challengeRoom,
  ChallengeUpdated,
  OPS_NAMESPACE,
  OpsAlert,
  OpsServerToClient,
  socketIoKey,
} from '@redial/contracts';
import { createRedis, isClusterTarget, producerTimeouts } from './redis.connection';
import { ShardedEmitter } from './sharded-emitter';

/** The Redis key the socket.io adapter and emitter share, declared in libs/contracts (redis-keys.ts). */
export { socketIoKey };

/**
 * Publishes committed changes to every gateway process through Redis (socket.io emitter). Publishing is
 * best-effort: PostgreSQL has the events, and a client that missed one gets a fresh snapshot on reconnect.
 */
@Injectable()
export class EventPublisher implements OnModuleDestroy {
  private readonly logger = new Logger('EventPublisher');
  private readonly redis: Redis;
  private readonly challenges: Emitter<ChallengesServerToClient>;
  private readonly ops: Emitter<OpsServerToClient>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // Auto-pipelining: the publishes of one tick (an update goes to its challenge's room and to the operators,
    // and concurrent transitions publish together) leave in one write instead of one each.
    this.redis = createRedis(config, 'producer', { enableAutoPipelining: true, ...producerTimeouts(config.dependencyTimeoutMs) });
    // The emitter fires publish() and forgets the promise; a Redis outage would reject it unhandled and end the
    // process. Hand it a client whose publish never rejects: a lost event is re-sent as a snapshot on reconnect.
    const redis = this.redis;
    const failed = (err: Error) => {
      this.logger.warn(`event publish failed: ${err.message}`);
      return 0;
    };
    const safeClient = {
      publish: (channel: string, message: string | Buffer) => redis.publish(channel, message).catch(failed),
      spublish: (channel: string, message: string) => redis.spublish(channel, message).catch(failed),
    };
    // On a Redis Cluster the gateways run socket.io's sharded adapter (SSUBSCRIBE): publish in its format.
    const root = isClusterTarget(config)
      ? (new ShardedEmitter(safeClient, socketIoKey(config.queuePrefix)) as unknown as Emitter)
      : new Emitter(safeClient, { key: socketIoKey(config.queuePrefix) });
    this.challenges = root.of(CHALLENGES_NAMESPACE) as unknown as Emitter<ChallengesServerToClient>;
    this.ops = root.of(OPS_NAMESPACE) as unknown as Emitter<OpsServerToClient>;
  }

  challengeUpdated(update: ChallengeUpdated): void {
    try {
      this.challenges.to(challengeRoom(update.challenge.id)).emit('challenge.updated', update);
      this.ops.emit('challenge.updated', update);
    } catch (err) {
      this.logger.warn(`publish failed for challenge ${update.challenge.id}: ${(err as Error).message}`);
    }
  }

  alert(event: 'alert.raised' | 'alert.cleared', alert: OpsAlert): void {
    try {
      this.ops.emit(event, alert);
    } catch (err) {
      this.logger.warn(`publish failed for alert ${alert.id}: ${(err as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
