import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Challenge tokens: `<base64url payload>.<base64url HMAC-SHA256 of the payload part>`, payload JSON
 * `{"c": challengeId, "e": expiry in epoch seconds}`. A token opens one challenge and dies with it.
 * No leeway: a token is dead from its expiry second on.
 */

export interface ChallengeTokenClaims {
  challengeId: string;
  expiresAt: Date;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;
const MAX_TOKEN_LENGTH = 1024;

/** An HMAC key: the challenge-token key derived from TOKEN_SECRET (libs/config deriveKeys), or any secret in tests. */
export type HmacKey = string | Uint8Array;

function sign(payload: string, secret: HmacKey): Buffer {
  if (secret.length === 0) throw new Error('challenge tokens need a non-empty secret');
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

/** Signs a token for one challenge; it expires at `expiresAt`, rounded down to the second. */
export function signChallengeToken({ challengeId, expiresAt }: ChallengeTokenClaims, secret: HmacKey): string {
  const expiry = expiresAt.getTime();
  if (challengeId === '' || !Number.isFinite(expiry)) throw new Error('a challenge token needs a challenge id and a valid expiry');
  const payload = Buffer.from(JSON.stringify({ c: challengeId, e: Math.floor(expiry / 1000) }), 'utf8').toString('base64url');
  return `${payload}.${sign(payload, secret).toString('base64url')}`;
}

/** The challenge the token opens, or null when it is malformed, signed with another secret, or expired. */
export function verifyChallengeToken(token: string, secret: HmacKey, now: Date): { challengeId: string } | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payload, signature] = parts;
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return null;

  const given = Buffer.from(signature, 'base64url');
  // Only the canonical encoding counts, so one token has exactly one spelling.
  if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== signature) return null;
  if (!timingSafeEqual(given, sign(payload, secret))) return null;

  const claims = parseClaims(Buffer.from(payload, 'base64url').toString('utf8'));
  if (claims === null) return null;
  if (now.getTime() >= claims.e * 1000) return null;
  return { challengeId: claims.c };
}

function parseClaims(json: string): { c: string; e: number } | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { c, e } = value as Record<string, unknown>;
  if (typeof c !== 'string' || c === '' || typeof e !== 'number' || !Number.isSafeInteger(e)) return null;
  return { c, e };
}

/** The person's live status page for a challenge, the token in its query: `statusUrl` in the API's answers. */
export function statusPageUrl(publicUrl: string, challengeId: string, token: string): string {
  return `${publicUrl}/status/${challengeId}?token=${encodeURIComponent(token)}`;
}
