import { Injectable } from '@nestjs/common';
import { RateLimitStore } from './rate-limit.store';
import type { RateLimitName } from './rate-limits';
import type { SendCheck, SendContext, SendRefusal } from './send-guard';

/**
 * Per destination phone, across users and challenges: texts and calls per 10 minutes and per day, and a
 * cool-down between two texts to one phone. Asked by the worker before every send (SendGuard); a refusal
 * fails the step with `rate_limited` and the challenge fails over.
 *
 * The counted budgets are read here and spent in `recordSent`, once the provider took the send, so a refused
 * check changes nothing, and a send retried after a transient provider error counts once. The cool-down is
 * claimed here, atomically, by the attempt (a retried job of the same attempt holds it already): two texts to
 * one phone cannot both pass, which also keeps concurrent texts from overshooting the counted budgets. It
 * ends early when the text's code is entered (RequestLimits.codeChecked). Because it claims, this check is the
 * last in SEND_CHECKS: nothing after it can refuse a send it has allowed.
 */
@Injectable()
export class PhoneSendCheck implements SendCheck {
  readonly name = 'phone_rate_limits';

  constructor(private readonly store: RateLimitStore) {}

  async check(ctx: SendContext): Promise<SendRefusal | null> {
    const phone = this.store.subject('phone', ctx.e164);
    const counted = (['phone_10min', 'phone_day'] as const).filter((l) => this.store.enabled(l));
    const budgets = await Promise.all(counted.map((limit) => this.store.peek(limit, phone)));
    for (const [i, limit] of counted.entries()) {
      const refused = budgets[i].consumed >= this.store.specs[limit].points;
      this.store.counters.checked(limit, refused);
      if (refused) return this.refusal(limit, budgets[i].msBeforeNext);
    }
    if (ctx.method === 'sms' && this.store.enabled('sms_cooldown')) {
      const heldMs = await this.store.claimCooldown(phone, ctx.attemptId, this.store.specs.sms_cooldown.windowSec * 1000);
      this.store.counters.checked('sms_cooldown', heldMs > 0);
      if (heldMs > 0) return this.refusal('sms_cooldown', heldMs);
    }
    return null;
  }

  async recordSent(ctx: SendContext): Promise<void> {
    const phone = this.store.subject('phone', ctx.e164);
    const spend = (['phone_10min', 'phone_day'] as const).filter((l) => this.store.enabled(l));
    await Promise.all(spend.map((limit) => this.store.consume(limit, phone)));
  }

  private refusal(limit: RateLimitName, msBeforeNext: number): SendRefusal {
    return { reason: 'rate_limited', detail: `${limit}: ${this.store.specs[limit].what} (limit ${this.store.specs[limit].points}), ${Math.ceil(msBeforeNext / 1000)} s left` };
  }
}
