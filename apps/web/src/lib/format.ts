import type { AttemptView, ChallengeStatus, ChallengeView, StepView } from '@redial/contracts';
import { FINAL_CHALLENGE_STATUSES } from '@redial/contracts/enums.constants';
import { humanizeCode, reasonPhrase } from '@redial/contracts/failure-reasons';

/** Plain-language sentences for the people watching a verification, and small formatting helpers. */

export function humanize(code: string): string {
  return humanizeCode(code);
}

/** A failure reason as words inside a sentence ("the line was busy"); the texts live in libs/contracts. */
export function reasonText(reason: string | undefined): string {
  if (!reason) return '';
  return reasonPhrase(reason);
}

const ATTEMPT_STATUS: Record<string, string> = {
  created: 'getting ready…',
  queued: 'queued…',
  sending: 'sending…',
  sent: 'sent…',
  accepted: 'sending…',
  scheduled: 'sending…',
  initiated: 'dialling…',
  dialing: 'dialling…',
  ringing: 'ringing…',
  'in-progress': 'answered',
  in_progress: 'answered',
  answered: 'answered',
  delivered: 'delivered',
  read: 'delivered',
  completed: 'completed',
  approved: 'approved',
  succeeded: 'approved',
  undelivered: 'not delivered',
  failed: 'failed',
  'no-answer': 'no answer',
  no_answer: 'no answer',
  busy: 'busy',
  canceled: 'canceled',
  timeout: 'timed out',
};

export function attemptStatusText(status: string): string {
  return ATTEMPT_STATUS[status] ?? humanize(status);
}

export const FINAL_STATUSES: ReadonlySet<ChallengeStatus> = new Set(FINAL_CHALLENGE_STATUSES);

export const isFinal = (status: ChallengeStatus): boolean => FINAL_STATUSES.has(status);

const STATUS_LABEL: Record<ChallengeStatus, string> = {
  pending: 'In progress',
  approved: 'Approved',
  denied: 'Denied',
  failed: 'Failed',
  expired: 'Expired',
  canceled: 'Canceled',
  max_attempts_reached: 'Too many wrong codes',
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status as ChallengeStatus] ?? humanize(status);
}

/** "your primary phone +1 ••• ••• ••00", "your backup office phone +44 ••• ••11". */
export function phoneTarget(step: Pick<StepView, 'role' | 'label' | 'phone'>): string {
  const kind = step.role === 'primary' ? 'primary' : step.label ? `backup ${step.label}` : 'backup';
  return `your ${kind} phone ${step.phone}`;
}

export function latestAttempt(step: StepView): AttemptView | undefined {
  return step.attempts.reduce<AttemptView | undefined>(
    (latest, a) => (!latest || a.attemptNo > latest.attemptNo ? a : latest),
    undefined,
  );
}

export function currentStep(c: ChallengeView): StepView | undefined {
  return c.steps.find((s) => s.index === c.currentStep) ?? c.steps[c.currentStep];
}

const ANSWERED = new Set(['in-progress', 'in_progress', 'answered']);
const SENDING = new Set(['queued', 'sending', 'sent', 'accepted', 'scheduled', 'created']);

/** One line per step: "Calling your primary phone +1 ••• ••• ••00… ringing…", "Texted your backup phone… delivered". */
export function stepSentence(step: StepView, c: ChallengeView): string {
  const target = phoneTarget(step);
  const latest = latestAttempt(step);
  const call = step.method === 'call';
  switch (step.status) {
    case 'waiting':
      return `${c.status === 'pending' ? 'Next, if needed' : 'Not needed'}: ${call ? 'call' : 'text'} ${target}`;
    case 'active': {
      const progress = latest ? `… ${attemptStatusText(latest.status)}` : '…';
      return `${call ? 'Calling' : 'Texting a code to'} ${target}${progress}`;
    }
    case 'succeeded':
      return `${call ? 'Called' : 'Texted'} ${target}… ${call ? 'approved with #' : 'code accepted'}`;
    case 'failed': {
      const why = reasonText(step.reason ?? latest?.reason) || (latest ? attemptStatusText(latest.status) : 'failed');
      return `${call ? 'Called' : 'Texted'} ${target}… ${why}`;
    }
    case 'skipped':
      return `Skipped ${target}${step.reason ? ` — ${reasonText(step.reason)}` : ''}`;
    default:
      return `${call ? 'Call' : 'Text'} ${target}: ${humanize(String(step.status))}`;
  }
}

/** The sentence at the top of the live status page. */
export function headline(c: ChallengeView): string {
  const settings = c.purpose === 'settings';
  switch (c.status) {
    case 'approved':
      return settings ? 'Verified. Your new phone settings are now active.' : "Approved. You're signed in.";
    case 'denied':
      return settings
        ? 'Denied — the call was reported as fraud. Your settings were not changed.'
        : 'Denied — the call was reported as fraud. Nobody was signed in.';
    case 'failed':
      return "We couldn't verify you: none of your phones could be reached.";
    case 'expired':
      return 'This verification expired before it was completed.';
    case 'canceled':
      return 'This verification was canceled.';
    case 'max_attempts_reached':
      return 'Too many wrong codes were entered, so this verification was stopped.';
    case 'pending':
      break;
  }
  const step = currentStep(c);
  if (!step) return 'Starting your verification…';
  const target = phoneTarget(step);
  const status = latestAttempt(step)?.status ?? 'queued';
  const previous = c.steps.find((s) => s.index === step.index - 1);
  const prefix = failoverPrefix(previous);
  const lead = (text: string): string => (prefix ? prefix + text : capitalise(text));
  if (step.method === 'call') {
    if (status === 'ringing') return lead(`ringing ${target}. Answer it and press # to approve.`);
    if (ANSWERED.has(status)) return lead(`on the line with ${target}. Press # on the keypad to approve.`);
    return lead(`calling ${target}…`);
  }
  if (status === 'delivered' || status === 'read') return lead(`waiting for the code we texted to ${target}. Enter it below.`);
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

export function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** 950 → "950 ms", 12_300 → "12.3 s", 185_000 → "3 min 5 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Seconds left as "9:05". */
export function countdown(untilIso: string, now: number): string {
  const left = Math.max(0, Math.round((new Date(untilIso).getTime() - now) / 1000));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}

export const shortId = (id: string): string => id.slice(0, 8);

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function formatCount(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString();
}
