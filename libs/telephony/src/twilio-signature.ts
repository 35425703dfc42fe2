import { timingSafeEqual } from 'node:crypto';
import { getExpectedTwilioSignature, validateRequest } from 'twilio';

/** Form parameters as received: repeated keys arrive as arrays. */
export type TwilioParams = Record<string, string | string[]>;

/**
 * Checks `X-Twilio-Signature` (TWILIO.md §4). `url` must be the exact URL Twilio requested, query string
 * included; `params` every form field received, unmodified (unknown keys too). The SDK also accepts the URL
 * with the default port added or removed, and compares in constant time.
 *
 * The URL exactly as requested is what Twilio signs, and one of the SDK's own first two candidates (with or
 * without a port): it is checked first, with one HMAC. Only a signature that does not match it goes through the
 * SDK's other spellings — where a URL with a port would otherwise cost a wasted HMAC of the spelling without it
 * on every callback.
 */
export function verifyTwilioSignature(
  authToken: string,
  signatureHeader: string | string[] | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  const signature = Array.isArray(signatureHeader) ? signatureHeader[0] : signatureHeader;
  if (signature === undefined || signature === '') return false;
  const given = Buffer.from(signature);
  const expected = Buffer.from(getExpectedTwilioSignature(authToken, url, params));
  if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  return validateRequest(authToken, signature, url, params);
}

/** The signature Twilio would send for a POST of `params` to `url` (tests hold the sandbox's signer to it). */
export function signTwilioRequest(authToken: string, url: string, params: TwilioParams): string {
  return getExpectedTwilioSignature(authToken, url, params);
}
