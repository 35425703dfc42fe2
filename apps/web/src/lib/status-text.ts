import type { AttemptView, ChallengePurpose, ChallengeStatus, ChallengeView, StepView } from '@redial/contracts';
import { attemptStatusText, capitalise, currentStep, reasonText } from './format';

/**
 * What the live status page says to the person being verified. Each fact is said once: the heading names the
 * outcome, the headline explains it, the timeline lists what happened to each phone, the final panel says what
 * to do next.
 */

/** A masked number never breaks across lines (`+1 ••• / ••• ••01`): its spaces become non-breaking ones. */
export const unbroken = (text: string): string => text.replace(/ /g, '\u00a0');

/** "your primary phone +1 ••• ••• ••00", "your backup office phone +44 ••• ••11". */
export function phoneTarget(step: Pick<StepView, 'role' | 'label' | 'phone'>): string {
  const kind = step.role === 'primary' ? 'primary' : step.label ? `backup ${step.label}` : 'backup';
  return `your ${kind} phone ${unbroken(step.phone)}`;
}

export function latestAttempt(step: StepView): AttemptView | undefined {
  return step.attempts.reduce<AttemptView | undefined>((latest, a) => (!latest || a.attemptNo > latest.attemptNo ? a : latest), undefined);
}

/** The page's heading: what is going on, then, once it is over, the outcome. */
export function statusTitle(c: ChallengeView | null): string {
  if (!c) return 'Verification';
  const signIn = c.purpose === 'sign_in';
  const final: Partial<Record<ChallengeStatus, string>> = signIn
    ? { approved: "You're signed in", denied: 'Sign-in denied', failed: "We couldn't reach you", expired: 'This sign-in expired', canceled: 'Sign-in canceled' }
    : { approved: 'Phone verified', denied: 'Verification denied', failed: "We couldn't reach your phone", expired: 'This verification expired', canceled: 'Verification canceled' };
  if (c.status === 'max_attempts_reached') return 'Too many wrong codes';
  return final[c.status] ?? PENDING_TITLE[c.purpose];
}

const PENDING_TITLE: Record<ChallengePurpose, string> = {
  sign_in: 'Signing you in',
  settings: 'Verifying your phone',
  phone_check: 'Verifying your backup phone',
};

const ANSWERED = new Set(['in-progress', 'in_progress', 'answered']);
const SENDING = new Set(['queued', 'sending', 'sent', 'accepted', 'scheduled', 'created']);

/** The sentence under the heading: where things stand now, or why it ended as it did. */
export function headline(c: ChallengeView): string {
  const succeeded = c.steps.find((s) => s.status === 'succeeded');
  const fraud = c.steps.find((s) => s.reason === 'fraud_reported');
  const what = c.purpose === 'sign_in' ? 'this sign-in' : 'this verification';
  switch (c.status) {
    case 'approved':
      if (c.purpose === 'settings') return 'Your new phone settings are now active.';
      return succeeded ? `Approved on ${phoneTarget(succeeded)}.` : 'Approved.';
    case 'denied':
      return `Someone pressed 0 then # on the call to ${fraud ? phoneTarget(fraud) : 'your phone'} to report it as fraud${c.purpose === 'sign_in' ? ', so nobody was signed in' : ''}.`;
    case 'failed':
      return c.steps.length > 1 ? 'None of your phones could be reached.' : `${capitalise(phoneTarget(c.steps[0]))} couldn't be reached.`;
    case 'expired':
      return `${capitalise(what)} wasn't completed in time.`;
    case 'canceled':
      return `No more calls or texts will be sent for ${what}.`;
    case 'max_attempts_reached':
      return `For your safety, ${what} was stopped.`;
    case 'pending':
      break;
  }
  const step = currentStep(c);
  if (!step) return 'Starting…';
  const target = phoneTarget(step);
  const status = latestAttempt(step)?.status ?? 'queued';
  const prefix = failoverPrefix(c.steps.find((s) => s.index === step.index - 1));
  const lead = (text: string): string => (prefix ? prefix + text : capitalise(text));
  if (step.method === 'call') {
    if (status === 'ringing') return lead(`ringing ${target}.`);
    if (ANSWERED.has(status)) return lead(`on the line with ${target}.`);
    return lead(`calling ${target}…`);
  }
  if (status === 'delivered' || status === 'read') return lead(`waiting for the code we texted to ${target}.`);
  if (SENDING.has(status)) return lead(`texting a 6-digit code to ${target}…`);
  return lead(`texting a code to ${target}…`);
}

/** "No answer on your primary phone, so we're " — why the current step is not the first. */
function failoverPrefix(previous: StepView | undefined): string {
  if (!previous || (previous.status !== 'failed' && previous.status !== 'skipped')) return '';
  if (previous.reason === 'user_skipped' || previous.status === 'skipped') return "As you asked, we're ";
  const where = phoneTarget(previous).replace(/ \+.*$/, '');
  const why = reasonText(previous.reason ?? latestAttempt(previous)?.reason);
  return why ? `${capitalise(why)} on ${where}, so we're ` : `${capitalise(where)} didn't work, so we're `;
}

/**
 * One line per step saying what was done with that phone; how it went is the step's badge and its attempts'
 * lines (stepOutcome, attemptText), so nothing is said twice.
 */
export function stepSentence(step: StepView, c: ChallengeView): string {
  const target = phoneTarget(step);
  const call = step.method === 'call';
  switch (step.status) {
    case 'waiting':
      return c.status === 'pending' ? `Next, if needed: ${call ? 'call' : 'text'} ${target}` : capitalise(target);
    case 'active':
      return `${call ? 'Calling' : 'Texting a code to'} ${target}`;
    case 'succeeded':
      return `${call ? 'Called' : 'Texted a code to'} ${target}: ${call ? 'approved with #' : 'code accepted'}`;
    default:
      return `${call ? 'Called' : 'Texted a code to'} ${target}`;
  }
}

const STEP_OUTCOME: Record<string, string> = {
  waiting: 'Not yet',
  active: 'In progress',
  succeeded: 'Worked',
  failed: "Didn't work",
  skipped: 'Skipped',
};

/** The step's badge: a phone never used reads "Not tried" once the verification is over. */
export function stepOutcome(step: StepView, c: ChallengeView): string {
  if (step.status === 'waiting' && c.status !== 'pending') return 'Not tried';
  if (step.reason === 'fraud_reported') return 'Denied';
  return STEP_OUTCOME[step.status] ?? capitalise(step.status);
}

/** Why a step ended, when none of its attempts' lines says it already (a timeout, a skip, a cancel). */
export function stepReason(step: StepView): string {
  if (!step.reason || step.status === 'succeeded' || step.attempts.some((a) => a.reason === step.reason)) return '';
  return capitalise(reasonText(step.reason));
}

/** An attempt's line: its reason when it has one ("The line was busy"), else its status ("Ringing…"). */
export function attemptText(a: Pick<AttemptView, 'status' | 'reason'>): string {
  return capitalise(a.reason ? reasonText(a.reason) : attemptStatusText(a.status));
}
