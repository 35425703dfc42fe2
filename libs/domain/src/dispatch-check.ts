/**
 * Whether a dispatch job should send its attempt's text or call now. The worker reads the attempt, its step and
 * its challenge in one query and asks this; nothing is locked or written before the send (the attempt row was
 * written by the transition that decided the send, and a text's code is derived from the attempt's id).
 */

/** What the worker reads before a send. */
export interface DispatchSubject {
  challenge: { status: string; currentStep: number; expiresAt: Date };
  step: { index: number; status: string };
  attempt: { stepIndex: number; providerSid: string | null; finishedAt: Date | null };
}

/**
 * `send`, or why not: the attempt (or its challenge) is gone; the challenge is no longer pending on the attempt's
 * step; it expired; the attempt already ended (it failed before anything was sent); or it was sent already — a
 * re-run after the SID was recorded but not the `sent` transition (the caller confirms `sent`).
 */
export type DispatchVerdict = 'send' | 'attempt gone' | 'no longer current' | 'expired' | 'attempt finished' | 'already sent';

export function checkDispatch(subject: DispatchSubject | undefined, now: Date): DispatchVerdict {
  if (subject === undefined) return 'attempt gone';
  const { challenge, step, attempt } = subject;
  if (challenge.status !== 'pending' || challenge.currentStep !== attempt.stepIndex || step.status !== 'active') return 'no longer current';
  if (challenge.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (attempt.finishedAt !== null) return 'attempt finished';
  if (attempt.providerSid !== null) return 'already sent';
  return 'send';
}
