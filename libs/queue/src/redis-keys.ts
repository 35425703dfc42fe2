import type { Redis } from 'ioredis';
import { createRedis, isClusterTarget, RedisTarget, waitReady } from './redis.connection';

/**
 * Deletes every key under `prefix` (queues, the socket.io channel key, liveness sets): cleanup for tests and
 * benchmarks. On a Redis Cluster it scans every master (SCAN is per node). `{` and `}` are not glob characters,
 * so a hash-tagged prefix needs no escaping in the MATCH pattern.
 */
export async function deleteKeysWithPrefix(target: RedisTarget, prefix: string): Promise<number> {
  const redis = createRedis(target, 'producer', { enableOfflineQueue: true, lazyConnect: false });
  let deleted = 0;
  try {
    let masters: Redis[] = [redis];
    if (isClusterTarget(target)) {
      await waitReady(redis, 10000);
      masters = (redis as unknown as { nodes(role: 'master'): Redis[] }).nodes('master');
    }
    for (const node of masters) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        // One UNLINK per key, pipelined: on a Cluster node the keys of one page may be in different slots.
        const replies = keys.length ? await node.pipeline(keys.map((key) => ['unlink', key])).exec() : [];
        deleted += (replies ?? []).reduce((n, [err, count]) => n + (err ? 0 : Number(count)), 0);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
