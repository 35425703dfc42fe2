import { apiError, type TwilioApiError } from './twilio-api.error';

/**
 * Twilio's magic test numbers (TWILIO.md §6), answered as Twilio's test credentials answer them.
 *
 * One deliberate difference: with test credentials any `From` other than the magic ones is refused (21606 /
 * 21210). The sandbox stands in for a whole account, so any other valid E.164 sender is accepted as one of
 * "our" numbers; only the magic failures below are refused.
 *
 * Maps, not object literals: every create looks its numbers up here, and a fresh string as an object key takes
 * V8's slow path.
 */
const MESSAGE_FROM = new Map<string, (from: string, to: string) => TwilioApiError>([
  ['+15005550001', (from) => apiError.invalidFrom(from)],
  ['+15005550007', () => apiError.fromNotCapable()],
  ['+15005550008', () => apiError.fromQueueFull()],
]);

const MESSAGE_TO = new Map<string, (from: string, to: string) => TwilioApiError>([
  ['+15005550001', (_from, to) => apiError.invalidTo(to)],
  ['+15005550002', (from, to) => apiError.cannotRoute(to, from)],
  ['+15005550003', (_from, to) => apiError.noGeoPermission(to)],
  ['+15005550004', () => apiError.unsubscribed()],
  ['+15005550009', () => apiError.notMobile()],
]);

const CALL_FROM = new Map<string, (from: string) => TwilioApiError>([
  ['+15005550001', (from) => apiError.invalidFrom(from)],
]);

const CALL_TO = new Map<string, (to: string) => TwilioApiError>([
  ['+15005550001', (to) => apiError.callInvalidTo(to)],
  ['+15005550002', (to) => apiError.callCannotReach(to)],
  ['+15005550003', (to) => apiError.callNoGeoPermission(to)],
  ['+15005550004', (to) => apiError.callBlocked(to)],
]);

/** The error a magic From or To produces for a text (From first), or undefined. */
export function messageMagicError(from: string | undefined, to: string): TwilioApiError | undefined {
  const sender = from ?? '';
  const byFrom = from === undefined ? undefined : MESSAGE_FROM.get(from);
  if (byFrom !== undefined) return byFrom(sender, to);
  const byTo = MESSAGE_TO.get(to);
  return byTo === undefined ? undefined : byTo(sender, to);
}

/** The error a magic From or To produces for a call (From first), or undefined. */
export function callMagicError(from: string, to: string): TwilioApiError | undefined {
  const byFrom = CALL_FROM.get(from);
  if (byFrom !== undefined) return byFrom(from);
  const byTo = CALL_TO.get(to);
  return byTo === undefined ? undefined : byTo(to);
}
