import IORedis, { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * Redis connections, configured the way BullMQ wants them: producers fail fast when Redis is away
 * (enableOfflineQueue false) so an API request answers instead of hanging; workers and blocking clients
 * retry forever (maxRetriesPerRequest null).
 */
export type RedisRole = 'producer' | 'worker' | 'subscriber';

export function redisOptions(role: RedisRole, timeoutMs = DEFAULT_REDIS_TIMEOUT_MS): RedisOptions {
  return role === 'producer'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, ...producerTimeouts(timeoutMs) }
    : { maxRetriesPerRequest: null, enableReadyCheck: true };
}

/** DEPENDENCY_TIMEOUT_MS's default. */
export const DEFAULT_REDIS_TIMEOUT_MS = 5000;

/**
 * A producer's bounds (DEPENDENCY_TIMEOUT_MS): connecting, each command, and a socket that stops answering. A
 * frozen Redis fails the waiting commands after `timeoutMs` (socketTimeout also destroys the socket, so ioredis
 * reconnects, and until it has, commands fail at once instead of each waiting out its own timeout). Workers and
 * subscribers have none of these: their blocking commands and subscriptions wait on purpose.
 */
export function producerTimeouts(timeoutMs: number): Pick<RedisOptions, 'connectTimeout' | 'commandTimeout' | 'socketTimeout'> {
  return { connectTimeout: timeoutMs, commandTimeout: timeoutMs, socketTimeout: timeoutMs };
}

/**
 * Where Redis is: a URL (one server), or the configuration — with REDIS_CLUSTER_NODES, a Redis Cluster (REDIS_URL
 * then only lends its username, password and TLS to every node).
 */
export type RedisTarget = string | { redisUrl: string; redisClusterNodes?: ReadonlyArray<{ host: string; port: number }> };

/** The target is a Redis Cluster. */
export function isClusterTarget(target: RedisTarget): boolean {
  return typeof target !== 'string' && (target.redisClusterNodes?.length ?? 0) > 0;
}

/**
 * The one place Redial makes a Redis client (producers, BullMQ workers, the event emitter, the socket.io adapter,
 * the guards' and metrics' stores). With a Cluster target it is an ioredis `Cluster`, typed as `Redis`: every
 * command Redial sends names keys under the hash-tagged QUEUE_PREFIX, so each lands in one slot, and the Cluster
 * client routes it (multi/exec, pipelines and Lua scripts included). A subscriber Cluster client also speaks
 * sharded pub/sub (SSUBSCRIBE, one connection per master, re-subscribed after a failover).
 */
export function createRedis(target: RedisTarget, role: RedisRole, extra: RedisOptions = {}): Redis {
  const client =
    typeof target === 'string'
      ? new IORedis(target, { ...redisOptions(role), ...extra })
      : isClusterTarget(target)
        ? createCluster(target.redisUrl, target.redisClusterNodes ?? [], role, extra)
        : new IORedis(target.redisUrl, { ...redisOptions(role), ...extra });
  // Connection errors are reported by health checks and reconnects; without a listener ioredis would print each one.
  client.on('error', () => undefined);
  return client;
}

/**
 * An ioredis Cluster for `role`. The role's offline-queue choice applies to the Cluster as a whole (a producer
 * fails fast while the Cluster is not ready); every other option applies to each node's connection, whose own
 * offline queue stays on (the Cluster opens node connections lazily and queues a command until its node is up).
 * A moved slot, a failover in progress (TRYAGAIN, CLUSTERDOWN) or a lost node make the client retry and refresh
 * its slot map rather than fail.
 */
function createCluster(url: string, nodes: ReadonlyArray<{ host: string; port: number }>, role: RedisRole, extra: RedisOptions): Redis {
  const { enableOfflineQueue, enableReadyCheck, lazyConnect, enableAutoPipelining, ...perNode } = { ...redisOptions(role), ...extra };
  const options: ClusterOptions = {
    redisOptions: { ...perNode, ...credentials(url) },
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: enableReadyCheck ?? true,
    lazyConnect: lazyConnect ?? false,
    enableAutoPipelining: enableAutoPipelining ?? false,
    shardedSubscribers: role === 'subscriber',
    retryDelayOnFailover: 100,
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
  };
  return new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    options,
  ) as unknown as Redis;
}

/** REDIS_URL's username, password and TLS (`rediss:`), for every Cluster node. */
function credentials(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
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
