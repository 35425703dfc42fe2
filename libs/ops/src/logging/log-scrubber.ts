import { maskPhonesInText } from '@redial/domain';

/**
 * What must never reach a log line: full phone numbers (masked to `+1 ••• ••• ••00`), verification codes,
 * SMS bodies, credentials. Masking is applied to every message and every string field; fields whose name says
 * they hold a secret are replaced whole.
 */

export const REDACTED = '[redacted]';

/** Field names whose values are never logged, whatever they hold. */
const SECRET_FIELD = /^(code|codes|otp|body|smsbody|sms_body|digits|authorization|cookie|set-cookie|token|tokens|password|secret|authtoken|auth_token|apikey|api_key|x-twilio-signature|x-redial-signature)$/i;

/** `#123456` (the WebOTP line) and `code: 123456`, `code is 123456`-like phrases. */
const CODE_IN_TEXT = /(#|\b(?:codes?|otp|pin)\b(?:\s*(?:is|was|=|:)\s*|\W{1,3}))\d{4,10}\b/gi;

/** Query parameters that carry credentials (`?token=` for the queue board, challenge tokens on status pages). */
const SECRET_QUERY = /([?&](?:token|access_token|code|key|api_key)=)[^&#\s]*/gi;

export function scrubText(text: string): string {
  return maskPhonesInText(text.replace(SECRET_QUERY, `$1${REDACTED}`)).replace(CODE_IN_TEXT, `$1${REDACTED}`);
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a log record's fields with secrets replaced and phones masked. Only plain objects and arrays are
 * walked (to a fixed depth); anything else (requests, errors) goes to its own serializer.
 */
export function scrubFields<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => scrubFields(v, depth + 1)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== undefined && v !== null ? REDACTED : scrubFields(v, depth + 1);
  }
  return out as T;
}
