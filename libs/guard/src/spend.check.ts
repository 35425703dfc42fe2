import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { PRODUCER_REDIS } from '@redial/queue';
import { CostEstimator } from './cost.estimator';
import { RequestRefusedError } from './request-refused.error';
import { SendCheck, SendContext, SendRefusal } from './send-guard';
import { addSpend, countCapRefusal, secondsUntilNextUtcDay, spentToday } from './spend.store';

/** The refused limit's name in a `spend_cap_reached` answer. */
export const DAILY_SPEND_LIMIT = 'daily_spend';

/** Whether spending `next` more (USD) would take the day past the cap (0 = no cap). Pure. */
export function overCap(spent: number, next: number, capUsd: number): boolean {
  return capUsd > 0 && spent + next > capUsd + 1e-9;
}

/**
 * The daily spend cap (SPEND_CAP_DAILY_USD, per UTC day, across every worker): a send whose estimate would take
 * the day's spend past the cap is refused (`spend_cap_reached`, the step fails over — a call elsewhere may still
 * fit), and every send that goes out adds its estimate to the day's, the hour's and the all-time spend. Checked
 * then added, not reserved: concurrent sends can pass the cap by at most one send each (cents), which keeps
 * every send at one Redis read before and one write after. The api asks `refuseNewChallenge` before it creates
 * a challenge, so nobody waits on a challenge whose first send cannot go out today.
 */
@Injectable()
export class SpendCheck implements SendCheck {
  readonly name = 'spend';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
    private readonly costs: CostEstimator,
  ) {}

  async check(ctx: SendContext): Promise<SendRefusal | null> {
    const cap = this.config.spend.dailyCapUsd;
    if (cap <= 0) return null;
    const next = ctx.cost?.usd ?? this.costs.estimate(ctx.method, ctx.country).usd;
    const spent = await spentToday(this.redis, this.config.queuePrefix);
    if (!overCap(spent, next, cap)) return null;
    await countCapRefusal(this.redis, this.config.queuePrefix);
    return { reason: 'spend_cap_reached', detail: `daily spend cap $${cap}: $${spent} spent today, this ${ctx.method} ~$${next}` };
  }

  async recordSent(ctx: SendContext): Promise<void> {
    const usd = ctx.cost?.usd ?? this.costs.estimate(ctx.method, ctx.country).usd;
    await addSpend(this.redis, this.config.queuePrefix, { country: ctx.country, channel: ctx.method, usd });
  }

  /**
   * At `POST /v1/challenges`: a 429 with Retry-After (the next UTC day) when the challenge's first send would
   * not fit under today's cap. `first` is the primary phone (its channel and country).
   */
  async refuseNewChallenge(first: { method: 'sms' | 'call'; country: string }, now = new Date()): Promise<void> {
    const cap = this.config.spend.dailyCapUsd;
    if (cap <= 0) return;
    const spent = await spentToday(this.redis, this.config.queuePrefix, now);
    if (!overCap(spent, this.costs.estimate(first.method, first.country).usd, cap)) return;
    await countCapRefusal(this.redis, this.config.queuePrefix, now);
    throw new RequestRefusedError(429, 'spend_cap_reached', "Today's sending budget is used up; new verifications can start again tomorrow (UTC).", {
      limit: DAILY_SPEND_LIMIT,
      retryAfterSec: secondsUntilNextUtcDay(now),
    });
  }
}
