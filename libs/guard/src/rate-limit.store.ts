import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { rateLimitKey } from '@redial/contracts';
import { PRODUCER_REDIS } from '@redial/queue';
import { RateLimitCounters } from './rate-limit.metrics';
import { RATE_LIMITS, type RateLimitName, rateLimitSpecs, type RateLimitSpec, type SubjectHasher, subjectHasher } from './rate-limits';

/** A budget as it stands: how much of it is used, and when its window ends. */
export interface BudgetState {
  consumed: number;
  msBeforeNext: number;
}

/**
 * Every rate-limit counter's input and output: rate-limiter-flexible's RateLimiterRedis (an atomic INCRBY with
 * its TTL in one Lua call) on the app's producer connection, one limiter per limit, keyed
 * `<prefix>-ratelimit-<limit>-<hashed subject>` (libs/contracts redis-keys.ts) — so every api and worker
 * process that shares the Redis and QUEUE_PREFIX shares each budget. The decisions are RequestLimits' and
 * PhoneSendCheck's; this class only reads and writes.
 */
@Injectable()
export class RateLimitStore {
  readonly specs: Readonly<Record<RateLimitName, RateLimitSpec>>;
  readonly counters: RateLimitCounters;
  private readonly limiters = new Map<RateLimitName, RateLimiterRedis>();
  private readonly hash: SubjectHasher;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
  ) {
    this.specs = rateLimitSpecs(config.rateLimits);
    this.hash = subjectHasher(config.keys.rateLimitSubjects);
    this.counters = new RateLimitCounters(redis, config.queuePrefix);
    for (const name of RATE_LIMITS) {
      const spec = this.specs[name];
      // keyPrefix '' so the key is exactly ours (the library would add `<prefix>:`).
      // The SMS cool-down is a lock, not a counter (claimCooldown).
      if (spec.points > 0 && name !== 'sms_cooldown') this.limiters.set(name, new RateLimiterRedis({ storeClient: redis, keyPrefix: '', points: spec.points, duration: spec.windowSec }));
    }
  }

  /** The limit is configured (not 0). */
  enabled(limit: RateLimitName): boolean {
    return this.specs[limit].points > 0;
  }

  subject(kind: Parameters<SubjectHasher>[0], value: string): string {
    return this.hash(kind, value);
  }

  /** Reads a budget without changing it. */
  async peek(limit: RateLimitName, subject: string): Promise<BudgetState> {
    const res = await this.limiter(limit).get(this.key(limit, subject));
    return res === null ? { consumed: 0, msBeforeNext: 0 } : state(res);
  }

  /** Adds `points` to a budget (also past its limit: the caller decides and may give them back). */
  async consume(limit: RateLimitName, subject: string, points = 1): Promise<BudgetState> {
    try {
      return state(await this.limiter(limit).consume(this.key(limit, subject), points));
    } catch (err) {
      if (err instanceof RateLimiterRes) return state(err);
      throw err;
    }
  }

  /** Gives points back (a refused request must leave every budget as it found it). */
  async giveBack(limit: RateLimitName, subject: string, points = 1): Promise<void> {
    await this.limiter(limit).reward(this.key(limit, subject), points);
  }

  /** Holds the budget spent for `sec` seconds from now. */
  async block(limit: RateLimitName, subject: string, sec: number): Promise<void> {
    await this.limiter(limit).block(this.key(limit, subject), sec);
  }

  async reset(limit: RateLimitName, subject: string): Promise<void> {
    await this.limiter(limit).delete(this.key(limit, subject));
  }

  /**
   * The SMS cool-down: a lock on the phone held by one attempt for the cool-down's length. Claiming it again
   * for the same attempt (a retried job) succeeds without extending it. 0 when claimed; else the ms it still holds.
   */
  async claimCooldown(subject: string, owner: string, ms: number): Promise<number> {
    const left = await this.redis.eval(CLAIM, 1, this.key('sms_cooldown', subject), owner, String(ms));
    return Number(left);
  }

  /** Releases the cool-down only if `owner` holds it (undefined: whoever holds it, e.g. its code was entered). */
  async releaseCooldown(subject: string, owner?: string): Promise<void> {
    const key = this.key('sms_cooldown', subject);
    if (owner === undefined) await this.redis.del(key);
    else await this.redis.eval(RELEASE, 1, key, owner);
  }

  private key(limit: RateLimitName, subject: string): string {
    return rateLimitKey(this.config.queuePrefix, limit, subject);
  }

  private limiter(limit: RateLimitName): RateLimiterRedis {
    const limiter = this.limiters.get(limit);
    if (!limiter) throw new Error(`rate limit ${limit} is turned off`);
    return limiter;
  }
}

function state(res: RateLimiterRes): BudgetState {
  return { consumed: res.consumedPoints, msBeforeNext: Math.max(0, res.msBeforeNext) };
}

const CLAIM = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if redis.call('get', KEYS[1]) == ARGV[1] then return 0 end
local ttl = redis.call('pttl', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;
