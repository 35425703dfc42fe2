import { FAILURE_REASONS, type FailureReasonCode } from './enums.constants';

/**
 * What a failure reason (`Step.reason`, `attempt.reason`: `no_answer`, `busy`…) says in plain language, written
 * once for the server (libs/domain `describeReason`) and the web UI (`reasonText`). Each reason has two forms:
 *  - `label`: a sentence on its own, capitalised — operators' views, API descriptions ("The line was busy");
 *  - `phrase`: the words the person being verified reads inside a longer sentence, lower case
 *    ("Called your primary phone… the line was busy", "No answer on your primary phone, so we're…").
 * The codes themselves are FAILURE_REASONS (enums.constants.ts).
 */
export interface ReasonText {
  label: string;
  phrase: string;
}

/** Reasons that are not an attempt's failure but still end a step or a challenge (challenge.machine.ts). */
export const FINAL_REASONS = ['max_sends', 'max_attempts_reached'] as const;
export type FinalReason = (typeof FINAL_REASONS)[number];

export const REASON_TEXTS: Readonly<Record<FailureReasonCode | FinalReason, ReasonText>> = {
  no_answer: { label: 'No answer', phrase: 'no answer' },
  busy: { label: 'The line was busy', phrase: 'the line was busy' },
  voicemail: { label: 'Voicemail answered', phrase: 'voicemail picked up' },
  no_confirmation: { label: 'The call was answered, but the pound key was not pressed', phrase: "the call was answered, but # wasn't pressed" },
  call_failed: { label: 'The call could not be connected', phrase: "the call couldn't be connected" },
  invalid_number: { label: 'The number is not valid', phrase: "the number isn't valid" },
  unreachable: { label: 'The phone could not be reached (it may be switched off or out of coverage)', phrase: "the phone couldn't be reached" },
  undelivered: { label: 'The text was not delivered', phrase: "the text wasn't delivered" },
  timeout: { label: 'No response in time', phrase: 'no code was entered in time' },
  landline: { label: 'The number is a landline and cannot receive texts', phrase: "it's a landline, which can't receive texts" },
  blocked: { label: 'The number is blocked', phrase: 'the number is blocked' },
  opted_out: { label: 'The number has opted out of texts (it replied STOP)', phrase: 'the number has opted out of texts (it replied STOP)' },
  geo_blocked: { label: 'Sending to this country is not enabled', phrase: "we can't reach numbers in that country" },
  destination_suspended: { label: 'Texts to this number range are paused (unusual traffic)', phrase: 'texts to this number range are paused for now' },
  spend_cap_reached: { label: "Today's sending budget is used up", phrase: "today's sending budget is used up" },
  rate_limited: { label: 'Too many codes were sent to this phone recently', phrase: "this phone has had too many codes recently" },
  carrier_filtered: { label: 'The carrier filtered the text', phrase: 'the phone company filtered the text' },
  provider_error: { label: 'The phone service had a problem', phrase: 'the phone service had a problem' },
  skipped: { label: 'Skipped', phrase: 'skipped' },
  user_skipped: { label: 'Skipped at your request', phrase: 'you chose another option' },
  fraud_reported: { label: 'Reported as fraud', phrase: 'the call was reported as fraud' },
  expired: { label: 'The verification expired', phrase: 'the verification expired' },
  canceled: { label: 'The verification was canceled', phrase: 'the verification was canceled' },
  max_sends: { label: 'Too many codes were sent', phrase: 'too many codes were sent' },
  max_attempts_reached: { label: 'Too many wrong codes', phrase: 'too many wrong codes' },
};

export function isFailureReason(value: unknown): value is FailureReasonCode {
  return typeof value === 'string' && (FAILURE_REASONS as readonly string[]).includes(value);
}

function textOf(reason: string): ReasonText | undefined {
  return Object.prototype.hasOwnProperty.call(REASON_TEXTS, reason) ? REASON_TEXTS[reason as keyof typeof REASON_TEXTS] : undefined;
}

/** `some_new.reason` → `some new reason`: an unknown code (say, from a newer server) is made readable, not hidden. */
export function humanizeCode(code: string): string {
  return code.replace(/[_.-]+/g, ' ').trim();
}

/** The reason as a sentence of its own ("The line was busy"); an unknown code is humanized, an empty one is "Failed". */
export function reasonLabel(reason: string): string {
  const known = textOf(reason);
  if (known) return known.label;
  const words = humanizeCode(reason);
  return words === '' ? 'Failed' : words.charAt(0).toUpperCase() + words.slice(1);
}

/** The reason as words inside a sentence ("the line was busy"); an unknown code is humanized. */
export function reasonPhrase(reason: string): string {
  return textOf(reason)?.phrase ?? humanizeCode(reason);
}
