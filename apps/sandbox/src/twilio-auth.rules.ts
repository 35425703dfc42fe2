import { hash, timingSafeEqual } from 'node:crypto';

const BASIC = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i;

function digest(credentials: string | Buffer): Buffer {
  // One-shot: every REST request is checked, and a Hash object per request costs more than the hashing.
  return hash('sha256', credentials, 'buffer');
}

/**
 * HTTP Basic auth as Twilio takes it (TWILIO.md §1.1): `AC…:<Auth Token>`, or an API key `SK…:<secret>` (the path
 * still names the AC… account, which the controller checks separately). Compared in constant time: both
 * sides are hashed to the same length and every accepted pair is compared, whatever matched.
 */
export class TwilioCredentials {
  private readonly accepted: Buffer[];

  constructor(accountSid: string, authToken: string, apiKey: { sid: string; secret: string }) {
    this.accepted = [digest(`${accountSid}:${authToken}`), digest(`${apiKey.sid}:${apiKey.secret}`)];
  }

  accepts(header: string | undefined): boolean {
    if (header === undefined) return false;
    // A lower-case scheme or extra spaces are tolerated; the credentials must match exactly.
    const match = BASIC.exec(header);
    if (match === null) return false;
    const given = digest(Buffer.from(match[1], 'base64'));
    let ok = false;
    for (const expected of this.accepted) ok = timingSafeEqual(given, expected) || ok;
    return ok;
  }
}
