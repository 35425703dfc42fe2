import { Inject, Injectable, Logger } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { challengeEventsChannel, ChallengeUpdated, OPS_NAMESPACE, OpsAlert, OpsServerToClient, socketIoKey } from '@redial/contracts';
import { QUEUE_REDIS } from './producer-connection.module';
import { isClusterTarget } from './redis.connection';
import { ShardedEmitter } from './sharded-emitter';

/** The Redis key the socket.io adapter and emitter share, declared in libs/contracts (redis-keys.ts). */
export { socketIoKey };

/**
 * Publishes committed changes to every gateway process through Redis. Each challenge update goes once, as JSON on
 * the stack's challenge-events channel (PUBLISH; SPUBLISH on a Redis Cluster), which every gateway reads and relays
 * both to that challenge's `/challenges` sockets in `seq` order and to its own `/ops` sockets (apps/gateway). Alerts,
 * rare, go to `/ops` through the socket.io emitter into the gateways' Redis adapter. Publishing is best-effort:
 * PostgreSQL has the events, a gateway that sees a later `seq` reads the missing ones from it, and a client that
 * reconnects gets a snapshot.
 *
 * It publishes on the queues' connection (QUEUE_REDIS, ProducerConnectionModule), auto-pipelined: a transition's
 * updates leave in the same write as the jobs it enqueues, and concurrent transitions' updates share one too.
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger('EventPublisher');
  private readonly publishChallenge: (message: string) => Promise<unknown>;
  private readonly ops: Emitter<OpsServerToClient>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(QUEUE_REDIS) redis: Redis) {
    // The emitter fires publish() and forgets the promise; a Redis outage would reject it unhandled and end the
    // process. Hand it a client whose publish never rejects: a gateway that sees a later event reads a lost one from
    // PostgreSQL, and a client that reconnects gets a snapshot.
    const failed = (err: Error) => {
      this.logger.warn(`event publish failed: ${err.message}`);
      return 0;
    };
    const safeClient = {
      publish: (channel: string, message: string | Buffer) => redis.publish(channel, message).catch(failed),
      spublish: (channel: string, message: string) => redis.spublish(channel, message).catch(failed),
    };
    // On a Redis Cluster the gateways subscribe with SSUBSCRIBE, and run socket.io's sharded adapter: publish in its format.
    const cluster = isClusterTarget(config);
    const channel = challengeEventsChannel(config.queuePrefix);
    this.publishChallenge = cluster ? (message) => safeClient.spublish(channel, message) : (message) => safeClient.publish(channel, message);
    const root = cluster
      ? (new ShardedEmitter(safeClient, socketIoKey(config.queuePrefix)) as unknown as Emitter)
      : new Emitter(safeClient, { key: socketIoKey(config.queuePrefix) });
    this.ops = root.of(OPS_NAMESPACE) as unknown as Emitter<OpsServerToClient>;
  }

  challengeUpdated(update: ChallengeUpdated): void {
    try {
      void this.publishChallenge(JSON.stringify(update));
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
}
