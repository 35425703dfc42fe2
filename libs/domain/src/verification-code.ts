import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChallengePurpose } from '@redial/contracts';
import type { HmacKey } from './challenge-token';
import { isUuid } from './identifiers';

/**
 * The 6-digit code sent by text is stored nowhere: it is an HOTP value (RFC 4226) of the text's attempt,
 * HMAC-SHA-256 keyed with the `smsCodes` key (libs/config derived-keys.ts) over the attempt id's 16 bytes and
 * dynamically truncated to 6 digits. The worker computes it when it builds the text, the api recomputes it when
 * a code is checked and compares in constant time. Nothing is written before the send, nothing goes to Redis,
 * and a leaked database holds nothing to replay; single use and the wrong-code limit live in the challenge's
 * state. Only the challenge's latest text counts (challenge-state.ts `latestTextAttempt`).
 *
 * SHA-256 rather than RFC 4226's SHA-1: every other key Redial derives is used with HMAC-SHA-256, and RFC 6238
 * (TOTP) already runs the same dynamic truncation over HMAC-SHA-256. HMAC-SHA-1 would be as sound here (HMAC
 * needs no collision resistance); one hash throughout is simply less to review. The truncation is RFC 4226
 * §5.3's, unchanged, and tested with SHA-1 against the RFC's Appendix D vectors.
 */

export const CODE_LENGTH = 6;
const CODE_SHAPE = /^\d{6}$/;

export type HotpHash = 'sha1' | 'sha256';

/**
 * HOTP (RFC 4226 §5.3): HMAC of `message` under `key`, dynamically truncated — the low 4 bits of the last byte
 * pick an offset, the 31 bits from there modulo 10^digits, zero-padded. RFC 4226's message is an 8-byte counter.
 */
export function hotp(key: HmacKey, message: Uint8Array, digits = CODE_LENGTH, hash: HotpHash = 'sha256'): string {
  if (key.length === 0) throw new Error('hotp needs a non-empty key');
  const mac = createHmac(hash, key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

/** The code of the text attempt `attemptId` (a UUID) sends. */
export function textCode(key: HmacKey, attemptId: string): string {
  if (!isUuid(attemptId)) throw new Error('a text code needs the attempt id (a UUID)');
  return hotp(key, Buffer.from(attemptId.replace(/-/g, ''), 'hex'));
}

/**
 * Whether `code` is the code of text attempt `attemptId`. Constant time in the code; anything that is not exactly
 * 6 ASCII digits is simply not a match.
 */
export function textCodeMatches(code: string, key: HmacKey, attemptId: string): boolean {
  if (typeof code !== 'string' || !CODE_SHAPE.test(code)) return false;
  return timingSafeEqual(Buffer.from(code, 'ascii'), Buffer.from(textCode(key, attemptId), 'ascii'));
}

/**
 * The WebOTP host for the last line of the text: the bare host name, lowercased, without scheme or port.
 * The origin-bound one-time code format (WICG sms-one-time-codes) binds a code to `https://<host>` with the
 * default port (Chrome's parser accepts only `[a-zA-Z0-9.-]` there, and treats localhost as http), so a port
 * cannot be expressed: a site on a non-default port gets the format, but browsers will not autofill it.
 * Accepts a host (`example.com`, `example.com:8443`) or a URL (`https://example.com:8443/app`).
 * Throws for anything that cannot be a WebOTP host (IPv6 literals, underscores, empty): config should call
 * this at start-up so a bad PUBLIC_URL stops the app there, not at send time.
 */
export function webOtpHost(hostOrUrl: string): string {
  const trimmed = hostOrUrl.trim();
  let host = trimmed;
  if (trimmed.includes('://')) {
    try {
      host = new URL(trimmed).hostname;
    } catch {
      host = '';
    }
  } else {
    host = trimmed.replace(/\/.*$/, '').replace(/:\d*$/, '');
  }
  host = host.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(host)) {
    throw new Error(`"${hostOrUrl}" has no host usable in a WebOTP line (letters, digits, dots and dashes only)`);
  }
  return host;
}

/**
 * The text message. Plain GSM-7 characters only (straight apostrophe, no bullets), so it stays one segment.
 * The last line is the WebOTP form `@<host> #<code>`, which lets browsers offer the code for that site only.
 * `host` is the site's host or public URL (see webOtpHost); `expiresInMinutes` is the time left on the challenge.
 */
export function smsBody(code: string, host: string, purpose: ChallengePurpose, expiresInMinutes: number): string {
  if (!CODE_SHAPE.test(code)) throw new Error('smsBody needs a 6-digit code');
  const minutes = Math.max(1, Math.ceil(expiresInMinutes));
  const expiry = `It expires in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  const opening =
    purpose === 'sign_in'
      ? `Your Redial verification code is ${code}.`
      : `Your Redial code to confirm this phone number is ${code}.`;
  return `${opening} ${expiry} Don't share it with anyone.\n\n@${webOtpHost(host)} #${code}`;
}
