import { Inject, Injectable, Optional } from '@nestjs/common';
import { GuardScripts, isScriptAsk, type ScriptAsk } from './guard.scripts';

/**
 * Abuse and cost control at send time: before the worker sends a text or places a call, every SendCheck is
 * asked in turn; the first refusal fails the step with its reason (the challenge fails over, as for any
 * undeliverable phone) and nothing is sent. After a send goes out, every check is told (budgets, spend).
 */

/** What is about to be sent. Numbers stay in the worker process; they never go into a job or Redis key. */
export interface SendContext {
  challengeId: string;
  userId: string;
  purpose: string;
  attemptId: string;
  stepIndex: number;
  attemptNo: number;
  method: 'sms' | 'call';
  /** E.164 destination. */
  e164: string;
  /** ISO 3166 alpha-2 country of the destination. */
  country: string;
  /** The send's estimated cost (the price table: a text's segments, a call's first minute), when the sender knows it. */
  cost?: { usd: number; units: number };
}

/** Failure reasons a send-time check may give (libs/contracts FAILURE_REASONS). */
export type SendRefusalReason = 'rate_limited' | 'geo_blocked' | 'destination_suspended' | 'spend_cap_reached';

export interface SendRefusal {
  reason: SendRefusalReason;
  /** For the log line: which limit or list refused. */
  detail: string;
}

/** What a check answers before a send: allow (null), a refusal decided on the spot, or its share of the guard's script. */
export type SendCheckAnswer = SendRefusal | ScriptAsk<SendRefusal | null> | null;

export interface SendCheck {
  readonly name: string;
  /**
   * Before a send. A check that needs Redis answers with its section of the guard's one script (guard.scripts.ts),
   * whose verdict is its refusal or null. Must not change any budget when it refuses.
   */
  check(ctx: SendContext): SendCheckAnswer;
  /** The text or call went out (the provider accepted it): its section of the one script after the send, if it writes. */
  recordSent?(ctx: SendContext): ScriptAsk<void> | null;
}

/** The send checks, in the order they are asked (GuardModule lists them). */
export const SEND_CHECKS = Symbol('SEND_CHECKS');

/**
 * One round trip to Redis before a send and one after it: the checks are asked in order, and those that need
 * Redis are run together as one script whose sections run in the same order and stop at the first refusal
 * (guard.scripts.ts) — the checks still read one after the other, as if each asked Redis in turn.
 */
@Injectable()
export class SendGuard {
  constructor(
    private readonly scripts: GuardScripts,
    @Optional() @Inject(SEND_CHECKS) private readonly checks: SendCheck[] = [],
  ) {}

  /** The first refusal, or null when every check allows the send. */
  async check(ctx: SendContext): Promise<SendRefusal | null> {
    const asks: Array<ScriptAsk<SendRefusal | null>> = [];
    let onTheSpot: SendRefusal | null = null;
    for (const c of this.checks) {
      const answer = c.check(ctx);
      if (isScriptAsk<SendRefusal | null>(answer)) asks.push(answer);
      else if (answer !== null) {
        // The checks after it are not asked; those before it still are, and refuse first.
        onTheSpot = answer;
        break;
      }
    }
    const verdicts = await this.scripts.run(asks);
    return verdicts.find((v) => v !== null) ?? onTheSpot;
  }

  async sent(ctx: SendContext): Promise<void> {
    await this.scripts.run(this.checks.flatMap((c) => c.recordSent?.(ctx) ?? []));
  }
}
