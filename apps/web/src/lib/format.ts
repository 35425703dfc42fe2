import type { ChallengeStatus, ChallengeView, StepView } from '@redial/contracts';
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

export function currentStep(c: ChallengeView): StepView | undefined {
  return c.steps.find((s) => s.index === c.currentStep) ?? c.steps[c.currentStep];
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

/** "3 Dec 2026" (in the browser's language). */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
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
