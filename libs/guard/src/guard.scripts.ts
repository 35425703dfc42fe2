import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PRODUCER_REDIS } from '@redial/queue';

/**
 * The guard asks Redis once per decision: once before a send (every send check), once after it (every budget and
 * the spend), once before a challenge is created (the request budgets, the pumping guard, the spend cap). Each
 * control keeps its own Redis work as a Lua *section* — `function(keys, args) … end`, beside its store — and
 * says what it needs for one decision as a `ScriptAsk`: its section, its keys and arguments, and how to read
 * the section's reply. GuardScripts joins the asked sections, in the order asked, into one script and runs it
 * (EVALSHA of the combination's SHA-1, with EVAL when Redis answers NOSCRIPT — a restarted or wiped Redis, a new
 * Cluster node). Plain commands, not ioredis's `defineCommand`: the connection is auto-pipelined, and ioredis
 * copies a connection's defined scripts into a tick's pipeline when the pipeline starts, so a command defined at
 * its first use, mid-tick, was missing from it (its call threw and the pipeline's replies went to the wrong callers).
 *
 * A section returns a list whose first element is 1 when it refused, else 0; the sections after a refusal do not
 * run, so a control asked after one that refused changes nothing — as when each asked Redis in turn, stopping at
 * the first refusal. That is why the rules whose outcome decides a write later in the same script (the pumping
 * threshold, the spend cap, a spent budget) are stated in Lua as well; each names its TypeScript twin, and
 * test/guard-scripts.int-spec.ts holds the two to the same answers.
 *
 * Every key is under the hash-tagged QUEUE_PREFIX on a Redis Cluster, so one script's keys share one slot.
 */

/** A section's reply: `[1, …]` when it refused, `[0, …]` otherwise; the rest is the section's own. */
export type SectionReply = Array<number | string | null>;

/** What a control needs from Redis for one decision: its section, and that section's keys and arguments. */
export interface ScriptCall {
  /** The section's Lua source, `function(keys, args) … end`: the same string for every call of that section. */
  lua: string;
  keys: string[];
  args: Array<string | number>;
}

/** A ScriptCall and how its control reads the reply. `verdict` refuses exactly when the section did (`reply[0] === 1`). */
export interface ScriptAsk<T> extends ScriptCall {
  verdict(reply: SectionReply): T;
}

export function isScriptAsk<T>(value: unknown): value is ScriptAsk<T> {
  return typeof value === 'object' && value !== null && 'lua' in value;
}

/** A combination of sections as one script: its source and the SHA-1 Redis knows it by. */
interface Script {
  lua: string;
  sha: string;
}

@Injectable()
export class GuardScripts {
  /** Each section source → its number; each combination of numbers → its script. */
  private readonly sectionIds = new Map<string, number>();
  private readonly scripts = new Map<string, Script>();

  constructor(@Inject(PRODUCER_REDIS) private readonly redis: Redis) {}

  /**
   * Runs the asks' sections in order, in one round trip, up to and including the first that refuses; returns the
   * verdicts of those that ran (the last one is the refusal when there are fewer verdicts than asks).
   */
  async run<T>(asks: ReadonlyArray<ScriptAsk<T>>): Promise<T[]> {
    if (asks.length === 0) return [];
    const keys = asks.flatMap((a) => a.keys);
    const counts = asks.flatMap((a) => [a.keys.length, a.args.length]);
    const script = this.script(asks);
    const params = [...keys, ...counts, ...asks.flatMap((a) => a.args)];
    const replies = (await this.redis.evalsha(script.sha, keys.length, ...params).catch((err: unknown) => {
      // Not in this Redis's script cache (yet, or any more): EVAL runs it and caches it for the next EVALSHA.
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return this.redis.eval(script.lua, keys.length, ...params);
      throw err;
    })) as SectionReply[];
    return replies.map((reply, i) => asks[i].verdict(reply));
  }

  private script(asks: ReadonlyArray<ScriptCall>): Script {
    const combination = asks.map((a) => this.sectionId(a.lua)).join(',');
    let script = this.scripts.get(combination);
    if (script === undefined) {
      const lua = compose(asks.map((a) => a.lua));
      script = { lua, sha: createHash('sha1').update(lua).digest('hex') };
      this.scripts.set(combination, script);
    }
    return script;
  }

  private sectionId(lua: string): number {
    let id = this.sectionIds.get(lua);
    if (id === undefined) this.sectionIds.set(lua, (id = this.sectionIds.size));
    return id;
  }
}

/**
 * One script from sections. ARGV starts with each section's key count and argument count (two numbers per section),
 * then every section's arguments in turn; KEYS holds every section's keys in turn.
 */
function compose(sections: readonly string[]): string {
  return `local sections = {
${sections.map((s) => s.trim()).join(',\n')}
}
local replies, key, arg = {}, 1, 2 * #sections + 1
for i, section in ipairs(sections) do
  local keyCount, argCount = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local reply = section({unpack(KEYS, key, key + keyCount - 1)}, {unpack(ARGV, arg, arg + argCount - 1)})
  key, arg = key + keyCount, arg + argCount
  replies[i] = reply
  if reply[1] == 1 then break end
end
return replies`;
}
