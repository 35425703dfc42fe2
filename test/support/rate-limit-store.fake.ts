import { loadConfig, type AppConfig } from '@redial/config';
import type { BudgetState, RateLimitStore, ScriptCall } from '@redial/guard';
import { rateLimitSpecs, type RateLimitName } from '@redial/guard';

/**
 * An in-memory RateLimitStore for unit specs (no Redis): budgets by `limit/subject`, a fixed "ms left" per
 * window, the cool-down's holder, and the counters' calls. Subjects are `kind=value` so specs can read them.
 */
export class MemoryRateLimitStore {
  readonly budgets = new Map<string, number>();
  readonly cooldowns = new Map<string, string>();
  readonly counted: Array<[RateLimitName, boolean]> = [];
  readonly calls: string[] = [];
  readonly specs;
  readonly counters = { checked: (limit: RateLimitName, refused: boolean) => void this.counted.push([limit, refused]) };
  failing = false;

  constructor(readonly config: AppConfig = loadConfig({})) {
    this.specs = rateLimitSpecs(config.rateLimits);
  }

  static withEnv(env: Record<string, string>): { store: MemoryRateLimitStore; asStore: RateLimitStore; config: AppConfig } {
    const config = loadConfig(env);
    const store = new MemoryRateLimitStore(config);
    return { store, asStore: store as unknown as RateLimitStore, config };
  }

  enabled(limit: RateLimitName): boolean {
    return this.specs[limit].points > 0;
  }
  subject(kind: string, value: string): string {
    return `${kind}=${value}`;
  }
  /** The script sections' calls name what was asked: `limit/subject` keys, the cool-down's owner and length. */
  take(takes: Array<{ limit: RateLimitName; subject: string }>): ScriptCall {
    return { lua: 'take', keys: takes.map((t) => `${t.limit}/${t.subject}`), args: [] };
  }
  checkPhone(phone: string, counted: RateLimitName[], cooldown?: { owner: string; ms: number }): ScriptCall {
    return { lua: 'checkPhone', keys: counted.map((l) => `${l}/${phone}`), args: cooldown === undefined ? [] : [cooldown.owner, cooldown.ms] };
  }
  spendPhone(phone: string, counted: RateLimitName[]): ScriptCall {
    return { lua: 'spendPhone', keys: counted.map((l) => `${l}/${phone}`), args: [] };
  }
  async peek(limit: RateLimitName, subject: string): Promise<BudgetState> {
    this.touch(`peek ${limit}`);
    return { consumed: this.budgets.get(`${limit}/${subject}`) ?? 0, msBeforeNext: 1500 };
  }
  async consume(limit: RateLimitName, subject: string, points = 1): Promise<BudgetState> {
    this.touch(`consume ${limit}`);
    const consumed = (this.budgets.get(`${limit}/${subject}`) ?? 0) + points;
    this.budgets.set(`${limit}/${subject}`, consumed);
    return { consumed, msBeforeNext: limit === 'user_challenges' ? 90_000 : 1500 };
  }
  async block(limit: RateLimitName, subject: string, sec: number): Promise<void> {
    this.touch(`block ${limit} ${sec}`);
    this.budgets.set(`${limit}/${subject}`, this.specs[limit].points + 1);
  }
  async reset(limit: RateLimitName, subject: string): Promise<void> {
    this.touch(`reset ${limit}`);
    this.budgets.delete(`${limit}/${subject}`);
  }
  async releaseCooldown(subject: string): Promise<void> {
    this.touch('releaseCooldown');
    this.cooldowns.delete(subject);
  }

  budget(limit: RateLimitName, subject: string): number {
    return this.budgets.get(`${limit}/${subject}`) ?? 0;
  }

  private touch(call: string): void {
    if (this.failing) throw new Error('Redis connection is not ready');
    this.calls.push(call);
  }
}
