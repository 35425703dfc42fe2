import type { Redis } from 'ioredis';
import { metricsKey } from '@redial/contracts';
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
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly flushMs = 1000,
  ) {}

  checked(limit: RateLimitName, refused: boolean): void {
    this.add(RATE_LIMIT_CHECKS, limit);
    if (refused) this.add(RATE_LIMIT_REFUSALS, limit);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const [field, by] of batch) {
      const [metric, limit] = field.split('|');
      pipeline.hincrby(metricsKey(this.prefix, metric), limit, by);
    }
    await pipeline.exec().catch(() => undefined);
  }

  private add(metric: string, limit: RateLimitName): void {
    const field = `${metric}|${limit}`;
    this.pending.set(field, (this.pending.get(field) ?? 0) + 1);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }
}

/** Every limit's count for one of the two counters (0 for a limit never checked), for `/metrics`. */
export async function readRateLimitCounts(redis: Redis, prefix: string, metric: typeof RATE_LIMIT_CHECKS | typeof RATE_LIMIT_REFUSALS): Promise<Record<RateLimitName, number>> {
  const hash = await redis.hgetall(metricsKey(prefix, metric));
  return Object.fromEntries(RATE_LIMITS.map((limit) => [limit, Number(hash[limit] ?? 0)])) as Record<RateLimitName, number>;
}
