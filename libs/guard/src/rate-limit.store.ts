import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { rateLimitKey } from '@redial/contracts';
import { PRODUCER_REDIS } from '@redial/queue';
import type { ScriptCall } from './guard.scripts';
import { RateLimitCounters } from './rate-limit.metrics';
import { RATE_LIMITS, type RateLimitName, rateLimitSpecs, type RateLimitSpec, type SubjectHasher, subjectHasher } from './rate-limits';

/** A budget as it stands: how much of it is used, and when its window ends. */
export interface BudgetState {
  consumed: number;
  msBeforeNext: number;
}

/** A budget to take from or read: the limit and its (hashed) subject. */
export interface Take {
  limit: RateLimitName;
  subject: string;
}

/**
 * Adds `points` to a budget and returns its count and ms left — rate-limiter-flexible's own script (its
 * `incrTtlLuaScript`), so a budget written here reads the same to the library and back.
 */
const INCR = `local function incr(key, points, windowSec)
    redis.call('SET', key, 0, 'EX', windowSec, 'NX')
    local used = redis.call('INCRBY', key, points)
    local ttl = redis.call('PTTL', key)
    if ttl == -1 then
      redis.call('EXPIRE', key, windowSec)
      ttl = 1000 * windowSec
    end
    return used, ttl
  end`;

/**
 * Takes one from each budget, all or none: refused when any goes past its limit (`used > points`, as the
 * library's consume), and then each is given back. KEYS: the budgets; ARGV: each one's points and window (s).
 * Reply `[refused, used₁, ms left₁, used₂, …]`.
 */
export const TAKE_BUDGETS = `function(keys, args)
  ${INCR}
  local reply = {0}
  for i, key in ipairs(keys) do
    local used, ttl = incr(key, 1, args[2 * i])
    if used > tonumber(args[2 * i - 1]) then reply[1] = 1 end
    reply[#reply + 1] = used
    reply[#reply + 1] = ttl
  end
  if reply[1] == 1 then
    for _, key in ipairs(keys) do redis.call('DECRBY', key, 1) end
  end
  return reply
end`;

/**
 * Before a send to a phone: refused when one of its counted budgets is spent (`used >= points`), else — for a
 * text — the SMS cool-down is claimed by the attempt: a lock on the phone for the cool-down's length, which the
 * same attempt may claim again (a retried job) without extending it. KEYS: the budgets, then the cool-down when
 * asked; ARGV: the number of budgets, each one's points, then the attempt and the cool-down (ms). Reply `[0]`,
 * or `[1, which (1-based, the cool-down after the budgets), ms left]`.
 */
export const PHONE_SEND_CHECK = `function(keys, args)
  local budgets = tonumber(args[1])
  for i = 1, budgets do
    if tonumber(redis.call('GET', keys[i]) or 0) >= tonumber(args[1 + i]) then
      return {1, i, math.max(0, redis.call('PTTL', keys[i]))}
    end
  end
  local cooldown = keys[budgets + 1]
  if cooldown and not redis.call('SET', cooldown, args[budgets + 2], 'NX', 'PX', args[budgets + 3])
    and redis.call('GET', cooldown) ~= args[budgets + 2] then
    return {1, budgets + 1, math.max(1, redis.call('PTTL', cooldown))}
  end
  return {0}
end`;

/** After a send: one point on each budget. KEYS: the budgets; ARGV: each one's window (s). */
export const SPEND_BUDGETS = `function(keys, args)
  ${INCR}
  for i, key in ipairs(keys) do incr(key, 1, args[i]) end
  return {0}
end`;

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
      // The SMS cool-down is a lock, not a counter (PHONE_SEND_CHECK).
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

  /** One from each budget, all or none (TAKE_BUDGETS). */
  take(takes: readonly Take[]): ScriptCall {
    return { lua: TAKE_BUDGETS, keys: takes.map((t) => this.key(t.limit, t.subject)), args: takes.flatMap((t) => [this.specs[t.limit].points, this.specs[t.limit].windowSec]) };
  }

  /** Reads the phone's counted budgets and, with `cooldown`, claims its SMS cool-down for the attempt (PHONE_SEND_CHECK). */
  checkPhone(phone: string, counted: readonly RateLimitName[], cooldown?: { owner: string; ms: number }): ScriptCall {
    const keys = counted.map((limit) => this.key(limit, phone));
    const args: Array<string | number> = [counted.length, ...counted.map((limit) => this.specs[limit].points)];
    if (cooldown !== undefined) {
      keys.push(this.key('sms_cooldown', phone));
      args.push(cooldown.owner, cooldown.ms);
    }
    return { lua: PHONE_SEND_CHECK, keys, args };
  }

  /** One point on each of the phone's counted budgets (SPEND_BUDGETS). */
  spendPhone(phone: string, counted: readonly RateLimitName[]): ScriptCall {
    return { lua: SPEND_BUDGETS, keys: counted.map((limit) => this.key(limit, phone)), args: counted.map((limit) => this.specs[limit].windowSec) };
  }

  /** Reads a budget without changing it. */
  async peek(limit: RateLimitName, subject: string): Promise<BudgetState> {
    const res = await this.limiter(limit).get(this.key(limit, subject));
    return res === null ? { consumed: 0, msBeforeNext: 0 } : state(res);
  }

  /** Adds `points` to a budget (also past its limit: the caller decides). */
  async consume(limit: RateLimitName, subject: string, points = 1): Promise<BudgetState> {
    try {
      return state(await this.limiter(limit).consume(this.key(limit, subject), points));
    } catch (err) {
      if (err instanceof RateLimiterRes) return state(err);
      throw err;
    }
  }

  /** Holds the budget spent for `sec` seconds from now. */
  async block(limit: RateLimitName, subject: string, sec: number): Promise<void> {
    await this.limiter(limit).block(this.key(limit, subject), sec);
  }

  async reset(limit: RateLimitName, subject: string): Promise<void> {
    await this.limiter(limit).delete(this.key(limit, subject));
  }

  /** Ends the phone's SMS cool-down, whoever holds it (e.g. its code was entered). */
  async releaseCooldown(subject: string): Promise<void> {
    await this.redis.del(this.key('sms_cooldown', subject));
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
