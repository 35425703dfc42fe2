/**
 * Whether an error means Redis is away or not answering (as opposed to a command it refused): the api answers
 * those with 503 + Retry-After, and a job that met one fails and is retried. ioredis reports most of these
 * without a code, so its own messages are matched (they are ioredis's, fixed in its source): a closed or
 * unwritable connection, a command or socket timeout, the retries-per-request limit, a Cluster that is not ready.
 * Node's socket codes and Redis's own "try later" replies count too. Follows `cause` chains.
 */
export function isRedisUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError' || name === 'RedisUnavailableError') return true;
    if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
    if (typeof message === 'string' && IOREDIS_MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}

/** A Redis connection that did not become ready in time (waitReady). */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

const IOREDIS_MESSAGES = [
  /^Connection is closed\.?$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Cluster isn't ready and enableOfflineQueue options is false$/,
  /^Command timed out$/,
  /^Socket timeout\./,
  /^Reached the max retries per request limit/,
  /^None of startup nodes is available$/,
  /^Failed to refresh slots cache/,
  /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/,
  /^Redis not ready after \d+ ms$/,
];
