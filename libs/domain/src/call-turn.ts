import { advanceAttempt, AttemptChange } from './attempt-status';
import { CallKeyVerdict, CallPrompt, readCallKeys } from './call-keys';
import type { Outcome } from './challenge.machine';

/**
 * One turn of a verification call: the call was answered (the provider fetches the prompt, and fetches it again
 * when the prompt got no key), or a key was pressed at a prompt. `decideCallTurn` says what it means for the
 * challenge (the outcome), for the attempt (its patch) and what the call answers (the reply) — the webhook only
 * carries it out under the challenge's lock.
 */

/** How often the prompt is played before silence counts as no answer: the prompt, then one repeat. */
export const MAX_PROMPTS = 2;

export const CALL_GOODBYE = {
  approved: 'Thank you. You are verified. Goodbye.',
  denied: 'Thank you. The sign-in has been blocked and reported. Goodbye.',
  noInput: 'We did not receive any input. Goodbye.',
  inactive: 'This verification is no longer active. Goodbye.',
  machine: 'Goodbye.',
} as const;

/** Answering-machine detection said a machine or a fax picked up (Twilio's AnsweredBy `machine_*`, `fax`). */
export function isMachineAnswer(answeredBy: string | undefined | null): boolean {
  return answeredBy !== undefined && answeredBy !== null && (answeredBy.startsWith('machine_') || answeredBy === 'fax');
}

export type CallRequest =
  /** The call was answered (or the prompt ended without a key and is fetched again). */
  | { kind: 'answer'; answeredBy?: string }
  /** A key arrived at a prompt. */
  | { kind: 'keys'; prompt: CallPrompt; digits: string };

export interface CallTurnInput {
  challenge: { status: string; purpose: string };
  attempt: { stepIndex: number; attemptNo: number; promptsPlayed: number; statusRank: number };
  request: CallRequest;
  now: Date;
}

export type CallPurpose = 'sign_in' | 'settings';

export type CallReply =
  /** Play the verification prompt (again). */
  | { type: 'prompt'; purpose: CallPurpose }
  /** Ask for `#` to confirm the fraud report that a `0` started. */
  | { type: 'confirm_fraud' }
  | { type: 'goodbye'; text: string };

export interface CallTurn {
  outcome: Outcome | null;
  attemptPatch: AttemptChange;
  reply: CallReply;
}

export function decideCallTurn({ challenge, attempt, request, now }: CallTurnInput): CallTurn {
  if (challenge.status !== 'pending') return { outcome: null, attemptPatch: {}, reply: goodbye(CALL_GOODBYE.inactive) };
  const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
  // A challenge that confirms a phone (saved settings, a backup checked on demand) speaks as one.
  const purpose: CallPurpose = challenge.purpose === 'sign_in' ? 'sign_in' : 'settings';

  if (request.kind === 'answer') {
    if (request.answeredBy !== undefined && isMachineAnswer(request.answeredBy)) {
      return { outcome: { type: 'step_failed', reason: 'voicemail', ...ref }, attemptPatch: { answeredBy: request.answeredBy, reason: 'voicemail' }, reply: goodbye(CALL_GOODBYE.machine) };
    }
    const turn = promptAgain(attempt, ref, purpose);
    if (turn.outcome) return turn;
    // Fetching the prompt proves the call was answered, whichever arrives first: this or the status callback.
    const answered = advanceAttempt(attempt, 'answered', now);
    return answered ? { ...turn, outcome: { type: 'answered', ...ref }, attemptPatch: { ...turn.attemptPatch, ...answered } } : turn;
  }

  switch (readCallKeys(request.prompt, request.digits)) {
    case CallKeyVerdict.Approve:
      return { outcome: { type: 'approved_by_call', ...ref }, attemptPatch: { reason: null }, reply: goodbye(CALL_GOODBYE.approved) };
    case CallKeyVerdict.ReportFraud:
      return { outcome: { type: 'fraud_reported', ...ref }, attemptPatch: { reason: 'fraud_reported' }, reply: goodbye(CALL_GOODBYE.denied) };
    case CallKeyVerdict.AskFraudConfirmation:
      return { outcome: null, attemptPatch: {}, reply: { type: 'confirm_fraud' } };
    case CallKeyVerdict.Repeat:
      return promptAgain(attempt, ref, purpose);
  }
}

/** The prompt once more, within MAX_PROMPTS; past it, silence counts as no answer. */
function promptAgain(attempt: CallTurnInput['attempt'], ref: { step: number; attemptNo: number }, purpose: CallPurpose): CallTurn {
  if (attempt.promptsPlayed >= MAX_PROMPTS) {
    return { outcome: { type: 'step_failed', reason: 'no_answer', ...ref }, attemptPatch: { reason: 'no_answer' }, reply: goodbye(CALL_GOODBYE.noInput) };
  }
  return { outcome: null, attemptPatch: { promptsPlayed: attempt.promptsPlayed + 1 }, reply: { type: 'prompt', purpose } };
}

function goodbye(text: string): CallReply {
  return { type: 'goodbye', text };
}
