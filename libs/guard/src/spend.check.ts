import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { CostEstimator } from './cost.estimator';
import type { ScriptAsk, SectionReply } from './guard.scripts';
import { roundUsd } from './price.table';
import { RequestRefusedError } from './request-refused.error';
import { SendCheck, SendContext, SendRefusal } from './send-guard';
import { addSpend, capCheck, secondsUntilNextUtcDay } from './spend.store';

/** The refused limit's name in a `spend_cap_reached` answer. */
export const DAILY_SPEND_LIMIT = 'daily_spend';

/** Whether spending `next` more (USD) would take the day past the cap (0 = no cap). Pure; SPEND_CAP_CHECK says it in Lua. */
export function overCap(spent: number, next: number, capUsd: number): boolean {
  return capUsd > 0 && spent + next > capUsd + 1e-9;
}

/**
 * The daily spend cap (SPEND_CAP_DAILY_USD, per UTC day, across every worker): a send whose estimate would take
 * the day's spend past the cap is refused (`spend_cap_reached`, the step fails over — a call elsewhere may still
 * fit), and every send that goes out adds its estimate to the day's, the hour's and the all-time spend. Checked
 * then added, not reserved: concurrent sends can pass the cap by at most one send each (cents), which keeps
 * every send at one Redis read before and one write after — each a section of the guard's one script before and
 * after the send (spend.store.ts). The api asks `newChallenge` before it creates a challenge (ChallengeAdmission),
 * so nobody waits on a challenge whose first send cannot go out today.
 */
@Injectable()
export class SpendCheck implements SendCheck {
  readonly name = 'spend';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly costs: CostEstimator,
  ) {}

  check(ctx: SendContext): ScriptAsk<SendRefusal | null> | null {
    const cap = this.config.spend.dailyCapUsd;
    if (cap <= 0) return null;
    const next = ctx.cost?.usd ?? this.costs.estimate(ctx.method, ctx.country).usd;
    return {
      ...capCheck(this.config.queuePrefix, next, cap),
      verdict: ([refused, spent]: SectionReply) =>
        refused === 1 ? { reason: 'spend_cap_reached', detail: `daily spend cap $${cap}: $${roundUsd(Number(spent))} spent today, this ${ctx.method} ~$${next}` } : null,
    };
  }

  recordSent(ctx: SendContext): ScriptAsk<void> | null {
    const usd = ctx.cost?.usd ?? this.costs.estimate(ctx.method, ctx.country).usd;
    if (usd === 0) return null;
    return { ...addSpend(this.config.queuePrefix, { country: ctx.country, channel: ctx.method, usd }), verdict: () => undefined };
  }

  /**
   * At `POST /v1/challenges`: a 429 with Retry-After (the next UTC day) when the challenge's first send would
   * not fit under today's cap. `first` is the primary phone (its channel and country).
   */
  newChallenge(first: { method: 'sms' | 'call'; country: string }, now = new Date()): ScriptAsk<RequestRefusedError | null> | null {
    const cap = this.config.spend.dailyCapUsd;
    if (cap <= 0) return null;
    return {
      ...capCheck(this.config.queuePrefix, this.costs.estimate(first.method, first.country).usd, cap, now),
      verdict: ([refused]: SectionReply) =>
        refused === 1
          ? new RequestRefusedError(429, 'spend_cap_reached', "Today's sending budget is used up; new verifications can start again tomorrow (UTC).", {
              limit: DAILY_SPEND_LIMIT,
              retryAfterSec: secondsUntilNextUtcDay(now),
            })
          : null,
    };
  }
}
