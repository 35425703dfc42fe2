import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { ChallengePurpose } from '@redial/contracts';
import type { HmacKey } from './challenge-token';

/**
 * The 6-digit code sent by text: generated from the CSPRNG, stored only as an HMAC bound to its challenge
 * and attempt (a hash leak cannot be replayed on another attempt), and checked in constant time.
 */

export const CODE_LENGTH = 6;
const CODE_SHAPE = /^\d{6}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A uniformly random code, `000000`–`999999`. */
export function generateCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(CODE_LENGTH, '0');
}

/** HMAC-SHA256, keyed by the server secret, over `challengeId|attemptId|code`, as lowercase hex. */
export function hashCode(code: string, secret: HmacKey, challengeId: string, attemptId: string): string {
  if (secret.length === 0) throw new Error('hashCode needs a non-empty secret');
  return createHmac('sha256', secret).update(`${challengeId}|${attemptId}|${code}`, 'utf8').digest('hex');
}

/**
 * Whether `code` is the one hashed into `storedHash` for this challenge and attempt. Constant time in the code;
 * a malformed code (not exactly 6 digits) or a malformed stored hash is simply not a match.
 */
export function codeMatches(
  code: string,
  storedHash: string,
  secret: HmacKey,
  challengeId: string,
  attemptId: string,
): boolean {
  if (typeof code !== 'string' || !CODE_SHAPE.test(code)) return false;
  if (typeof storedHash !== 'string' || !SHA256_HEX.test(storedHash)) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashCode(code, secret, challengeId, attemptId), 'hex');
  return timingSafeEqual(actual, expected);
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
