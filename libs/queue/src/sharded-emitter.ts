/**
 * The emitter side of socket.io's sharded Redis adapter (`createShardedAdapter`, Redis 7 sharded pub/sub), which
 * `@socket.io/redis-emitter` does not speak: it publishes with PUBLISH and the classic adapter's format. This
 * publishes what the sharded adapter's `ClusterAdapter` reads — a JSON `BROADCAST` message to the whole namespace —
 * with SPUBLISH on the namespace's channel `<key>#<nsp>#`, the one channel a gateway subscribes in the adapter's
 * "static" mode (apps/gateway/src/redis-io.adapter.ts). Used in cluster mode only (REDIS_CLUSTER_NODES), for `/ops`
 * (a challenge's own updates take the challenge-events channel).
 *
 * The key is hash-tagged (`{redial}-socket.io`), so every channel of a stack is in one slot, on one shard.
 */

/** socket.io-adapter's ClusterAdapter MessageType.BROADCAST, and socket.io-parser's PacketType.EVENT. */
const BROADCAST = 3;
const EVENT = 2;
/** Not any gateway's adapter uid (those are random hex), so every gateway handles the message. */
const EMITTER_UID = 'redial-emitter';

export interface ShardedPublisher {
  spublish(channel: string, message: string): Promise<unknown>;
}

export interface NamespaceEmitter {
  emit(event: string, ...args: unknown[]): boolean;
}

export class ShardedEmitter {
  constructor(
    private readonly client: ShardedPublisher,
    private readonly key: string,
  ) {}

  of(nsp: string): NamespaceEmitter {
    const channel = `${this.key}#${nsp}#`;
    const emit = (event: string, ...args: unknown[]): boolean => {
      const message = {
        uid: EMITTER_UID,
        nsp,
        type: BROADCAST,
        data: { opts: { rooms: [], except: [], flags: {} }, packet: { type: EVENT, data: [event, ...args], nsp } },
      };
      void this.client.spublish(channel, JSON.stringify(message));
      return true;
    };
    return { emit };
  }
}
