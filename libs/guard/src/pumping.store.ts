import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { pumpingSuspendedKey, pumpingCountedKey, pumpingWindowKey } from '@redial/contracts';
import type { PrefixFigures } from '@redial/domain';
import { PRODUCER_REDIS } from '@redial/queue';
import type { ScriptCall } from './guard.scripts';

/** A suspension as stored in Redis: the figures that suspended the prefix. */
export interface StoredSuspension {
  prefix: string;
  since: Date;
  sent: number;
  verified: number;
  windowMin: number;
}

/**
 * Adds one to this minute's `s` (sent) or `v` (verified) field — once per marker when one is given (a send
 * retried after a provider error is one text, not two) — drops fields older than the window, keeps the key
 * alive one window past its last write, and returns the window's figures: the fields of its last `windowMin`
 * minutes, this one included (libs/domain windowFigures; a field ahead of this minute, from another process's
 * clock, is kept but not counted yet).
 */
const COUNT = `local function count(window, marker, what, minute, windowMin)
    local now = tonumber(minute)
    local fresh = true
    if marker then fresh = redis.call('SET', marker, '1', 'NX', 'EX', (windowMin + 1) * 60) end
    if fresh then redis.call('HINCRBY', window, what .. minute, 1) end
    local all = redis.call('HGETALL', window)
    local sent, verified = 0, 0
    for i = 1, #all, 2 do
      local m = tonumber(string.sub(all[i], 2))
      if m == nil or m <= now - windowMin then redis.call('HDEL', window, all[i])
      elseif m <= now then
        if string.sub(all[i], 1, 1) == 's' then sent = sent + all[i + 1] else verified = verified + all[i + 1] end
      end
    end
    redis.call('EXPIRE', window, (windowMin + 1) * 60)
    return sent, verified
  end`;

/** A code verified now. KEYS: the prefix's window; ARGV: this minute, the window (min). Reply `[sent, verified]`. */
const COUNT_VERIFIED = `${COUNT}
local sent, verified = count(KEYS[1], nil, 'v', ARGV[1], tonumber(ARGV[2]))
return {sent, verified}`;

/**
 * A text about to be sent: refused at once when its prefix is suspended (and not counted); else counted once per
 * attempt, and when the figures call for it — `shouldSuspend` (libs/domain pumping.policy.ts): at least
 * `minSends` texts and fewer than `floor` of their codes verified — the prefix is suspended with them, and the
 * text refused if it is past the sample (`sent > minSends`, pumping.guard.ts). KEYS: the suspended hash, the
 * prefix's window, the attempt's marker; ARGV: the prefix, this minute, the window (min), minSends (> 0), the
 * floor, now (ISO). Reply `[refused, sent, verified, 1 when this text suspended the prefix]`.
 */
export const PUMPING_SEND_CHECK = `function(keys, args)
  ${COUNT}
  if redis.call('HEXISTS', keys[1], args[1]) == 1 then return {1, 0, 0, 0} end
  local windowMin, minSends = tonumber(args[3]), tonumber(args[4])
  local sent, verified = count(keys[2], keys[3], 's', args[2], windowMin)
  if sent < minSends or math.min(1, verified / sent) >= tonumber(args[5]) then return {0, sent, verified, 0} end
  local suspension = string.format('{"since":"%s","sent":%d,"verified":%d,"windowMin":%d}', args[6], sent, verified, windowMin)
  local suspended = redis.call('HSETNX', keys[1], args[1], suspension)
  return {sent > minSends and 1 or 0, sent, verified, suspended}
end`;

/** Refused when every one of the prefixes (ARGV) is suspended. KEYS: the suspended hash. Reply `[refused]`. */
export const EVERY_PREFIX_SUSPENDED = `function(keys, args)
  for _, prefix in ipairs(args) do
    if redis.call('HEXISTS', keys[1], prefix) == 0 then return {0} end
  end
  return {1}
end`;

/** Removes a suspension and starts its window afresh; returns the suspension's JSON, or false when there was none. */
const RELEASE = `
local found = redis.call('HGET', KEYS[1], ARGV[1])
if not found then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return found`;

const MINUTE = 60_000;

interface PumpingCommands {
  pumpingCountVerified(window: string, minute: string, windowMin: number): Promise<[number, number]>;
  pumpingRelease(suspended: string, window: string, prefix: string): Promise<string | null>;
}

/**
 * The pumping guard's state in Redis, shared by every api and worker process: per destination prefix a
 * sliding window of per-minute counters (texts sent, codes verified), and the hash of suspended prefixes.
 * Keys hold prefixes (`44-770`), never a number. The send check and the check at creation are Lua sections of
 * the guard's one script per decision (guard.scripts.ts); the rest are scripts of their own.
 */
@Injectable()
export class PumpingStore {
  private readonly commands: PumpingCommands;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
  ) {
    redis.defineCommand('pumpingCountVerified', { numberOfKeys: 1, lua: COUNT_VERIFIED });
    redis.defineCommand('pumpingRelease', { numberOfKeys: 2, lua: RELEASE });
    this.commands = redis as unknown as PumpingCommands;
  }

  /** Counts a text about to be sent, once per attempt, and suspends the prefix when the rule says so (PUMPING_SEND_CHECK). */
  countSend(prefix: string, attemptId: string, now = new Date()): ScriptCall {
    const p = this.config.queuePrefix;
    const { minSends, conversionFloor, windowMin } = this.config.pumping;
    return {
      lua: PUMPING_SEND_CHECK,
      keys: [pumpingSuspendedKey(p), pumpingWindowKey(p, prefix), pumpingCountedKey(p, attemptId)],
      args: [prefix, String(Math.floor(now.getTime() / MINUTE)), windowMin, minSends, conversionFloor, now.toISOString()],
    };
  }

  /** Whether every one of `prefixes` is suspended (EVERY_PREFIX_SUSPENDED). */
  everySuspended(prefixes: string[]): ScriptCall {
    return { lua: EVERY_PREFIX_SUSPENDED, keys: [pumpingSuspendedKey(this.config.queuePrefix)], args: prefixes };
  }

  /** Counts a code verified now, and returns the window's figures after it. */
  async countVerified(prefix: string, now = Date.now()): Promise<PrefixFigures> {
    const [sent, verified] = await this.commands.pumpingCountVerified(pumpingWindowKey(this.config.queuePrefix, prefix), String(Math.floor(now / MINUTE)), this.config.pumping.windowMin);
    return { sent, verified };
  }

  /** Marks the prefix suspended with the figures that decided it; false when it already was. */
  async suspend(prefix: string, figures: PrefixFigures, now = new Date()): Promise<boolean> {
    const value = JSON.stringify({ since: now.toISOString(), sent: figures.sent, verified: figures.verified, windowMin: this.config.pumping.windowMin });
    return (await this.redis.hsetnx(pumpingSuspendedKey(this.config.queuePrefix), prefix, value)) === 1;
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
    const json = await this.commands.pumpingRelease(pumpingSuspendedKey(p), pumpingWindowKey(p, prefix), prefix);
    return json ? parse(prefix, json) : undefined;
  }
}

function parse(prefix: string, json: string): StoredSuspension {
  const v = JSON.parse(json) as { since: string; sent: number; verified: number; windowMin: number };
  return { prefix, since: new Date(v.since), sent: v.sent, verified: v.verified, windowMin: v.windowMin };
}
