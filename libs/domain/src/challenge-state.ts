import type { ChallengeStatus, ContactMethod, StepStatus } from '@redial/contracts';
import type { ChallengeState } from './challenge.machine';

/** What the state machine needs of a stored challenge (the repository's record fits it). */
export interface StoredChallenge {
  status: string;
  currentStep: number;
  sends: number;
  wrongCodes: number;
  nextAction: string | null;
  steps: ReadonlyArray<{ index: number; method: string; status: string; reason: string | null }>;
  attempts: ReadonlyArray<StoredAttempt>;
}

export interface StoredAttempt {
  stepIndex: number;
  attemptNo: number;
  method: string;
  finishedAt: Date | null;
}

/** The state machine's view of a stored challenge. */
export function challengeStateOf(record: StoredChallenge): ChallengeState {
  return {
    status: record.status as ChallengeStatus,
    currentStep: record.currentStep,
    steps: record.steps.map((s) => ({
      index: s.index,
      method: s.method as ContactMethod,
      status: s.status as StepStatus,
      reason: s.reason ?? undefined,
      attempts: stepAttemptNo(record, s.index),
    })),
    sends: record.sends,
    wrongCodes: record.wrongCodes,
    hasCode: latestTextAttempt(record.attempts) !== undefined,
  };
}

/**
 * The attempt a step is on: the highest attempt number stored for it, 0 before it started. Attempts are written
 * by the transition that starts them (planTransition), so a started step always has its row.
 */
export function stepAttemptNo(record: { attempts: ReadonlyArray<Pick<StoredAttempt, 'stepIndex' | 'attemptNo'>> }, stepIndex: number): number {
  return record.attempts.reduce((max, a) => (a.stepIndex === stepIndex && a.attemptNo > max ? a.attemptNo : max), 0);
}

/**
 * The attempt a code check compares against: the challenge's latest text (the highest step, then attempt
 * number, among its text attempts). A new text replaces the code; undefined when nothing was texted.
 */
export function latestTextAttempt<A extends StoredAttempt>(attempts: readonly A[]): A | undefined {
  let latest: A | undefined;
  for (const a of attempts) {
    if (a.method !== 'sms') continue;
    if (latest === undefined || a.stepIndex > latest.stepIndex || (a.stepIndex === latest.stepIndex && a.attemptNo > latest.attemptNo)) latest = a;
  }
  return latest;
}

/**
 * The attempt the challenge waits to dispatch (the reconciler re-enqueues its job): the current step's latest,
 * while it is unfinished and the challenge's next action is a dispatch.
 */
export function attemptToDispatch<A extends StoredAttempt>(record: Pick<StoredChallenge, 'status' | 'currentStep' | 'nextAction'> & { attempts: readonly A[] }): A | undefined {
  if (record.status !== 'pending' || record.nextAction !== 'dispatch') return undefined;
  const attemptNo = stepAttemptNo(record, record.currentStep);
  const attempt = record.attempts.find((a) => a.stepIndex === record.currentStep && a.attemptNo === attemptNo);
  return attempt?.finishedAt === null ? attempt : undefined;
}

/**
 * The calls to hang up when step `step` stops being active (an `end_call` effect): its attempts whose call was
 * placed (the provider's id is known) and has not ended. A call still being placed is ended by its dispatch job.
 */
export function callsToEnd<A extends { stepIndex: number; providerSid: string | null; finishedAt: Date | null }>(attempts: readonly A[], step: number): A[] {
  return attempts.filter((a) => a.stepIndex === step && a.providerSid !== null && a.finishedAt === null);
}
