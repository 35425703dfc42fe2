import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * `X-Twilio-Signature` as Twilio computes it (TWILIO.md §4): HMAC-SHA1 keyed with the Auth Token over the URL, then,
 * for a POST, each param's name and value in the sorted order of the names; base64. The same as the SDK's
 * getExpectedTwilioSignature (signTwilioRequest in @redial/telephony) for params with one value each, as its test
 * holds it to; this one prepares the key once, where the SDK's reads it again for every callback.
 */
export class WebhookSigner {
  private readonly key: KeyObject;

  constructor(authToken: string) {
    this.key = createSecretKey(Buffer.from(authToken, 'utf8'));
  }

  /** `params`: the form a POST sends, `{}` for a GET (its params are in the URL). */
  sign(url: string, params: Readonly<Record<string, string>>): string {
    let data = url;
    for (const name of Object.keys(params).sort()) data += name + params[name];
    return createHmac('sha1', this.key).update(data, 'utf8').digest('base64');
  }
}
