import type { ChallengeEventType, ChallengeStatus, ContactMethod, StepStatus } from '@redial/contracts';
import { rankOf } from './attempt-status';
import { ChallengeState, Decision, decideNext, isFinal, Outcome } from './challenge.machine';
import type { ChallengePolicy } from './challenge.policy';

/**
 * What a transition writes, decided without I/O: the engine computes a plan and carries it out in one statement
 * with the COMMIT (libs/engine challenge.engine.ts).
 */

/** What the plan needs of the stored challenge (the repository's record fits it). */
export interface TransitionSubject {
  purpose: string;
  settingsId: string | null;
  lastSeq: number;
  version: number;
  firstDeliveryAt: Date | null;
}

export type NextAction = 'dispatch' | 'step_timeout';

/** The challenge row's new values. Optional fields are written only when present. */
export interface ChallengeChange {
  status: ChallengeStatus;
  currentStep: number;
  wrongCodes: number;
  sends: number;
  lastSeq: number;
  version: number;
  nextAction?: NextAction | null;
  nextActionAt?: Date | null;
  fraudReported?: true;
  firstDeliveryAt?: Date;
  finishedAt?: Date;
  approvedAt?: Date;
}

export interface StepChange {
  index: number;
  patch: { status: StepStatus; reason: string | null; startedAt?: Date; endedAt?: Date };
}

export type EventPayload = {
  status: ChallengeStatus;
  step: number | null;
  attemptNo: number | null;
  reason: string | null;
  errorCode: number | null;
};

export interface EventRow {
  type: ChallengeEventType;
  at: Date;
  payload: EventPayload;
}

/** A settings challenge that ends settles its settings in the same transaction. */
export interface SettingsVerdict {
  settingsId: string;
  verdict: 'activate' | 'reject';
}

/**
 * The attempt a `dispatch` effect starts, written by the same transition: its job then carries the attempt's id,
 * and the worker has nothing to write before the send (and a text's code is derived from that id).
 */
export interface AttemptStart {
  stepIndex: number;
  attemptNo: number;
  method: ContactMethod;
  status: 'queued';
  statusRank: number;
  createdAt: Date;
}

export interface WritePlan {
  patch: ChallengeChange;
  /** The attempt to create (a step started, or re-dialled), or null. */
  attempt: AttemptStart | null;
  /** Steps whose status or reason changed; a step turning active starts, one turning final ends. */
  steps: StepChange[];
  /** The `seq` of the first event row; the rest follow one by one. */
  firstSeq: number;
  events: EventRow[];
  settings: SettingsVerdict | null;
  /**
   * The step whose phone just approved a challenge that confirms a phone (`settings`, `phone_check`): its
   * `verified_at` is recorded. Not for sign-ins: they are about the person, not the phone, and stay one statement.
   */
  verifiedStep: number | null;
}

export function planTransition(subject: TransitionSubject, before: ChallengeState, decision: Decision, now: Date, outcome?: Outcome): WritePlan {
  const after = decision.state;
  const patch: ChallengeChange = {
    status: after.status,
    currentStep: after.currentStep,
    wrongCodes: after.wrongCodes,
    sends: after.sends,
    lastSeq: subject.lastSeq + decision.events.length,
    version: subject.version + 1,
  };
  let attempt: AttemptStart | null = null;
  // Effects in order: a later one wins (e.g. a dispatch followed by a cleared deadline).
  for (const effect of decision.effects) {
    if (effect.type === 'dispatch') {
      Object.assign(patch, { nextAction: 'dispatch', nextActionAt: now });
      attempt = { stepIndex: effect.step, attemptNo: effect.attemptNo, method: effect.method, status: 'queued', statusRank: rankOf('queued'), createdAt: now };
    }
    if (effect.type === 'step_deadline') Object.assign(patch, { nextAction: 'step_timeout', nextActionAt: new Date(now.getTime() + effect.afterMs) });
    if (effect.type === 'clear_deadline') Object.assign(patch, { nextAction: null, nextActionAt: null });
  }
  if (outcome?.type === 'fraud_reported') patch.fraudReported = true;
  // The first time the person could have answered: a text arrived, or a call was picked up.
  if ((outcome?.type === 'delivered' || outcome?.type === 'answered') && !subject.firstDeliveryAt) patch.firstDeliveryAt = now;
  if (isFinal(after.status)) {
    patch.finishedAt = now;
    if (after.status === 'approved') patch.approvedAt = now;
  }
  const steps: StepChange[] = after.steps
    .filter((step) => before.steps[step.index].status !== step.status || before.steps[step.index].reason !== step.reason)
    .map((step) => ({
      index: step.index,
      patch: {
        status: step.status,
        reason: step.reason ?? null,
        ...(step.status === 'active' ? { startedAt: now } : {}),
        ...(isEndedStep(step.status) ? { endedAt: now } : {}),
      },
    }));
  const events: EventRow[] = decision.events.map((e) => ({
    type: e.type,
    at: now,
    payload: { status: after.status, step: e.step ?? null, attemptNo: e.attemptNo ?? null, reason: e.reason ?? null, errorCode: e.errorCode ?? null },
  }));
  const settings: SettingsVerdict | null =
    isFinal(after.status) && subject.purpose === 'settings' && subject.settingsId !== null
      ? { settingsId: subject.settingsId, verdict: after.status === 'approved' ? 'activate' : 'reject' }
      : null;
  const verifiedStep = after.status === 'approved' && subject.purpose !== 'sign_in' ? (after.steps.find((s) => s.status === 'succeeded')?.index ?? null) : null;
  return { patch, attempt, steps, firstSeq: subject.lastSeq + 1, events, settings, verifiedStep };
}

export function isEndedStep(status: StepStatus): boolean {
  return status === 'failed' || status === 'succeeded' || status === 'skipped';
}

/**
 * `decideNext` for an outcome that arrives at `now`: no outcome changes nothing, and a challenge past its
 * expiry turns `expired` on the first outcome that finds it, whatever that outcome was (the expiry job may be
 * late or lost; nothing may approve a challenge after its time).
 */
export function decideWithExpiry(state: ChallengeState, outcome: Outcome | null, expiresAt: Date, now: Date, policy: ChallengePolicy): Decision {
  if (!outcome) return { state, events: [], effects: [], changed: false };
  const expired = !isFinal(state.status) && expiresAt <= now && outcome.type !== 'expire';
  return decideNext(state, expired ? { type: 'expire' } : outcome, policy);
}
