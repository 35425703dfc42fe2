import type { ChallengeStatus, ContactMethod, StepStatus } from '@redial/contracts';
import type { ChallengeState } from './challenge.machine';

/** What the state machine needs of a stored challenge (the repository's record fits it). */
export interface StoredChallenge {
  status: string;
  currentStep: number;
  sends: number;
  wrongCodes: number;
  codeHash: string | null;
  nextAction: string | null;
  steps: ReadonlyArray<{ index: number; method: string; status: string; reason: string | null }>;
  attempts: ReadonlyArray<StoredAttempt>;
}

export interface StoredAttempt {
  stepIndex: number;
  attemptNo: number;
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
    hasCode: record.codeHash !== null,
  };
}

/**
 * The attempt a step is on: the highest attempt number stored for it (at least 1 once started, before its
 * dispatch writes the row) — or the next one when a retry was decided and not yet dispatched: the step is
 * current and active, waits for a dispatch, and its latest attempt has finished. The dispatch job for that
 * retry and the reconciler re-creating it both need this number.
 */
export function stepAttemptNo(record: Pick<StoredChallenge, 'currentStep' | 'nextAction' | 'steps' | 'attempts'>, stepIndex: number): number {
  const step = record.steps.find((s) => s.index === stepIndex);
  if (!step) return 0;
  const stored = record.attempts.filter((a) => a.stepIndex === stepIndex);
  const latest = stored.reduce<StoredAttempt | undefined>((max, a) => (max === undefined || a.attemptNo > max.attemptNo ? a : max), undefined);
  if (!latest) return step.status === 'waiting' ? 0 : 1;
  const retryPending = record.currentStep === stepIndex && step.status === 'active' && record.nextAction === 'dispatch' && latest.finishedAt !== null;
  return retryPending ? latest.attemptNo + 1 : latest.attemptNo;
}

/**
 * The calls to hang up when step `step` stops being active (an `end_call` effect): its attempts whose call was
 * placed (the provider's id is known) and has not ended. A call still being placed is ended by its dispatch job.
 */
export function callsToEnd<A extends { stepIndex: number; providerSid: string | null; finishedAt: Date | null }>(attempts: readonly A[], step: number): A[] {
  return attempts.filter((a) => a.stepIndex === step && a.providerSid !== null && a.finishedAt === null);
}
