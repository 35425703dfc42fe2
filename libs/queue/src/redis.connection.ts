import IORedis, { Redis, RedisOptions } from 'ioredis';

/**
 * Redis connections, configured the way BullMQ wants them: producers fail fast when Redis is away
 * (enableOfflineQueue false) so an API request answers instead of hanging; workers and blocking clients
 * retry forever (maxRetriesPerRequest null).
 */
export type RedisRole = 'producer' | 'worker' | 'subscriber';

export function redisOptions(role: RedisRole): RedisOptions {
  return role === 'producer'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: false }
    : { maxRetriesPerRequest: null, enableReadyCheck: true };
}

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const client = new IORedis(url, { ...redisOptions(role), ...extra });
  // Connection errors are reported by health checks and reconnects; without a listener ioredis would print each one.
  client.on('error', () => undefined);
  return client;
}

/** Waits for a connection to be ready, or fails after `timeoutMs`. */
export async function waitReady(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
