import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The SMS pumping guard's rules (issue 13), pure. A destination prefix is the country calling code plus the
 * next few national digits (`44-770` for +44 7700 900123 with 3 digits): fine enough to single out the number
 * range a pumping attack targets, coarse enough to say nothing about one person's number. Over a sliding
 * window the worker counts texts sent to a prefix and codes verified from them; a prefix that has been sent
 * enough texts while too few of their codes came back is suspended until an operator releases it.
 */

export interface PumpingThresholds {
  /** Judged only from this many texts sent in the window; 0 turns the guard off. */
  minSends: number;
  /** Verified share below which the prefix is suspended, 0..1. */
  conversionFloor: number;
}

export interface PrefixFigures {
  sent: number;
  verified: number;
}

/** `+447700900123` → `44-770`. Undefined when the number has no known calling code. */
export function destinationPrefix(e164: string, digits: number): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed === undefined) return undefined;
  const code = String(parsed.countryCallingCode);
  const national = e164.replace(/\D/g, '').slice(code.length);
  if (national.length === 0) return undefined;
  return `${code}-${national.slice(0, digits)}`;
}

/** `44-770` → `+44 770…`, for operators. */
export function displayPrefix(prefix: string): string {
  const [code, rest] = prefix.split('-');
  return `+${code} ${rest ?? ''}…`;
}

/** A prefix as the ops API takes it: calling code, `-`, national digits. */
export const PREFIX_PATTERN = /^[1-9]\d{0,2}-\d{1,8}$/;

export function conversionRate(f: PrefixFigures): number {
  return f.sent === 0 ? 1 : Math.min(1, f.verified / f.sent);
}

/** True when the prefix should be suspended: enough texts sent, and too few of their codes verified. */
export function shouldSuspend(f: PrefixFigures, t: PumpingThresholds): boolean {
  if (t.minSends <= 0) return false;
  return f.sent >= t.minSends && conversionRate(f) < t.conversionFloor;
}

/**
 * The figures of a sliding window from per-minute buckets (`minute` = epoch minute): the buckets of the last
 * `windowMin` minutes, the current one included.
 */
export function windowFigures(buckets: ReadonlyArray<{ minute: number; sent: number; verified: number }>, nowMinute: number, windowMin: number): PrefixFigures {
  let sent = 0;
  let verified = 0;
  for (const b of buckets) {
    if (b.minute > nowMinute - windowMin && b.minute <= nowMinute) {
      sent += b.sent;
      verified += b.verified;
    }
  }
  return { sent, verified };
}

/** Suspension at create time: refused when the challenge has steps and every one is a text to a suspended prefix. */
export function everyStepSuspended(steps: ReadonlyArray<{ method: string; suspended: boolean }>): boolean {
  return steps.length > 0 && steps.every((s) => s.method === 'sms' && s.suspended);
}
