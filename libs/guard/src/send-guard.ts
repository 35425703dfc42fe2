import { Inject, Injectable, Optional } from '@nestjs/common';

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

export interface SendCheck {
  readonly name: string;
  /** null to allow; a refusal to fail the step. Must not change any budget when it refuses. */
  check(ctx: SendContext): Promise<SendRefusal | null>;
  /** The text or call went out (the provider accepted it). */
  recordSent?(ctx: SendContext): Promise<void>;
}

/** Multi-provider token: every module that contributes a check provides `{provide: SEND_CHECKS, useExisting: X, multi}` via GuardModule.forChecks. */
export const SEND_CHECKS = Symbol('SEND_CHECKS');

@Injectable()
export class SendGuard {
  constructor(@Optional() @Inject(SEND_CHECKS) private readonly checks: SendCheck[] = []) {}

  /** The first refusal, or null when every check allows the send. */
  async check(ctx: SendContext): Promise<SendRefusal | null> {
    for (const c of this.checks) {
      const refusal = await c.check(ctx);
      if (refusal !== null) return refusal;
    }
    return null;
  }

  async sent(ctx: SendContext): Promise<void> {
    await Promise.all(this.checks.map((c) => c.recordSent?.(ctx)));
  }
}
