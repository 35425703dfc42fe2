/**
 * How many segments (billed parts) a text takes, as carriers and Twilio count them: GSM-7 texts fit 160
 * characters in one segment and 153 per part of a longer one, the extension-table characters (`^{}\[~]|€`)
 * taking two; a text with any other character is sent as UCS-2: 70 UTF-16 code units in one, 67 per part.
 * (The sandbox's num_segments uses a simpler rule; for Redial's own texts both agree.)
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';
const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'gsm7' | 'ucs2';

export function smsEncoding(body: string): SmsEncoding {
  for (const ch of body) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return 'ucs2';
  return 'gsm7';
}

/** Billed segments of `body` (an empty text is one segment). */
export function countSmsSegments(body: string): number {
  if (smsEncoding(body) === 'gsm7') {
    let septets = 0;
    for (const ch of body) septets += EXTENSION.has(ch) ? 2 : 1;
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = body.length; // UTF-16 code units: an emoji takes two
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
