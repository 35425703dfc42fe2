import type { ChallengeEventType } from './enums.constants';

/**
 * The operators' counters, each defined once: which challenge event adds one to which counter. The per-minute
 * chart, the dashboard's tiles, the per-country table, `/metrics` and the failure-rate alert all count through
 * `outcomeOf`, so they cannot disagree. Free of zod: the web bundle imports this file for the labels.
 *
 * A fraud report is not a failure (the call got through: the person said it was not them), and a step the person
 * skipped with "use a different verification option", or a challenge canceled, is neither a failure nor a
 * failover: each has its own counter.
 */
export const OUTCOME_COUNTERS = ['sent', 'delivered', 'failed', 'failedOver', 'fraud', 'skipped'] as const;
export type OutcomeCounter = (typeof OUTCOME_COUNTERS)[number];
export type OutcomeCounts = Record<OutcomeCounter, number>;

/** What operators read for each counter: a short label, and what it counts. */
export const OUTCOME_TEXTS: Readonly<Record<OutcomeCounter, { label: string; counts: string }>> = {
  sent: { label: 'Sent', counts: 'texts sent and calls placed' },
  delivered: { label: 'Delivered', counts: 'texts delivered and calls answered' },
  failed: { label: 'Failed', counts: 'texts and calls that did not reach the person (no answer, busy, undelivered, no code in time…)' },
  failedOver: { label: 'Failed over', counts: 'moves to the next phone after a failure' },
  fraud: { label: 'Denied for fraud', counts: 'sign-ins denied because the person reported the call as fraud (0 then #)' },
  skipped: { label: 'Skipped or canceled', counts: 'phones the person skipped ("use a different verification option") and challenges canceled' },
};

/** The windows the counters are shown over, as every view labels them. */
export const COUNTER_WINDOWS = {
  /** `OpsStats.rates`. */
  recent: { ms: 60_000, label: 'last 60 s' },
  /** The per-minute chart, the tiles, the per-country table, the failure reasons and `/metrics`. */
  hour: { minutes: 60, label: 'last 60 min' },
} as const;

/** Reasons that end a step without it failing: the person moved on, or the challenge was canceled. */
const SKIP_REASONS: ReadonlySet<string> = new Set(['user_skipped', 'skipped', 'canceled']);

/**
 * What is counted, and where it is read:
 *  - `attempt.sent` and `attempt.delivered` are an attempt's own times (the provider accepted it; the text was
 *    delivered or the call answered), so a delivery receipt that arrives after the person already entered the
 *    code still counts;
 *  - the rest are the challenge's events (OUTCOME_EVENT_TYPES): what the state machine decided.
 */
export const ATTEMPT_COUNTED = ['attempt.sent', 'attempt.delivered'] as const;

/** The challenge event types `outcomeOf` counts (the SQL behind the counters reads these events only). */
export const OUTCOME_EVENT_TYPES = ['attempt.failed', 'step.failover', 'challenge.denied', 'challenge.canceled'] as const satisfies readonly ChallengeEventType[];

/**
 * The counter one counted row adds to, or undefined. `type` is one of ATTEMPT_COUNTED or OUTCOME_EVENT_TYPES,
 * `reason` the event's. A failed attempt whose reason is a fraud report or a skip is counted by the event that
 * decided it (`challenge.denied`, `step.failover`, `challenge.canceled`), never twice.
 */
export function outcomeOf(type: string, reason: string | null | undefined): OutcomeCounter | undefined {
  switch (type) {
    case 'attempt.sent':
      return 'sent';
    case 'attempt.delivered':
      return 'delivered';
    case 'attempt.failed':
      return reason === 'fraud_reported' || SKIP_REASONS.has(reason ?? '') ? undefined : 'failed';
    case 'step.failover':
      return SKIP_REASONS.has(reason ?? '') ? 'skipped' : 'failedOver';
    case 'challenge.denied':
      return 'fraud';
    case 'challenge.canceled':
      return 'skipped';
    default:
      return undefined;
  }
}

/** How challenges ended, for the dashboard's challenge figures (denied and canceled ones are outcome counters). */
export const CHALLENGE_END_TYPES = {
  'challenge.approved': 'approved',
  'challenge.failed': 'failed',
  'challenge.expired': 'failed',
  'challenge.max_attempts_reached': 'failed',
} as const satisfies Partial<Record<ChallengeEventType, string>>;

export function zeroCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOME_COUNTERS.map((c) => [c, 0])) as OutcomeCounts;
}
