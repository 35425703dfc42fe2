import { createHmac } from 'node:crypto';
import type { RateLimitConfig } from '@redial/config';

/**
 * The rate limits (issue 13) as data: each limit's name — what a refusal names in its `limit` field and in
 * `/metrics` — its budget and its window. Pure: no Redis here (rate-limit.store.ts does the counting).
 */
export const RATE_LIMITS = [
  'phone_10min',
  'phone_day',
  'sms_cooldown',
  'user_challenges',
  'user_settings_saves',
  'api_key_challenges',
  'client_ip',
  'wrong_codes',
] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

export interface RateLimitSpec {
  name: RateLimitName;
  /** Requests (or sends, or wrong codes) allowed per window; 0 turns the limit off. */
  points: number;
  windowSec: number;
  /** For the refusal's message: what was limited, per what ("texts and calls to this phone"…). */
  what: string;
}

/** Wrong codes are remembered this long after the first of a run (unless a correct code resets them first). */
export const WRONG_CODES_MEMORY_SEC = 24 * 3600;

export function rateLimitSpecs(c: RateLimitConfig): Readonly<Record<RateLimitName, RateLimitSpec>> {
  const spec = (name: RateLimitName, points: number, windowSec: number, what: string): RateLimitSpec => ({ name, points, windowSec, what });
  return {
    phone_10min: spec('phone_10min', c.phonePer10Min, 600, 'texts and calls to this phone in 10 minutes'),
    phone_day: spec('phone_day', c.phonePerDay, 86400, 'texts and calls to this phone in a day'),
    sms_cooldown: spec('sms_cooldown', c.smsCooldownSec > 0 ? 1 : 0, c.smsCooldownSec, 'texts to this phone in a row'),
    user_challenges: spec('user_challenges', c.userChallengesPerHour, 3600, 'verifications started for this user in an hour'),
    user_settings_saves: spec('user_settings_saves', c.userSettingsSavesPerHour, 3600, 'phone settings saved for this user in an hour'),
    api_key_challenges: spec('api_key_challenges', c.apiKeyChallengesPerMin, 60, 'verifications started with this API key in a minute'),
    client_ip: spec('client_ip', c.clientIpPerMin, 60, 'requests from this address in a minute'),
    wrong_codes: spec('wrong_codes', c.wrongCodesPerUser, WRONG_CODES_MEMORY_SEC, 'wrong codes in a row for this user'),
  };
}

/** Whole seconds to wait, at least 1 (Retry-After). */
export function retryAfterSec(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/** The refusal's sentence: which limit, and when to try again. */
export function refusalMessage(spec: RateLimitSpec, retryAfter: number): string {
  const wait = retryAfter < 120 ? `${retryAfter} seconds` : retryAfter < 7200 ? `${Math.ceil(retryAfter / 60)} minutes` : `${Math.ceil(retryAfter / 3600)} hours`;
  if (spec.name === 'wrong_codes') return `Too many wrong codes in a row (${spec.points}): checking codes for this user is locked. Try again in ${wait}.`;
  return `Too many ${spec.what} (limit ${spec.points}). Try again in ${wait}.`;
}

/**
 * Redis keys never hold a phone number, a user id, an API key or an IP in clear: each subject is an HMAC keyed
 * by a key derived from TOKEN_SECRET for this purpose only (a plain hash of a phone number is reversed by
 * trying every number). 128 bits, base64url (no `:`).
 */
export type SubjectHasher = (kind: 'phone' | 'user' | 'api_key' | 'ip', value: string) => string;

export function subjectHasher(key: Buffer): SubjectHasher {
  return (kind, value) => createHmac('sha256', key).update(`${kind}\0${value}`).digest('base64url').slice(0, 22);
}
