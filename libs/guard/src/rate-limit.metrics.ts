import type { Redis } from 'ioredis';
import { metricsKey } from '@redial/contracts';
import { HashIncrementBatch } from '@redial/queue';
import { RATE_LIMITS, type RateLimitName } from './rate-limits';

/**
 * Rate-limit checks and refusals per limit, counted by every api and worker process into shared Redis hashes
 * (`<prefix>-metrics-<name>`, field = the limit's name) and exported by any api's `/metrics`. Counts are summed
 * in memory and written at most once a second in one pipelined round trip; a batch that cannot be written is
 * dropped (a metrics hiccup must not refuse or fail anything).
 */
export const RATE_LIMIT_CHECKS = 'redial_rate_limit_checks_total';
export const RATE_LIMIT_REFUSALS = 'redial_rate_limit_refusals_total';

export class RateLimitCounters {
  private readonly batch: HashIncrementBatch;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    flushMs = 1000,
  ) {
    this.batch = new HashIncrementBatch(redis, flushMs);
  }

  checked(limit: RateLimitName, refused: boolean): void {
    this.batch.add(metricsKey(this.prefix, RATE_LIMIT_CHECKS), limit, 1);
    if (refused) this.batch.add(metricsKey(this.prefix, RATE_LIMIT_REFUSALS), limit, 1);
  }

  flush(): Promise<void> {
    return this.batch.flush();
  }
}

/** Every limit's count for one of the two counters (0 for a limit never checked), for `/metrics`. */
export async function readRateLimitCounts(redis: Redis, prefix: string, metric: typeof RATE_LIMIT_CHECKS | typeof RATE_LIMIT_REFUSALS): Promise<Record<RateLimitName, number>> {
  const hash = await redis.hgetall(metricsKey(prefix, metric));
  return Object.fromEntries(RATE_LIMITS.map((limit) => [limit, Number(hash[limit] ?? 0)])) as Record<RateLimitName, number>;
}
