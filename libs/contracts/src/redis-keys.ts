/**
 * Every Redis key Redial names itself, in one place: the processes that write a key and those that read it
 * (worker, gateway, api, tests, benchmarks) build it here. Each starts with the queue prefix (QUEUE_PREFIX), so
 * two stacks can share a Redis, one prefix's keys can be listed and deleted together, and a hash-tagged prefix
 * (`{redial}`) keeps them in one Redis Cluster slot. Names use `-`, never `:` (BullMQ's own keys, under
 * `<prefix>:<queue>:…`, are the only ones with `:`).
 */

/** The channel key the socket.io Redis adapter (gateway) and emitter (api, worker) share (the `/ops` feed). */
export const socketIoKey = (prefix: string): string => `${prefix}-socket.io`;

/**
 * Pub/sub channel: every `challenge.updated` of the stack as JSON, published by api and worker after the commit
 * (PUBLISH; SPUBLISH on a Redis Cluster, where the hash-tagged prefix puts it on one shard) and read by every
 * gateway, which relays each challenge's updates to its sockets in `seq` order.
 */
export const challengeEventsChannel = (prefix: string): string => `${prefix}-challenge-events`;

/** Sorted set: worker id → time of its last heartbeat (ms). */
export const workersKey = (prefix: string): string => `${prefix}-workers`;

/** Sorted set: gateway id → time of its last report (ms). */
export const gatewaysKey = (prefix: string): string => `${prefix}-gateways`;

/** Hash: gateway id → its open sockets. */
export const gatewaySocketsKey = (prefix: string): string => `${prefix}-gateway-sockets`;

/** Hash: one shared histogram (`redial_job_duration_seconds`…) the workers add to and the api reads. */
export const metricsKey = (prefix: string, metric: string): string => `${prefix}-metrics-${metric}`;

/** String: the lock one alerts evaluation holds across every process (`SET NX PX`). */
export const alertsLockKey = (prefix: string): string => `${prefix}-alerts-lock`;

/**
 * String (a counter with a TTL, rate-limiter-flexible's format): one rate limit's budget for one subject — a
 * user, an API key, a client IP or a destination phone, always as a keyed hash (libs/guard), never in clear.
 */
export const rateLimitKey = (prefix: string, limit: string, subject = ''): string => `${prefix}-ratelimit-${limit}-${subject}`;

/**
 * Hash: estimated spend (USD) in one UTC day (`d20261130`) or hour (`h2026113014`), field `<country>|<channel>`,
 * plus `all` (the period's total, what the daily cap compares) and `refused` (sends the cap refused). Written by
 * the workers' spend check (libs/guard), read by the cap, the dashboard and the alerts; it expires by itself.
 */
export const spendKey = (prefix: string, period: string): string => `${prefix}-spend-${period}`;

/**
 * Hash: the SMS pumping guard's sliding window for one destination prefix (`44-770`: calling code and the next
 * digits, never a whole number): fields `s<epoch minute>` (texts sent) and `v<epoch minute>` (codes verified).
 */
export const pumpingWindowKey = (prefix: string, destination: string): string => `${prefix}-pumping-window-${destination}`;

/** Hash: suspended destination prefix → JSON `{since, sent, verified}` (the figures that suspended it). */
/** Marks a text (an attempt) as counted in its prefix's window, so a retried send counts once. */
export const pumpingCountedKey = (prefix: string, attemptId: string): string => `${prefix}-pumping-counted-${attemptId}`;
export const pumpingSuspendedKey = (prefix: string): string => `${prefix}-pumping-suspended`;

/** Every key builder above, by name (for tests: each stays under the prefix and free of `:`). */
export const REDIS_KEYS = { socketIoKey, challengeEventsChannel, workersKey, gatewaysKey, gatewaySocketsKey, metricsKey, alertsLockKey, rateLimitKey, spendKey, pumpingWindowKey, pumpingCountedKey, pumpingSuspendedKey } as const;
