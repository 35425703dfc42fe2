import { type ChallengeEventType, type ChallengeStatus, type ContactMethod, FINAL_CHALLENGE_STATUSES, type StepStatus } from '@redial/contracts';
import { callStepTimeoutMs, ChallengePolicy } from './challenge.policy';

/**
 * The challenge state machine. `decideNext(state, outcome, policy)` is pure: it returns the next state, the
 * events that describe the change, and the effects the caller must carry out after committing it.
 */

export interface StepState {
  index: number;
  method: ContactMethod;
  status: StepStatus;
  reason?: string;
  /** Attempts started on this step (the attempt number of the latest). */
  attempts: number;
}

export interface ChallengeState {
  status: ChallengeStatus;
  currentStep: number;
  steps: StepState[];
  /** Texts and calls started in this challenge. */
  sends: number;
  wrongCodes: number;
  /** A code was texted (the challenge has a text attempt): a code may be checked. */
  hasCode: boolean;
}

export type StepRef = { step: number; attemptNo: number };

export type Outcome =
  | { type: 'start' }
  | ({ type: 'sent' } & StepRef)
  | ({ type: 'delivered' } & StepRef)
  | ({ type: 'ringing' } & StepRef)
  | ({ type: 'answered' } & StepRef)
  | ({ type: 'approved_by_call' } & StepRef)
  | ({ type: 'fraud_reported' } & StepRef)
  /**
   * The phone could not be reached this way: no answer, busy, voicemail, undelivered, invalid, retries exhausted, …
   * `retryable`: the provider says the same phone is worth one more try now (a call that failed in the network,
   * e.g. SIP 480/408/5xx); the step re-dials within `policy.retriesPerStep` and `policy.maxSends`.
   */
  | ({ type: 'step_failed'; reason: string; errorCode?: number; retryable?: boolean } & StepRef)
  | ({ type: 'step_timeout' } & StepRef)
  | { type: 'advance' }
  | { type: 'code_checked'; correct: boolean }
  | { type: 'expire' }
  | { type: 'cancel' };

export interface EventSpec {
  type: ChallengeEventType;
  step?: number;
  attemptNo?: number;
  reason?: string;
  errorCode?: number;
}

export type Effect =
  | { type: 'dispatch'; step: number; attemptNo: number; method: ContactMethod }
  | { type: 'step_deadline'; step: number; attemptNo: number; afterMs: number }
  | { type: 'clear_deadline' }
  /** A call step stopped being active for a reason outside its call: hang the call up (it may still ring). */
  | { type: 'end_call'; step: number };

export type Rejection = 'not_pending' | 'no_other_option' | 'no_code_sent';

export interface Decision {
  state: ChallengeState;
  events: EventSpec[];
  effects: Effect[];
  /** False when the outcome changes nothing (stale, duplicate, or for a final challenge). */
  changed: boolean;
  /** Set when the outcome was refused: the caller should tell the requester why. */
  rejected?: Rejection;
}

export const FINAL_STATUSES: readonly ChallengeStatus[] = FINAL_CHALLENGE_STATUSES;

