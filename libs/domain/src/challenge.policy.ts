/** The knobs of a challenge, as plain data. Defaults follow CONTRACT.md. */
export interface ChallengePolicy {
  /** Whole life of a challenge. */
  challengeTtlMs: number;
  /** How long a call may ring before it counts as no answer (Twilio `Timeout`). */
  callRingTimeoutMs: number;
  /** Beyond the ring time: prompt (up to twice) and callbacks. A call step with no final callback by then times out. */
  callAnswerWindowMs: number;
  /** How long a sent or delivered text waits for its code before the next step. */
  smsStepTimeoutMs: number;
  /** At most this many texts and calls per challenge. */
  maxSends: number;
  /** At most this many wrong codes per challenge. */
  maxWrongCodes: number;
  /**
   * Extra attempts on the same step after a failure the provider calls retryable (a call that failed in the
   * network: SIP 480/408/5xx). One: a transient routing failure usually clears at once, and every further try
   * delays the backup phone by a full ring time; each retry also counts against `maxSends`.
   */
  retriesPerStep: number;
}

export const DEFAULT_POLICY: ChallengePolicy = {
  challengeTtlMs: 10 * 60_000,
  callRingTimeoutMs: 30_000,
  callAnswerWindowMs: 60_000,
  smsStepTimeoutMs: 90_000,
  maxSends: 5,
  maxWrongCodes: 5,
  retriesPerStep: 1,
};

export function callStepTimeoutMs(policy: ChallengePolicy): number {
  return policy.callRingTimeoutMs + policy.callAnswerWindowMs;
}
