import { signTwilioRequest, verifyTwilioSignature } from './twilio-signature';

/** Twilio's published test vector (TWILIO.md §4). */
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

describe('Twilio request signatures', () => {
  it('accepts the published test vector', () => {
    expect(verifyTwilioSignature(TOKEN, SIGNATURE, URL, PARAMS)).toBe(true);
  });

  it('signs the published test vector identically', () => {
    expect(signTwilioRequest(TOKEN, URL, PARAMS)).toBe(SIGNATURE);
  });

  it('refuses a tampered parameter, another URL, another token, or no header', () => {
    expect(verifyTwilioSignature(TOKEN, SIGNATURE, URL, { ...PARAMS, Digits: '0' })).toBe(false);
    expect(verifyTwilioSignature(TOKEN, SIGNATURE, 'https://mycompany.com/myapp.php?foo=1', PARAMS)).toBe(false);
    expect(verifyTwilioSignature('54321', SIGNATURE, URL, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, undefined, URL, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, '', URL, PARAMS)).toBe(false);
  });

  it('takes the first value of a repeated header', () => {
    expect(verifyTwilioSignature(TOKEN, [SIGNATURE, 'x'], URL, PARAMS)).toBe(true);
  });

  it('round-trips repeated keys and a URL with a port', () => {
    const url = 'http://127.0.0.1:3000/webhooks/twilio/call-status?attempt=a1';
    const params = { CallSid: 'CA1', StatusCallbackEvent: ['ringing', 'initiated'] };
    const signature = signTwilioRequest('sandbox-auth-token', url, params);
    expect(verifyTwilioSignature('sandbox-auth-token', signature, url, params)).toBe(true);
  });

  describe('HMACs per check', () => {
    afterEach(() => jest.restoreAllMocks());
    // The crypto module object itself (the SDK calls `crypto.createHmac` on it), not an import's copy of it.
    const hmacs = () => jest.spyOn(jest.requireActual<typeof import('node:crypto')>('crypto'), 'createHmac');

    it.each([
      ['with a port (the sandbox, a local PUBLIC_URL)', 'http://127.0.0.1:3000/webhooks/twilio/sms-status?attempt=a1'],
      ['without one', 'https://verify.example.com/webhooks/twilio/sms-status?attempt=a1'],
    ])('a signature over the URL as requested, %s: one', (_name, url) => {
      const params = { MessageSid: 'SM1', MessageStatus: 'sent' };
      const signature = signTwilioRequest('sandbox-auth-token', url, params);
      const spy = hmacs();
      expect(verifyTwilioSignature('sandbox-auth-token', signature, url, params)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
    });

    it("the SDK's other spellings still count: signed with the default port, requested without it", () => {
      const params = { MessageSid: 'SM1', MessageStatus: 'sent' };
      const signature = signTwilioRequest('sandbox-auth-token', 'https://verify.example.com:443/webhooks/twilio/sms-status', params);
      expect(verifyTwilioSignature('sandbox-auth-token', signature, 'https://verify.example.com/webhooks/twilio/sms-status', params)).toBe(true);
    });
  });
});