export function isFinal(status: ChallengeStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function initialState(methods: ContactMethod[]): ChallengeState {
  if (methods.length === 0) throw new Error('a challenge needs at least one step');
  return {
    status: 'pending',
    currentStep: 0,
    steps: methods.map((method, index) => ({ index, method, status: 'waiting', attempts: 0 })),
    sends: 0,
    wrongCodes: 0,
    hasCode: false,
  };
}

export function attemptsLeft(state: ChallengeState, policy: ChallengePolicy): number {
  return Math.max(0, policy.maxWrongCodes - state.wrongCodes);
}

export function decideNext(state: ChallengeState, outcome: Outcome, policy: ChallengePolicy): Decision {
  return withEndedCalls(state, outcome, decide(state, outcome, policy));
}

/**
 * A call step that stops being active (the person chose another option, the step timed out, the challenge was
 * canceled, expired, or approved some other way) must not leave the phone ringing: its call is ended. Not when
 * the outcome came from that call itself — its keys or its own end: the call is already hanging up, or says
 * goodbye first.
 */
function withEndedCalls(before: ChallengeState, outcome: Outcome, decision: Decision): Decision {
  if (!decision.changed) return decision;
  const fromCall = 'step' in outcome && CALL_OWN_OUTCOMES.has(outcome.type) ? outcome.step : undefined;
  const ended = before.steps
    .filter((s) => s.method === 'call' && s.status === 'active' && s.index !== fromCall && decision.state.steps[s.index].status !== 'active')
    .map((s): Effect => ({ type: 'end_call', step: s.index }));
  return ended.length === 0 ? decision : { ...decision, effects: [...decision.effects, ...ended] };
}

/** Outcomes a call reports about itself (its keys, its voicemail, its final status). */
const CALL_OWN_OUTCOMES: ReadonlySet<Outcome['type']> = new Set(['approved_by_call', 'fraud_reported', 'step_failed']);

function decide(state: ChallengeState, outcome: Outcome, policy: ChallengePolicy): Decision {
  if (isFinal(state.status)) return unchanged(state, 'not_pending');
  switch (outcome.type) {
    case 'start':
      if (state.sends > 0 || state.steps[0].status !== 'waiting') return unchanged(state);
      return startStep(clone(state), 0, [{ type: 'challenge.created' }], policy);
    case 'sent':
      if (!isCurrent(state, outcome)) return unchanged(state);
      return {
        state,
        events: [{ type: 'attempt.sent', step: outcome.step, attemptNo: outcome.attemptNo }],
        effects: [{ type: 'step_deadline', step: outcome.step, attemptNo: outcome.attemptNo, afterMs: stepTimeout(state, outcome.step, policy) }],
        changed: true,
      };
    case 'delivered':
      if (!isCurrent(state, outcome)) return unchanged(state);
      return {
        state,
        events: [{ type: 'attempt.delivered', step: outcome.step, attemptNo: outcome.attemptNo }],
        // A delivered text waits SMS_STEP_TIMEOUT for its code from the moment it arrives.
        effects: state.steps[outcome.step].method === 'sms' ? [{ type: 'step_deadline', step: outcome.step, attemptNo: outcome.attemptNo, afterMs: policy.smsStepTimeoutMs }] : [],
        changed: true,
      };
    case 'ringing':
      if (!isCurrent(state, outcome)) return unchanged(state);
      return { state, events: [{ type: 'call.ringing', step: outcome.step, attemptNo: outcome.attemptNo }], effects: [], changed: true };
    case 'answered':
      if (!isCurrent(state, outcome)) return unchanged(state);
      return { state, events: [{ type: 'call.answered', step: outcome.step, attemptNo: outcome.attemptNo }], effects: [], changed: true };
    case 'approved_by_call':
      // A `#` from any phone of this challenge is a real answer, even if failover has moved on meanwhile.
      if (!hasStarted(state, outcome.step)) return unchanged(state);
      return finish(state, 'approved', 'challenge.approved', outcome.step, 'succeeded');
    case 'fraud_reported':
      if (!hasStarted(state, outcome.step)) return unchanged(state);
      return finish(state, 'denied', 'challenge.denied', outcome.step, 'failed', 'fraud_reported');
    case 'step_failed': {
      if (!isCurrent(state, outcome)) return unchanged(state);
      const failed: EventSpec = { type: 'attempt.failed', step: outcome.step, attemptNo: outcome.attemptNo, reason: outcome.reason, errorCode: outcome.errorCode };
      if (outcome.retryable && canRetry(state, outcome.step, policy)) return startStep(clone(state), outcome.step, [failed], policy);
      return failover(state, outcome.step, outcome.reason, policy, failed);
    }
    case 'step_timeout':
      if (!isCurrent(state, outcome)) return unchanged(state);
      return failover(state, outcome.step, 'timeout', policy, { type: 'attempt.failed', step: outcome.step, attemptNo: outcome.attemptNo, reason: 'timeout' });
    case 'advance':
      if (state.currentStep + 1 >= state.steps.length) return unchanged(state, 'no_other_option');
      return failover(state, state.currentStep, 'user_skipped', policy);
    case 'code_checked':
      return checkCode(state, outcome.correct, policy);
    case 'expire':
      return finish(state, 'expired', 'challenge.expired', state.currentStep, 'failed', 'expired');
    case 'cancel':
      return finish(state, 'canceled', 'challenge.canceled', state.currentStep, 'skipped', 'canceled');
  }
}

function checkCode(state: ChallengeState, correct: boolean, policy: ChallengePolicy): Decision {
  if (!state.hasCode) return unchanged(state, 'no_code_sent');
  if (correct) {
    const step = lastSmsStep(state);
    return finish(state, 'approved', 'challenge.approved', step ?? state.currentStep, 'succeeded');
  }
  const next = clone(state);
  next.wrongCodes += 1;
  if (next.wrongCodes >= policy.maxWrongCodes) {
    return finish(next, 'max_attempts_reached', 'challenge.max_attempts_reached', next.currentStep, 'failed', 'max_attempts_reached');
  }
  return { state: next, events: [], effects: [], changed: true };
}

/** The current step failed (or was skipped): move to the next one, or fail the challenge when none is left. */
function failover(state: ChallengeState, step: number, reason: string, policy: ChallengePolicy, failedEvent?: EventSpec): Decision {
  const next = clone(state);
  next.steps[step] = { ...next.steps[step], status: reason === 'user_skipped' ? 'skipped' : 'failed', reason };
  const events: EventSpec[] = failedEvent ? [failedEvent] : [];
  const target = step + 1;
  if (target >= next.steps.length) {
    next.status = 'failed';
    return { state: next, events: [...events, { type: 'challenge.failed', reason }], effects: [{ type: 'clear_deadline' }], changed: true };
  }
  if (next.sends >= policy.maxSends) {
    next.status = 'failed';
    return {
      state: next,
      events: [...events, { type: 'challenge.failed', reason: 'max_sends' }],
      effects: [{ type: 'clear_deadline' }],
      changed: true,
    };
  }
  events.push({ type: 'step.failover', step: target, reason });
  return startStep(next, target, events, policy);
}

/**
 * A retryable failure re-dials the same step as a new attempt, at most `retriesPerStep` times per step and never
 * beyond `maxSends` (a retry is a send like any other). Past either bound the step fails over as usual.
 */
function canRetry(state: ChallengeState, step: number, policy: ChallengePolicy): boolean {
  return state.steps[step].attempts <= policy.retriesPerStep && state.sends < policy.maxSends;
}

/** Makes step `index` active with a new attempt (its first, or a retry) and dispatches it. */
function startStep(next: ChallengeState, index: number, events: EventSpec[], _policy: ChallengePolicy): Decision {
  const attemptNo = next.steps[index].attempts + 1;
  next.currentStep = index;
  next.steps[index] = { ...next.steps[index], status: 'active', attempts: attemptNo };
  next.sends += 1;
  // A text's code is its attempt's (verification-code.ts): it exists, and replaces any earlier one, from now on.
  if (next.steps[index].method === 'sms') next.hasCode = true;
  return {
    state: next,
    events: [...events, { type: 'attempt.queued', step: index, attemptNo }],
    effects: [{ type: 'dispatch', step: index, attemptNo, method: next.steps[index].method }],
    changed: true,
  };
}

function finish(state: ChallengeState, status: ChallengeStatus, event: ChallengeEventType, step: number, stepStatus: StepStatus, reason?: string): Decision {
  const next = clone(state);
  next.status = status;
  next.hasCode = false;
  const current = next.steps[step];
  if (current && (current.status === 'active' || stepStatus === 'succeeded')) {
    next.steps[step] = { ...current, status: stepStatus, reason: stepStatus === 'succeeded' ? undefined : reason };
  }
  for (const other of next.steps) {
    if (other.index !== step && other.status === 'active') next.steps[other.index] = { ...other, status: 'skipped' };
  }
  // Steps never reached stay `waiting`; the person sees they were not needed.
  return { state: next, events: [{ type: event, step, reason }], effects: [{ type: 'clear_deadline' }], changed: true };
}

function stepTimeout(state: ChallengeState, step: number, policy: ChallengePolicy): number {
  return state.steps[step].method === 'sms' ? policy.smsStepTimeoutMs : callStepTimeoutMs(policy);
}

function isCurrent(state: ChallengeState, ref: StepRef): boolean {
  const step = state.steps[ref.step];
  return state.currentStep === ref.step && step !== undefined && step.status === 'active' && step.attempts === ref.attemptNo;
}

function hasStarted(state: ChallengeState, index: number): boolean {
  const step = state.steps[index];
  return step !== undefined && step.attempts > 0;
}

function lastSmsStep(state: ChallengeState): number | undefined {
  for (let i = state.steps.length - 1; i >= 0; i--) {
    if (state.steps[i].method === 'sms' && state.steps[i].attempts > 0) return i;
  }
  return undefined;
}

function unchanged(state: ChallengeState, rejected?: Rejection): Decision {
  return rejected ? { state, events: [], effects: [], changed: false, rejected } : { state, events: [], effects: [], changed: false };
}

function clone(state: ChallengeState): ChallengeState {
  return { ...state, steps: state.steps.map((s) => ({ ...s })) };
}
