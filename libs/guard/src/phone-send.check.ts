import { Injectable } from '@nestjs/common';
import type { ScriptAsk, SectionReply } from './guard.scripts';
import { RateLimitStore } from './rate-limit.store';
import type { RateLimitName } from './rate-limits';
import type { SendCheck, SendContext, SendRefusal } from './send-guard';

const COUNTED = ['phone_10min', 'phone_day'] as const;

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
 * last in SEND_CHECKS: nothing after it can refuse a send it has allowed. Its Redis work is the store's
 * PHONE_SEND_CHECK section, in the guard's one script before the send (which runs it only when every check
 * before it allowed), and SPEND_BUDGETS in the one after.
 */
@Injectable()
export class PhoneSendCheck implements SendCheck {
  readonly name = 'phone_rate_limits';

  constructor(private readonly store: RateLimitStore) {}

  check(ctx: SendContext): ScriptAsk<SendRefusal | null> | null {
    const counted = COUNTED.filter((l) => this.store.enabled(l));
    const cooldown = ctx.method === 'sms' && this.store.enabled('sms_cooldown') ? { owner: ctx.attemptId, ms: this.store.specs.sms_cooldown.windowSec * 1000 } : undefined;
    if (counted.length === 0 && cooldown === undefined) return null;
    const asked: RateLimitName[] = cooldown === undefined ? [...counted] : [...counted, 'sms_cooldown'];
    return {
      ...this.store.checkPhone(this.store.subject('phone', ctx.e164), counted, cooldown),
      verdict: ([refused, which, msLeft]: SectionReply) => {
        // The limits are read in order up to the first spent one: each read counts as checked.
        const upTo = refused === 1 ? Number(which) : asked.length;
        asked.slice(0, upTo).forEach((limit, i) => this.store.counters.checked(limit, i + 1 === upTo && refused === 1));
        return refused === 1 ? this.refusal(asked[upTo - 1], Number(msLeft)) : null;
      },
    };
  }

  recordSent(ctx: SendContext): ScriptAsk<void> | null {
    const counted = COUNTED.filter((l) => this.store.enabled(l));
    if (counted.length === 0) return null;
    return { ...this.store.spendPhone(this.store.subject('phone', ctx.e164), counted), verdict: () => undefined };
  }

  private refusal(limit: RateLimitName, msBeforeNext: number): SendRefusal {
    return { reason: 'rate_limited', detail: `${limit}: ${this.store.specs[limit].what} (limit ${this.store.specs[limit].points}), ${Math.ceil(msBeforeNext / 1000)} s left` };
  }
}
