import { stepAttemptNo } from './challenge-state';

/**
 * Step deadlines and their wake-ups. A step's deadline lives in PostgreSQL (`next_action_at`); a delayed job is
 * only the wake-up call for it. A deadline that moves later for the same attempt (a delivered text waits
 * SMS_STEP_TIMEOUT from its delivery, not from its send) gets no job of its own: the wake-up already queued for the
 * earlier deadline comes first, finds the later one and queues the next wake-up then. Most challenges end before
 * their first deadline, so most never need a second job. A wake-up lost with Redis is the reconciler's, which
 * applies overdue deadlines from PostgreSQL.
 */

/** What a wake-up or a deadline is about: a step, one attempt of it, and when. */
export interface StepDeadline {
  step: number;
  attemptNo: number;
  /** Epoch ms. */
  deadline: number;
}

/** The part of a stored challenge the deadline rules read. */
export interface DeadlineSubject {
  status: string;
  currentStep: number;
  nextAction: string | null;
  nextActionAt: Date | null;
  attempts: ReadonlyArray<{ stepIndex: number; attemptNo: number }>;
}

/** The step deadline the challenge waits on (its current step, latest attempt), or undefined. */
export function pendingStepDeadline(c: DeadlineSubject): StepDeadline | undefined {
  if (c.status !== 'pending' || c.nextAction !== 'step_timeout' || c.nextActionAt === null) return undefined;
  return { step: c.currentStep, attemptNo: stepAttemptNo(c, c.currentStep), deadline: c.nextActionAt.getTime() };
}

/**
 * Whether a transition that set `after` must queue a wake-up for it: not when `before`, the deadline the challenge
 * waited on until then, is for the same step and attempt and comes no later — its wake-up defers to this one.
 */
export function needsWakeUp(before: StepDeadline | undefined, after: StepDeadline): boolean {
  return before === undefined || before.step !== after.step || before.attemptNo !== after.attemptNo || before.deadline > after.deadline;
}

export type WakeUp =
  /** The deadline it was queued for is the one set: the step times out. */
  | { kind: 'time_out' }
  /** The same attempt's deadline moved later: wake up again then. */
  | { kind: 'later'; deadline: number }
  /** The challenge moved on (another step or attempt, no deadline, not pending): nothing to do. */
  | { kind: 'none' };

/** What a wake-up queued for `job` does on the challenge as it is now. */
export function stepWakeUp(c: DeadlineSubject, job: StepDeadline): WakeUp {
  const current = pendingStepDeadline(c);
  if (current === undefined || current.step !== job.step || current.attemptNo !== job.attemptNo) return { kind: 'none' };
  if (current.deadline === job.deadline) return { kind: 'time_out' };
  return current.deadline > job.deadline ? { kind: 'later', deadline: current.deadline } : { kind: 'none' };
}
