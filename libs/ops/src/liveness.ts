import type { Redis } from 'ioredis';
import { gatewaysKey, gatewaySocketsKey, workersKey } from '@redial/contracts';

/**
 * Who is alive, for health details and /metrics, without scanning Redis keys: each worker and gateway adds
 * itself to a sorted set scored by the time of its last beat; readers take the members seen within the TTL.
 */

export const LIVENESS_TTL_MS = 15_000;
/** Members silent this long are dropped from the sets. */
const FORGET_AFTER_MS = 10 * 60_000;

export async function recordWorkerBeat(redis: Redis, prefix: string, id: string, now = Date.now()): Promise<void> {
  await redis.pipeline().zadd(workersKey(prefix), now, id).zremrangebyscore(workersKey(prefix), '-inf', now - FORGET_AFTER_MS).exec();
}

/** For the gateway: report this instance's open sockets every few seconds (and on shutdown with 0). */
export async function reportGatewaySockets(redis: Redis, prefix: string, gatewayId: string, openSockets: number, now = Date.now()): Promise<void> {
  await redis
    .pipeline()
    .zadd(gatewaysKey(prefix), now, gatewayId)
    .zremrangebyscore(gatewaysKey(prefix), '-inf', now - FORGET_AFTER_MS)
    .hset(gatewaySocketsKey(prefix), gatewayId, String(openSockets))
    .exec();
}

export async function aliveWorkers(redis: Redis, prefix: string, now = Date.now()): Promise<Array<{ id: string; lastBeatMs: number }>> {
  const flat = await redis.zrangebyscore(workersKey(prefix), now - LIVENESS_TTL_MS, '+inf', 'WITHSCORES');
  const out: Array<{ id: string; lastBeatMs: number }> = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i], lastBeatMs: Math.max(0, now - Number(flat[i + 1])) });
  return out;
}

/** Open sockets summed over the gateways alive now; `gateways` is how many reported. */
export async function gatewaySockets(redis: Redis, prefix: string, now = Date.now()): Promise<{ gateways: number; sockets: number }> {
  const ids = await redis.zrangebyscore(gatewaysKey(prefix), now - LIVENESS_TTL_MS, '+inf');
  if (ids.length === 0) return { gateways: 0, sockets: 0 };
  const counts = await redis.hmget(gatewaySocketsKey(prefix), ...ids);
  return { gateways: ids.length, sockets: counts.reduce((sum, c) => sum + (Number(c) || 0), 0) };
}
