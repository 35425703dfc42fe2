import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
// Relative on purpose: Jest's globalSetup (which reads REDIS_URL here) runs outside the @redial/* moduleNameMapper.
import { deleteKeysWithPrefix } from '../../libs/queue/src/redis-keys';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other suite uses. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key a suite created under its prefix (queues and the socket.io channel key). */
export const deleteKeys = (prefix: string, url = REDIS_URL): Promise<number> => deleteKeysWithPrefix(url, prefix);

/**
 * Everything stored under `prefix` (every key's name and value, whatever its type), as one string: for asserting
 * that something (a code, a phone number) is not in Redis.
 */
export async function dumpKeys(prefix: string, url = REDIS_URL): Promise<string> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const read: Record<string, () => Promise<unknown>> = {
          string: () => redis.get(key),
          hash: () => redis.hgetall(key),
          list: () => redis.lrange(key, 0, -1),
          set: () => redis.smembers(key),
          zset: () => redis.zrange(key, '0', '-1'),
          stream: () => redis.xrange(key, '-', '+'),
        };
        parts.push(key, JSON.stringify((await read[type]?.()) ?? null));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}
