/**
 * Plain-language reasons a step or an attempt did not succeed. They travel in `Step.reason` and
 * `attempt.reason` (CONTRACT.md), so the web UI and operators read the same words.
 */
export const FAILURE_REASONS = [
  'no_answer',
  'busy',
  'voicemail',
  'no_confirmation',
  'call_failed',
  'invalid_number',
  'unreachable',
  'undelivered',
  'timeout',
  'landline',
  'blocked',
  'opted_out',
  'geo_blocked',
  'carrier_filtered',
  'provider_error',
  'skipped',
  'user_skipped',
  'fraud_reported',
  'expired',
  'canceled',
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

const DESCRIPTIONS: Record<FailureReason, string> = {
  no_answer: 'No answer',
  busy: 'The line was busy',
  voicemail: 'Voicemail answered',
  no_confirmation: 'The call was answered, but the pound key was not pressed',
  call_failed: 'The call could not be connected',
  invalid_number: 'The number is not valid',
  unreachable: 'The phone could not be reached (it may be switched off or out of coverage)',
  undelivered: 'The text was not delivered',
  timeout: 'No response in time',
  landline: 'The number is a landline and cannot receive texts',
  blocked: 'The number is blocked',
  opted_out: 'The number has opted out of texts (it replied STOP)',
  geo_blocked: 'Sending to this country is not enabled',
  carrier_filtered: 'The carrier filtered the text',
  provider_error: 'The phone service had a problem',
  skipped: 'Skipped',
  user_skipped: 'Skipped at your request',
  fraud_reported: 'Reported as fraud',
  expired: 'The verification expired',
  canceled: 'The verification was canceled',
};

export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === 'string' && (FAILURE_REASONS as readonly string[]).includes(value);
}

/** A short sentence for the reason; an unknown code (say, from a newer server) is made readable, not hidden. */
export function describeReason(reason: string): string {
  if (isFailureReason(reason)) return DESCRIPTIONS[reason];
  const words = reason.replace(/[_\-.]+/g, ' ').trim();
  return words === '' ? 'Failed' : words.charAt(0).toUpperCase() + words.slice(1);
}
