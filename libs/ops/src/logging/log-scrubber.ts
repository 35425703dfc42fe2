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

/** What every pattern above needs: a digit (phones, codes) or an `=` (query parameters). */
const MAY_NEED_SCRUBBING = /[\d=]/;

export function scrubText(text: string): string {
  if (!MAY_NEED_SCRUBBING.test(text)) return text;
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
 * A log record's fields with secrets replaced and phones masked: a copy where anything had to change, else the
 * record itself (never changed in place). Only plain objects and arrays are walked (to a fixed depth); anything
 * else (requests, errors) goes to its own serializer.
 */
export function scrubFields<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (typeof value !== 'object' || value === null || depth > 6) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const scrubbed = scrubFields(value[i] as unknown, depth + 1);
      if (scrubbed !== value[i]) (copy ??= [...value])[i] = scrubbed;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const v = value[k];
    const scrubbed = isSecretField(k) && v !== undefined && v !== null ? REDACTED : scrubFields(v, depth + 1);
    if (scrubbed !== v) (copy ??= { ...value })[k] = scrubbed;
  }
  return (copy ?? value) as T;
}
