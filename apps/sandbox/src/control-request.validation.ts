import { BadRequestException } from '@nestjs/common';
import { isE164 } from './twilio-request.validation';
import { type Faults, type NumberBehaviour, SMS_BEHAVIOURS, VOICE_BEHAVIOURS } from './sandbox.types';

/** A control API refusal: 400 with `{error, message, field}`. */
export function invalid(field: string, message: string, error = 'invalid_field'): BadRequestException {
  return new BadRequestException({ error, message, field });
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'The body must be a JSON object', 'invalid_body');
  }
  return body as Record<string, unknown>;
}

function refuseUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid(key, `Unknown field "${key}"; expected ${allowed.join(', ')}`, 'unknown_field');
  }
}

function integer(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function share(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(field, `${field} must be a number from 0 to 1`);
  return value;
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[]): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function parseE164(value: string): string {
  if (!isE164(value)) throw invalid('e164', `"${value}" is not an E.164 number such as +15005550006`, 'invalid_number');
  return value;
}

/** Keys a caller can type: 0-9, *, #, and `w` for half a second's pause. */
const KEYS = /^[0-9*#w]{0,64}$/;

/**
 * PUT /sandbox/numbers/:e164 — a partial behaviour, merged into the number's current one. `keys: null` removes
 * the number's own keys (back to the behaviour's scripted ones).
 */
export function parseBehaviourPatch(raw: unknown): Partial<NumberBehaviour> {
  const body = objectBody(raw);
  refuseUnknown(body, ['sms', 'smsErrorCode', 'voice', 'keys', 'delayMs', 'ringMs']);
  const patch: Partial<NumberBehaviour> = {};
  const sms = oneOf(body, 'sms', SMS_BEHAVIOURS);
  if (sms !== undefined) patch.sms = sms;
  const voice = oneOf(body, 'voice', VOICE_BEHAVIOURS);
  if (voice !== undefined) patch.voice = voice;
  const smsErrorCode = integer(body, 'smsErrorCode', 1, 99999);
  if (smsErrorCode !== undefined) patch.smsErrorCode = smsErrorCode;
  const delayMs = integer(body, 'delayMs', 0, 600_000);
  if (delayMs !== undefined) patch.delayMs = delayMs;
  const ringMs = integer(body, 'ringMs', 0, 600_000);
  if (ringMs !== undefined) patch.ringMs = ringMs;
  if (body.keys !== undefined) {
    if (body.keys !== null && (typeof body.keys !== 'string' || !KEYS.test(body.keys))) {
      throw invalid('keys', 'keys must be up to 64 keypad keys (0-9, *, #) or w for a half-second pause, e.g. "1w2#", or null');
    }
    patch.keys = body.keys ?? undefined;
  }
  return patch;
}

/** PUT /sandbox/faults — a partial set of faults, merged into the current ones. */
export function parseFaultsPatch(raw: unknown): Partial<Faults> {
  const body = objectBody(raw);
  refuseUnknown(body, ['rate429', 'rate500', 'latencyMs', 'duplicateCallbacks', 'reorderCallbacks']);
  const patch: Partial<Faults> = {};
  const rate429 = share(body, 'rate429');
  if (rate429 !== undefined) patch.rate429 = rate429;
  const rate500 = share(body, 'rate500');
  if (rate500 !== undefined) patch.rate500 = rate500;
  const duplicateCallbacks = share(body, 'duplicateCallbacks');
  if (duplicateCallbacks !== undefined) patch.duplicateCallbacks = duplicateCallbacks;
  const latencyMs = integer(body, 'latencyMs', 0, 60_000);
  if (latencyMs !== undefined) patch.latencyMs = latencyMs;
  if (body.reorderCallbacks !== undefined) {
    if (typeof body.reorderCallbacks !== 'boolean') throw invalid('reorderCallbacks', 'reorderCallbacks must be true or false');
    patch.reorderCallbacks = body.reorderCallbacks;
  }
  return patch;
}

/** POST /sandbox/calls/:sid/digits — keys as typed on a keypad, one press per character, e.g. "#" or "0#". */
export function parseDigits(raw: unknown): string {
  const body = objectBody(raw);
  refuseUnknown(body, ['digits']);
  const digits = body.digits;
  if (typeof digits !== 'string' || !/^[0-9*#wW]{1,32}$/.test(digits)) {
    throw invalid('digits', 'digits must be 1-32 keypad keys (0-9, *, #), e.g. "#" or "0#"');
  }
  return digits;
}
