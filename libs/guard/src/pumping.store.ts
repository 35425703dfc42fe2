import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { pumpingSuspendedKey, pumpingCountedKey, pumpingWindowKey } from '@redial/contracts';
import { PrefixFigures, windowFigures } from '@redial/domain';
import { PRODUCER_REDIS } from '@redial/queue';

/** A suspension as stored in Redis: the figures that suspended the prefix. */
export interface StoredSuspension {
  prefix: string;
  since: Date;
  sent: number;
  verified: number;
  windowMin: number;
}

/**
 * Adds one to this minute's `s` (sent) or `v` (verified) field, drops fields older than the window, keeps the
 * key alive one window past its last write, and returns the remaining fields — one round trip, atomic.
 * KEYS[1] window hash; KEYS[2], when given, a marker that makes the count happen once per attempt (a send
 * retried after a provider error is one text, not two); ARGV: field letter, this minute, window minutes.
 */
const COUNT = `
local minute = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local fresh = true
if #KEYS > 1 then fresh = redis.call('SET', KEYS[2], '1', 'NX', 'EX', (window + 1) * 60) end
if fresh then redis.call('HINCRBY', KEYS[1], ARGV[1] .. ARGV[2], 1) end
local all = redis.call('HGETALL', KEYS[1])
local kept = {}
for i = 1, #all, 2 do
  local m = tonumber(string.sub(all[i], 2))
  if m == nil or m <= minute - window then redis.call('HDEL', KEYS[1], all[i])
  else kept[#kept + 1] = all[i]; kept[#kept + 1] = all[i + 1] end
end
redis.call('EXPIRE', KEYS[1], (window + 1) * 60)
return kept`;

/** Removes a suspension and starts its window afresh; returns the suspension's JSON, or false when there was none. */
const RELEASE = `
local found = redis.call('HGET', KEYS[1], ARGV[1])
if not found then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return found`;

const MINUTE = 60_000;

/**
 * The pumping guard's state in Redis, shared by every api and worker process: per destination prefix a
 * sliding window of per-minute counters (texts sent, codes verified), and the hash of suspended prefixes.
 * Keys hold prefixes (`44-770`), never a number.
 */
@Injectable()
export class PumpingStore {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
  ) {}

  /**
   * Counts a text sent (`s`) or a code verified (`v`) now — once per `onceId` (an attempt) when one is given —
   * and returns the window's figures after it.
   */
  async count(prefix: string, what: 's' | 'v', now = Date.now(), onceId?: string): Promise<PrefixFigures> {
    const minute = Math.floor(now / MINUTE);
    const windowMin = this.config.pumping.windowMin;
    const window = pumpingWindowKey(this.config.queuePrefix, prefix);
    const keys = onceId === undefined ? [window] : [window, pumpingCountedKey(this.config.queuePrefix, onceId)];
    const fields = (await this.redis.eval(COUNT, keys.length, ...keys, what, String(minute), String(windowMin))) as string[];
    return windowFigures(toBuckets(fields), minute, windowMin);
  }

  /** Marks the prefix suspended with the figures that decided it; false when it already was. */
  async suspend(prefix: string, figures: PrefixFigures, now = new Date()): Promise<boolean> {
    const value = JSON.stringify({ since: now.toISOString(), sent: figures.sent, verified: figures.verified, windowMin: this.config.pumping.windowMin });
    return (await this.redis.hsetnx(pumpingSuspendedKey(this.config.queuePrefix), prefix, value)) === 1;
  }

  /** Which of `prefixes` are suspended. */
  async suspended(prefixes: string[]): Promise<boolean[]> {
    if (prefixes.length === 0) return [];
    const values = await this.redis.hmget(pumpingSuspendedKey(this.config.queuePrefix), ...prefixes);
    return values.map((v) => v !== null);
  }

  async get(prefix: string): Promise<StoredSuspension | undefined> {
    const json = await this.redis.hget(pumpingSuspendedKey(this.config.queuePrefix), prefix);
    return json === null ? undefined : parse(prefix, json);
  }

  async list(): Promise<StoredSuspension[]> {
    const all = await this.redis.hgetall(pumpingSuspendedKey(this.config.queuePrefix));
    return Object.entries(all)
      .map(([prefix, json]) => parse(prefix, json))
      .sort((a, b) => a.since.getTime() - b.since.getTime() || a.prefix.localeCompare(b.prefix));
  }

  /** Lifts the suspension and clears the prefix's window (its old figures would suspend it again at once). */
  async release(prefix: string): Promise<StoredSuspension | undefined> {
    const p = this.config.queuePrefix;
    const json = (await this.redis.eval(RELEASE, 2, pumpingSuspendedKey(p), pumpingWindowKey(p, prefix), prefix)) as string | null;
    return json ? parse(prefix, json) : undefined;
  }
}

function toBuckets(fields: string[]): Array<{ minute: number; sent: number; verified: number }> {
  const byMinute = new Map<number, { minute: number; sent: number; verified: number }>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const minute = Number(fields[i].slice(1));
    const bucket = byMinute.get(minute) ?? { minute, sent: 0, verified: 0 };
    if (fields[i].startsWith('s')) bucket.sent += Number(fields[i + 1]);
    else bucket.verified += Number(fields[i + 1]);
    byMinute.set(minute, bucket);
  }
  return [...byMinute.values()];
}

function parse(prefix: string, json: string): StoredSuspension {
  const v = JSON.parse(json) as { since: string; sent: number; verified: number; windowMin: number };
  return { prefix, since: new Date(v.since), sent: v.sent, verified: v.verified, windowMin: v.windowMin };
}
