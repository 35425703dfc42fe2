/**
 * Twilio's short titles for the error codes of texts that end `undelivered` or `failed` (TWILIO.md §5; the error
 * dictionary at twilio.com/docs/api/errors). Sent as `ErrorMessage` beside `ErrorCode` and kept as the message
 * resource's `error_message`. A code not listed here gets no message: the sandbox does not invent Twilio's words.
 */
const TITLES: Readonly<Record<number, string>> = {
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  30010: 'Message price exceeds max price',
  30032: 'Toll-Free Number Has Not Been Verified',
  30034: 'US A2P 10DLC - Message from an Unregistered Number',
};

export function carrierErrorMessage(code: number | null): string | null {
  return code === null ? null : (TITLES[code] ?? null);
}

/**
 * Failures that happen before the text is handed to a carrier, so it goes `queued → failed` without `sending`
 * (TWILIO.md §2: "queued ──► sending … └──┴──► failed"): the queue overflowed, the account is suspended, or the
 * price is over MaxPrice. Any other `failed` code is a refusal while sending: `queued → sending → failed`.
 */
const FAILS_IN_QUEUE: ReadonlySet<number> = new Set([30001, 30002, 30010]);

export function failsInQueue(code: number): boolean {
  return FAILS_IN_QUEUE.has(code);
}
